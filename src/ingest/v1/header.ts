/**
 * The configuration snapshot of a v1 trace: `# key=value` comment lines at the
 * top of the file (docs/format.md), and the names of the header row's
 * columns. Positions are kept so every rejection can name file, line and
 * column. Every v1 reader, the capture importer and `validate` read the header
 * through this code.
 *
 * What 0 means, per key (as the kernel takes the same write):
 * - `rps_sock_flow_entries=0`: legal; the sysctl frees the global table, RFS is off (plain RPS).
 * - `rps_flow_cnt=0`: legal; that queue has no flow table and does plain RPS only.
 * - `rps_cpus=0`: legal; that queue has no RPS map (packets stay on their CPU unless RFS steers them).
 * - `nr_cpu_ids=0`: rejected; a machine has at least one CPU.
 * Sizes above the kernel's limits (2^29 global, 2^30 per queue) are rejected,
 * as the kernel rejects the write (-EINVAL).
 */
import { InputError } from '../../errors.js';
import { msg, sampleMsg } from '../../messages.js';
import { HASH_BITS } from '../../types/sampling.js';
import { parseDecimal } from '../fields.js';
import type { QueueConfig, TraceHeader } from '../trace.js';
import { firstControl, LineFramer } from './framing.js';

export const MAGIC = 'rfs-trace';
/** rps_sock_flow_sysctl() rejects sizes above 1 << 29. */
export const MAX_SOCK_FLOW_ENTRIES = 1 << 29;
/** store_rps_dev_flow_table_cnt() rejects counts above 1 << 30 on 64-bit kernels. */
export const MAX_FLOW_CNT = 2 ** 30;

/** CPU ids named by a sysfs hex mask ("3", "ff,ffffffff"), ascending; null if malformed. */
export function parseHexMask(text: string): number[] | null {
  if (text.length === 0) return null;
  // Comma groups of at most 8 digits, 32 bits each, as the kernel prints a mask; without
  // commas, any number of digits (a 64-CPU mask as ffffffffffffffff), cut into such groups.
  const groups = text.includes(',') ? text.split(',') : (text.match(/.{1,8}(?=(?:.{8})*$)/g) ?? []);
  if (groups.some((g) => g.length === 0 || g.length > 8 || !/^[0-9a-fA-F]+$/.test(g))) return null;
  // Least significant group last, as bitmap_print_to_pagebuf() writes it.
  const cpus: number[] = [];
  for (let gi = groups.length - 1, base = 0; gi >= 0; gi--, base += 32) {
    const g = groups[gi];
    for (let k = g.length - 1, bit = base; k >= 0; k--, bit += 4) {
      const d = parseInt(g[k], 16);
      for (let b = 0; b < 4; b++) if (d & (1 << b)) cpus.push(bit + b);
    }
  }
  return cpus.sort((a, b) => a - b);
}

/**
 * A table size or count as written to sysctl/sysfs: decimal digits of any
 * length; -1 if not a non-negative integer, and a value above every limit
 * (2^31 + 1) when it is larger than that.
 */
function parseCount(text: string): number {
  return parseDecimal(text, 2 ** 31);
}

/** The columns a v1 trace may name; order in the file is free. */
export const COLUMN_NAMES = ['ts', 'event', 'cpu', 'socket', 'state', 'rxhash', 'queue', 'skb'] as const;
export type ColumnName = (typeof COLUMN_NAMES)[number];
export const REQUIRED_COLUMNS = ['ts', 'event', 'cpu', 'socket', 'state', 'rxhash'] as const;

/**
 * The header row, split into fields by the reader (each reader does its own
 * CSV): names are trimmed, trailing empty names (trailing commas) dropped,
 * unknown names ignored; `starts` are the fields' 1-based columns.
 * Returns the field index of each known column (-1 when absent).
 */
