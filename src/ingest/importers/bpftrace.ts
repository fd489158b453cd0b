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
import { CAPTURE_MAGIC, CaptureAssembler, lostEventsIn } from './capture-protocol.js';
import type { ImportContext, Importer } from './types.js';

function emit(asm: CaptureAssembler, ctx: ImportContext): void {
  const done = asm.finish();
  ctx.header(done.header);
  for (const r of done.rows) ctx.row(r.row, r.line, r.cols);
}

/** The line every printf becomes in `bpftrace -f json`, up to its text. */
const PRINTF_HEAD = '{"type": "printf", "data": "';
const PRINTF_TAIL = '\\n"}';

/** The printf text of a JSON line in bpftrace's own spelling with no escape but its final \n; null for any other line (JSON.parse reads those). */
function plainPrintf(text: string): string | null {
  if (!text.startsWith(PRINTF_HEAD) || !text.endsWith(PRINTF_TAIL)) return null;
  const end = text.length - PRINTF_TAIL.length;
  for (let i = PRINTF_HEAD.length; i < end; i++) {
    const c = text.charCodeAt(i);
    if (c === 0x5c || c === 0x22 || c < 0x20) return null;
  }
  return text.slice(PRINTF_HEAD.length, end);
}

/** One JSON line of `bpftrace -f json`. */
function jsonLine(asm: CaptureAssembler, file: string, text: string, lineNo: number): void {
  const plain = plainPrintf(text);
  if (plain !== null) {
    // Column of the data text inside the JSON line, so messages point into it.
    if (plain.length > 0) asm.add(plain, lineNo, PRINTF_HEAD.indexOf('"data"') + 1);
    return;
  }
  if (text.trim().length === 0) return;
  let obj: { type?: unknown; data?: unknown };
  try {
    obj = JSON.parse(text) as typeof obj;
  } catch (e) {
    // A capture interrupted hard can end in a cut line; anything else is not bpftrace output.
    throw new InputError(file, lineNo, 1, importMsg.badJsonLine((e as Error).message), 'bad_import_line');
  }
  if (obj.type === 'printf' && typeof obj.data === 'string') {
    // Column of the data text inside the JSON line, so messages point into it.
    const col0 = text.indexOf('"data"') + 1;
    for (const part of obj.data.split('\n')) if (part.length > 0) asm.add(part, lineNo, col0);
  } else if (obj.type === 'lost_events') {
    const n = (obj.data as { events?: unknown } | undefined)?.events;
    if (typeof n === 'number') asm.lost(n);
  }
}

/** One line of bpftrace's text output. */
function textLine(asm: CaptureAssembler, text: string, lineNo: number): void {
  const lost = lostEventsIn(text);
  if (lost !== null) asm.lost(lost);
  else asm.add(text, lineNo);
}

export const bpftraceJsonImporter: Importer = {
  format: 'bpftrace-json',
  sniff(head: string): boolean {
    return /^\s*\{\s*"type"\s*:/.test(head) && head.includes(JSON.stringify(CAPTURE_MAGIC + '\n').slice(1, -1));
  },
  async run(lines: AsyncIterable<string>, ctx: ImportContext): Promise<void> {
    const asm = new CaptureAssembler(ctx.file);
    let lineNo = 0;
    for await (const text of lines) jsonLine(asm, ctx.file, text, ++lineNo);
    emit(asm, ctx);
  },
  async readChunks(chunks: AsyncIterable<Buffer>, ctx: ImportContext): Promise<void> {
    const asm = new CaptureAssembler(ctx.file);
    await forEachLine(chunks, (buf, s, e, lineNo) => jsonLine(asm, ctx.file, buf.toString('latin1', s, e), lineNo));
    emit(asm, ctx);
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
    for await (const text of lines) textLine(asm, text, ++lineNo);
    emit(asm, ctx);
  },
  async readChunks(chunks: AsyncIterable<Buffer>, ctx: ImportContext): Promise<void> {
    const asm = new CaptureAssembler(ctx.file);
    await forEachLine(chunks, (buf, s, e, lineNo) => textLine(asm, buf.toString('latin1', s, e), lineNo));
    emit(asm, ctx);
  },
};
