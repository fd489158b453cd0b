/**
 * Lines of v1 text from decompressed chunks (docs/format.md): a line ends in
 * LF or CR LF, a UTF-8 BOM may open line 1, and a line longer than MAX_LINE
 * bytes stops the read (even in lenient mode). A line that straddles chunks
 * is kept as pieces and joined once, when its newline comes. Lines are
 * latin1 bytes: one byte per column, so positions are byte columns.
 */
import { InputError } from '../../errors.js';
import { msg } from '../../messages.js';

/** Longest line a reader accepts: a v1 row is ~100 bytes, so a longer line is junk or lacks line endings. */
export const MAX_LINE = 1 << 20;

/** A UTF-8 byte order mark, as latin1 text (the string readers decode latin1: one character per byte). */
export const LATIN1_BOM = '\xef\xbb\xbf';

export const LF = 0x0a;
export const CR = 0x0d;

/** First control byte (other than TAB) in `text`, or -1: binary data in a text trace. */
export function firstControl(text: string, from = 0, to = text.length): number {
  for (let i = from; i < to; i++) {
    const c = text.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) return i;
  }
  return -1;
}

/**
 * The error for line `line` of `file` when it runs past MAX_LINE without a line
 * ending: binary junk if its first MAX_LINE bytes hold a control byte, else
 * too long. `head` is the line's text so far (latin1), from its first byte.
 */
export function overlongLineError(file: string, line: number, head: string): InputError {
  const s = line === 1 && head.startsWith(LATIN1_BOM) ? LATIN1_BOM.length : 0;
  const ctl = firstControl(head, s, Math.min(head.length, MAX_LINE + 1));
  if (ctl >= 0) return new InputError(file, line, ctl - s + 1, msg.binaryJunk(head.charCodeAt(ctl)), 'binary');
  return new InputError(file, line, 1, msg.lineTooLong(MAX_LINE), 'line_too_long');
}

/** A row's end inside a chunk: its newline, LF or CR LF. */
export function isRowEnd(buf: Buffer, p: number): boolean {
  const c = buf[p];
  return c === LF || (c === CR && buf[p + 1] === LF);
}

const EMPTY = Buffer.alloc(0);

/**
 * Frames the lines of one chunk at a time: begin(chunk), then next() for
 * each complete line, which it presents as buf[start, end) without its line
 * ending (and without the BOM on line 1). Whoever reads rows faster than line
 * by line may consume them straight from `chunk` at `pos`, advancing `pos`
 * and `lineNo` past them (V1Scanner's fast rows).
 */
export class LineFramer {
  /** Number of the current line (lines framed or consumed so far). */
  lineNo = 0;
  /** The current line: buf[start, end). */
  buf: Buffer = EMPTY;
  start = 0;
  end = 0;
  /** The chunk being framed, and where its next line starts. */
  chunk: Buffer = EMPTY;
  pos = 0;
  /** Bytes of an unfinished line, kept as pieces (concatenated once, when its newline comes). */
  private pending: Buffer[] = [];
  private pendingBytes = 0;

  constructor(private readonly file: string) {}

  /** Starts on the next chunk of decompressed bytes. */
  begin(chunk: Buffer): void {
    this.chunk = chunk;
    this.pos = 0;
  }

  /** A line from an earlier chunk is still unfinished (`pos` is not at a line's start). */
  get carrying(): boolean {
    return this.pendingBytes > 0;
  }

  /** Frames the chunk's next complete line; false when it has none (an unfinished rest is kept). */
  next(): boolean {
    if (this.pendingBytes > 0) return this.finishPending();
    const chunk = this.chunk;
    const pos = this.pos;
    const n = chunk.length;
    if (pos >= n) return false;
    const nl = chunk.indexOf(LF, pos);
    if (nl < 0 || nl - pos > MAX_LINE) {
      this.keep(chunk, pos, nl < 0 ? n : nl); // a line too long throws here
      this.pos = n;
      return false;
    }
    this.pos = nl + 1;
    return this.frame(chunk, pos, nl);
  }

  /** The line the last chunk left unfinished, once this chunk (at its start) brings its newline. */
  private finishPending(): boolean {
    const chunk = this.chunk;
    const n = chunk.length;
    const nl = chunk.indexOf(LF);
    if (nl < 0 || this.pendingBytes + nl > MAX_LINE) {
      this.keep(chunk, 0, nl < 0 ? n : nl); // a line too long throws here
      this.pos = n;
      return false;
    }
    this.pending.push(chunk.subarray(0, nl));
    const line = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    this.pos = nl + 1;
    return this.frame(line, 0, line.length);
  }

  /** End of input: frames the last line when it lacks its newline; false when there is none. */
  last(): boolean {
    if (this.pendingBytes === 0) return false;
    const line = Buffer.concat(this.pending);
    this.pending = [];
    this.pendingBytes = 0;
    return this.frame(line, 0, line.length);
  }

  private frame(buf: Buffer, start: number, end: number): true {
    this.lineNo++;
    if (end > start && buf[end - 1] === CR) end--;
    if (this.lineNo === 1 && end - start >= 3 && buf[start] === 0xef && buf[start + 1] === 0xbb && buf[start + 2] === 0xbf) start += 3;
    // Stored once per chunk: a young chunk stored into this old object takes V8's
    // write barrier's slow path (perf: about 2% of the parse worker's time).
    if (this.buf !== buf) this.buf = buf;
    this.start = start;
    this.end = end;
    return true;
  }

  /** Keeps [p, e) of a line whose newline has not come yet; a line longer than MAX_LINE bytes is rejected. */
  private keep(chunk: Buffer, p: number, e: number): void {
    this.pending.push(Buffer.from(chunk.subarray(p, e)));
    this.pendingBytes += e - p;
    if (this.pendingBytes > MAX_LINE) {
      const head = Buffer.concat(this.pending).subarray(0, MAX_LINE + 1);
      throw overlongLineError(this.file, this.lineNo + 1, head.toString('latin1'));
    }
  }
}