export function headerColumns(file: string, fields: string[], starts: number[], line: number): { names: string[]; index: Record<ColumnName, number> } {
  const names = fields.map((f) => f.trim());
  while (names.length > 0 && names[names.length - 1] === '') names.pop();
  const index = Object.fromEntries(COLUMN_NAMES.map((c) => [c, -1])) as Record<ColumnName, number>;
  names.forEach((name, j) => {
    if (!(COLUMN_NAMES as readonly string[]).includes(name)) return;
    const c = name as ColumnName;
    if (index[c] >= 0) throw new InputError(file, line, starts[j], msg.duplicateColumn(name), 'header');
    index[c] = j;
  });
  for (const req of REQUIRED_COLUMNS) {
    if (index[req] < 0) throw new InputError(file, line, 1, msg.missingColumn(req), 'header');
  }
  return { names, index };
}

/** Header keys whose values are numbers: given twice, they are compared by value. */
const NUMERIC_KEYS = new Set(['nr_cpu_ids', 'rps_sock_flow_entries', 'sample_shift', 'sample_bits']);

/** Accumulates header comment lines. */
export class HeaderParser {
  private readonly header: TraceHeader = { format: 'rfs-trace v1', queues: [], implicitQueue: false, extra: {} };
  private readonly seen = new Map<string, string>();
  /** sample_shift= and sample_bits= as read, and where each value stands (a rule needs both). */
  private readonly sample: { shift?: number; bits?: number } = {};
  private readonly samplePositions = new Map<string, { line: number; column: number }>();

  constructor(private readonly file: string) {}

  private state: 'magic' | 'comments' | 'done' = 'magic';
  private blankFirst = false;

  /** First line of the file, without its line ending (BOM already removed). */
  magic(line: string): void {
    const text = line.trim();
    if (text.length === 0) throw new InputError(this.file, 1, 1, msg.emptyFile(), 'header');
    const m = /^#\s*rfs-trace\s+v(\S+)\s*$/.exec(text);
    if (!m) throw new InputError(this.file, 1, 1, msg.missingMagic(text), 'header');
    if (m[1] !== '1') throw new InputError(this.file, 1, line.lastIndexOf('v' + m[1]) + 1, msg.unknownVersion(m[1]), 'header');
    this.state = 'comments';
  }

  /**
   * Both readers hand every line before the header row here, as latin1 text
   * without its line ending (a UTF-8 BOM already cut from line 1), so the two
   * agree on the header by construction. Returns false when `text` is the
   * header row (the caller splits it as CSV and calls headerColumns).
   */
  preamble(text: string, line: number): boolean {
    const bad = firstControl(text);
    if (bad >= 0) throw new InputError(this.file, line, bad + 1, msg.binaryJunk(text.charCodeAt(bad)), 'binary');
    const blank = text.trim().length === 0;
    if (this.state === 'magic') {
      // The magic belongs on line 1: a blank line 1 is an error, unless the whole file is blank (then: empty file).
      if (blank) {
        if (line === 1) this.blankFirst = true;
        return true;
      }
      if (this.blankFirst) throw new InputError(this.file, 1, 1, msg.blankFirstLine(), 'header');
      this.magic(text);
      return true;
    }
    if (blank) return true;
    if (text.charCodeAt(0) === 0x23 /* # */) {
      this.comment(text, line);
      return true;
    }
    this.state = 'done';
    return false;
  }

  /** End of input before the header row; `lastLine` is the number of lines read. */
  endOfInput(lastLine: number): never {
    if (this.state === 'magic') throw new InputError(this.file, 1, 1, msg.emptyFile(), 'header');
    throw new InputError(this.file, lastLine + 1, 1, msg.noHeaderRow(), 'header');
  }

