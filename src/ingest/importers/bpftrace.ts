/**
 * Output of the program `rfs-replay capture --print-program` prints, run by
 * the user's own bpftrace, in either output mode. The lines inside are the
 * rfs-capture protocol (src/ingest/importers/capture-protocol.ts), read by the same assembler
 * `capture` uses, so both routes give the same trace.
 *
 *   bpftrace -f json (bpftrace 0.17; one JSON object per line, printf text in "data"):
 *     {"type": "attached_probes", "data": {"probes": 24}}
 *     {"type": "printf", "data": "rfs-capture v1\n"}
 *     {"type": "printf", "data": "pkt 890298134848 1 x 0xffff8881082cf4e0 864980960 0 1\n"}
 *     {"type": "lost_events", "data": {"events": 12}}
 *   bpftrace text mode:
 *     Attaching 24 probes...
 *     rfs-capture v1
 *     pkt 890298134848 1 x 0xffff8881082cf4e0 864980960 0 1
 *     Lost 12 events
 *
 * Arbitrary bpftrace scripts have no fixed meaning and are not read.
 * Unlike perf/ftrace text, this carries sk_rxhash, socket state, record CPU
 * at syscall entry and the configuration snapshot.
 */
import { InputError } from '../../errors.js';
import { importMsg } from '../../messages.js';
import { forEachLine } from './chunk-lines.js';
import { CAPTURE_MAGIC, CaptureAssembler, lostEventsInBytes, NO_TAIL } from './capture-protocol.js';
import type { ImportContext, Importer } from './types.js';

/** The line every printf becomes in `bpftrace -f json`, up to its text. */
const PRINTF_HEAD = '{"type": "printf", "data": "';
const PRINTF_TAIL = '\\n"}';
const HEAD_BYTES = Buffer.from(PRINTF_HEAD, 'latin1');
const TAIL_BYTES = Buffer.from(PRINTF_TAIL, 'latin1');
/** Column of the data text's key inside a JSON line: messages point into it. */
const DATA_COLUMN = PRINTF_HEAD.indexOf('"data"') + 1;

/** Whether b[s, s + w.length) is w. */
function bytesAt(b: Buffer, s: number, w: Buffer): boolean {
  for (let k = 0; k < w.length; k++) if (b[s + k] !== w[k]) return false;
  return true;
}

/**
 * A JSON line in bpftrace's own spelling of a printf with no escape but its
 * final \n: its text is b[s + HEAD, e - TAIL), read in place. False for any
 * other line (JSON.parse reads those).
 */
function plainPrintf(b: Buffer, s: number, e: number): boolean {
  if (e - s < HEAD_BYTES.length + TAIL_BYTES.length || !bytesAt(b, s, HEAD_BYTES) || !bytesAt(b, e - TAIL_BYTES.length, TAIL_BYTES)) return false;
  for (let i = s + HEAD_BYTES.length; i < e - TAIL_BYTES.length; i++) {
    const c = b[i];
    if (c === 0x5c || c === 0x22 || c < 0x20) return false;
  }
  return true;
}

/** One JSON line of `bpftrace -f json`, b[s, e). */
function jsonLine(asm: CaptureAssembler, file: string, b: Buffer, s: number, e: number, lineNo: number): void {
  if (plainPrintf(b, s, e)) {
    const from = s + HEAD_BYTES.length;
    const to = e - TAIL_BYTES.length;
    if (to > from) asm.addBytes(b, from, to, lineNo, DATA_COLUMN);
    return;
  }
  const text = b.toString('latin1', s, e);
  if (text.trim().length === 0) return;
  let obj: { type?: unknown; data?: unknown };
  try {
    obj = JSON.parse(text) as typeof obj;
  } catch (err) {
    // A capture interrupted hard can end in a cut line; anything else is not bpftrace output.
    throw new InputError(file, lineNo, 1, importMsg.badJsonLine((err as Error).message), 'bad_import_line');
  }
  if (obj.type === 'printf' && typeof obj.data === 'string') {
    const col0 = text.indexOf('"data"') + 1;
    for (const part of obj.data.split('\n')) if (part.length > 0) asm.add(part, lineNo, col0);
  } else if (obj.type === 'lost_events') {
    const n = (obj.data as { events?: unknown } | undefined)?.events;
    if (typeof n === 'number') asm.lost(n);
  }
}

/** One line of bpftrace's text output, b[s, e). */
function textLine(asm: CaptureAssembler, b: Buffer, s: number, e: number, lineNo: number): void {
  const lost = lostEventsInBytes(b, s, e);
  if (lost !== null) asm.lost(lost);
  else asm.addBytes(b, s, e, lineNo);
}

/** The lines of the text path as bytes (run() and readChunks() read the same way). */
const latin1 = (text: string): Buffer => Buffer.from(text, 'latin1');

export const bpftraceJsonImporter: Importer = {
  format: 'bpftrace-json',
  sniff(head: string): boolean {
    return /^\s*\{\s*"type"\s*:/.test(head) && head.includes(JSON.stringify(CAPTURE_MAGIC + '\n').slice(1, -1));
  },
  async run(lines: AsyncIterable<string>, ctx: ImportContext): Promise<void> {
    const asm = new CaptureAssembler(ctx.file);
    let lineNo = 0;
    for await (const text of lines) {
      const b = latin1(text);
      jsonLine(asm, ctx.file, b, 0, b.length, ++lineNo);
    }
    asm.emit(ctx);
  },
  async readChunks(chunks: AsyncIterable<Buffer>, ctx: ImportContext): Promise<void> {
    const asm = new CaptureAssembler(ctx.file);
    await forEachLine(
      chunks,
      (buf, s, e, lineNo) => jsonLine(asm, ctx.file, buf, s, e, lineNo),
      (buf, s, limit, lineNo) => (bytesAt(buf, s, HEAD_BYTES) ? asm.addPrinted(buf, s + HEAD_BYTES.length, -1, limit, lineNo, DATA_COLUMN, TAIL_BYTES) : -1),
    );
    asm.emit(ctx);
  },
};

export const bpftraceTextImporter: Importer = {
  format: 'bpftrace-text',
  sniff(head: string): boolean {
    return head.split('\n', 20).some((l) => l.trim() === CAPTURE_MAGIC);
  },
  async run(lines: AsyncIterable<string>, ctx: ImportContext): Promise<void> {
    const asm = new CaptureAssembler(ctx.file);
    let lineNo = 0;
    for await (const text of lines) {
      const b = latin1(text);
      textLine(asm, b, 0, b.length, ++lineNo);
    }
    asm.emit(ctx);
  },
  async readChunks(chunks: AsyncIterable<Buffer>, ctx: ImportContext): Promise<void> {
    const asm = new CaptureAssembler(ctx.file);
    await forEachLine(
      chunks,
      (buf, s, e, lineNo) => textLine(asm, buf, s, e, lineNo),
      (buf, s, limit, lineNo) => asm.addPrinted(buf, s, -1, limit, lineNo, 1, NO_TAIL),
    );
    asm.emit(ctx);
  },
};