  /** A `#` line after the first; `text` is the whole line. */
  comment(text: string, line: number): void {
    const body = text.replace(/^#/, '');
    const offset = text.length - body.length;
    const pairs: { key: string; value: string; column: number }[] = [];
    const re = /\S+/g;
    let m: RegExpExecArray | null;
    while ((m = re.exec(body))) {
      const tok = m[0];
      const column = offset + m.index + 1;
      const eq = tok.indexOf('=');
      if (eq <= 0) {
        // Free text in a comment is allowed only on lines that hold no pairs at all.
        if (pairs.length > 0 || /=/.test(body)) throw new InputError(this.file, line, column, msg.badHeaderPair(tok), 'header');
        return;
      }
      pairs.push({ key: tok.slice(0, eq), value: tok.slice(eq + 1), column });
    }
    if (pairs.length === 0) return;
    if (pairs[0].key === 'queue') return this.queueLine(pairs, line);
    for (const p of pairs) {
      // queue= must open its own line: a queue named in the middle of another line would be silently dropped.
      if (p.key === 'rps_cpus' || p.key === 'rps_flow_cnt' || p.key === 'queue') {
        throw new InputError(this.file, line, p.column, msg.queueLineNeedsName(), 'header');
      }
      this.setKey(p.key, p.value, line, p.column);
    }
  }

  private setKey(key: string, value: string, line: number, column: number): void {
    const h = this.header;
    const valueColumn = column + key.length + 1;
    let n = 0;
    switch (key) {
      case 'nr_cpu_ids':
        n = parseCount(value);
        if (n < 1 || n > 65535) throw new InputError(this.file, line, valueColumn, msg.badNrCpuIds(value), 'header');
        break;
      case 'rps_sock_flow_entries':
        // 0 is legal: the sysctl frees the table and RFS is off (plain RPS).
        n = parseCount(value);
        if (n < 0) throw new InputError(this.file, line, valueColumn, msg.badHeaderNumber(key, value), 'header');
        if (n > MAX_SOCK_FLOW_ENTRIES) throw new InputError(this.file, line, valueColumn, msg.sockEntriesTooLarge(value), 'header');
        break;
      case 'sample_shift':
        n = parseCount(value);
        if (n < 0 || n >= HASH_BITS) throw new InputError(this.file, line, valueColumn, sampleMsg.badShift(value), 'header');
        this.samplePositions.set(key, { line, column: valueColumn });
        break;
      case 'sample_bits':
        n = parseCount(value);
        if (n < 1 || n > HASH_BITS) throw new InputError(this.file, line, valueColumn, sampleMsg.badBits(value), 'header');
        this.samplePositions.set(key, { line, column: valueColumn });
        break;
    }
    // A key given twice must agree; numbers are compared by value, so 64 and 064 agree.
    const prev = this.seen.get(key);
    if (prev !== undefined) {
      const same = NUMERIC_KEYS.has(key) ? parseCount(prev) === n : prev === value;
      if (!same) throw new InputError(this.file, line, column, msg.conflictingKey(key, prev, value), 'header');
      return;
    }
    this.seen.set(key, value);
    switch (key) {
      case 'nr_cpu_ids':
        h.nrCpuIds = n;
        break;
      case 'rps_sock_flow_entries':
        h.rpsSockFlowEntries = n;
        break;
      case 'kernel':
        h.kernel = value;
        break;
      case 'sample_shift':
        this.sample.shift = n;
        break;
      case 'sample_bits':
        this.sample.bits = n;
        break;
      default:
        h.extra[key] = value;
    }
  }

  private queueLine(pairs: { key: string; value: string; column: number }[], line: number): void {
    const name = pairs[0].value;
    if (name.length === 0) throw new InputError(this.file, line, pairs[0].column, msg.queueLineNeedsName(), 'header');
    // A row names its queue in an unquoted CSV field, so the name cannot hold a comma or a quote.
    if (/[",]/.test(name)) throw new InputError(this.file, line, pairs[0].column + 'queue='.length, msg.badQueueName(name), 'header');
    const existing = this.header.queues.find((q) => q.name === name);
    // Sysfs defaults: no rps_cpus = empty map (no RPS), no rps_flow_cnt = 0 (no flow table); both legal.
    const q: QueueConfig = { name, rpsCpus: [], rpsCpusMask: '0', rpsFlowCnt: 0 };
    let maskColumn = pairs[0].column;
    const given = new Set<string>();
    for (const p of pairs.slice(1)) {
      const valueColumn = p.column + p.key.length + 1;
      if (given.has(p.key)) throw new InputError(this.file, line, p.column, msg.queueKeyRepeated(p.key), 'header');
      given.add(p.key);
      if (p.key === 'rps_cpus') {
        const cpus = parseHexMask(p.value);
        if (!cpus) throw new InputError(this.file, line, valueColumn, msg.badHexMask(p.value), 'header');
        q.rpsCpus = cpus;
        q.rpsCpusMask = p.value;
        maskColumn = valueColumn;
      } else if (p.key === 'rps_flow_cnt') {
        // 0 is legal: no per-queue flow table, so that queue does plain RPS only.
        const n = parseCount(p.value);
        if (n < 0) throw new InputError(this.file, line, valueColumn, msg.badHeaderNumber(p.key, p.value), 'header');
        if (n > MAX_FLOW_CNT) throw new InputError(this.file, line, valueColumn, msg.flowCntTooLarge(p.value), 'header');
        q.rpsFlowCnt = n;
      } else {
        throw new InputError(this.file, line, p.column, msg.badHeaderPair(`${p.key}=${p.value}`), 'header');
      }
    }
    if (existing) {
      if (existing.rpsCpusMask !== q.rpsCpusMask || existing.rpsFlowCnt !== q.rpsFlowCnt) {
        throw new InputError(this.file, line, pairs[0].column, msg.duplicateQueue(name), 'header');
      }
      return;
    }
    this.maskPositions.push({ line, column: maskColumn });
    this.header.queues.push(q);
  }

  private readonly maskPositions: { line: number; column: number }[] = [];

  /** Every declared rps_cpus mask must name only CPUs below `nr` (the header's nr_cpu_ids, or --cpus). */
  checkMasks(nr: number): void {
    if (this.header.implicitQueue) return;
    this.header.queues.forEach((q, i) => {
      const beyond = q.rpsCpus.find((c) => c >= nr);
      if (beyond !== undefined) {
        const at = this.maskPositions[i];
        throw new InputError(this.file, at.line, at.column, msg.maskBeyondCpus(q.rpsCpusMask, beyond, nr), 'header');
      }
    });
  }

  /** The sampling rule, once the whole header is read: both keys or neither, within the hash's 32 bits. */
  private finishSampling(): void {
    const { shift, bits } = this.sample;
    if (shift === undefined && bits === undefined) return;
    if (shift === undefined || bits === undefined) {
      const [given, missing] = shift === undefined ? ['sample_bits', 'sample_shift'] : ['sample_shift', 'sample_bits'];
      const at = this.samplePositions.get(given)!;
      throw new InputError(this.file, at.line, at.column - given.length - 1, sampleMsg.keyAlone(given, missing), 'header');
    }
    if (shift + bits > HASH_BITS) {
      const at = this.samplePositions.get('sample_bits')!;
      throw new InputError(this.file, at.line, at.column, sampleMsg.beyondHash(shift, bits), 'header');
    }
    this.header.sampling = { shift, bits };
  }

  /** The snapshot; checks that need the whole header (CPU masks against nr_cpu_ids, the sampling rule). */
  finish(): TraceHeader {
    this.finishSampling();
    const h = this.header;
    if (h.queues.length === 0) {
      h.implicitQueue = true;
      h.queues.push({ name: '0', rpsCpus: [], rpsCpusMask: '', rpsFlowCnt: h.rpsSockFlowEntries ?? 0 });
    } else if (h.nrCpuIds !== undefined) {
      this.checkMasks(h.nrCpuIds);
    }
    return h;
  }
}

/**
 * The header of a v1 trace from its decompressed chunks, read as the readers
 * read it, up to the header row (which is not split, nor any row read).
 */
export async function readV1Header(chunks: AsyncIterable<Buffer>, file: string): Promise<TraceHeader> {
  const parser = new HeaderParser(file);
  const lines = new LineFramer(file);
  for await (const chunk of chunks) {
    lines.begin(chunk);
    while (lines.next()) {
      if (!parser.preamble(lines.buf.toString('latin1', lines.start, lines.end), lines.lineNo)) return parser.finish();
    }
  }
  if (lines.last() && !parser.preamble(lines.buf.toString('latin1', lines.start, lines.end), lines.lineNo)) return parser.finish();
  return parser.endOfInput(lines.lineNo);
}
