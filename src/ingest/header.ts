/**
 * The configuration snapshot of a v1 trace: `# key=value` comment lines at the
 * top of the file (contract §2). Positions are kept so every rejection can
 * name file, line and column.
 */
import { InputError } from '../errors.js';
import { msg } from '../messages.js';
import type { QueueConfig, TraceHeader } from './trace.js';

export const MAGIC = 'rfs-trace';
/** rps_sock_flow_sysctl() rejects sizes above 1 << 29. */
export const MAX_SOCK_FLOW_ENTRIES = 1 << 29;
/** store_rps_dev_flow_table_cnt() rejects counts above 1 << 30 on 64-bit kernels. */
export const MAX_FLOW_CNT = 2 ** 30;

/** CPU ids named by a sysfs hex mask ("3", "ff,ffffffff"), ascending; null if malformed. */
export function parseHexMask(text: string): number[] | null {
  if (text.length === 0) return null;
  const groups = text.split(',');
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

function parseCount(text: string): number {
  return /^[0-9]{1,12}$/.test(text) ? Number(text) : -1;
}

/** Accumulates header comment lines. */
export class HeaderParser {
  private readonly header: TraceHeader = { format: 'rfs-trace v1', queues: [], implicitQueue: false, extra: {} };
  private readonly seen = new Map<string, string>();

  constructor(private readonly file: string) {}

  /** First line of the file, without its line ending (BOM already removed). */
  magic(line: string): void {
    const text = line.trim();
    if (text.length === 0) throw new InputError(this.file, 1, 1, msg.emptyFile(), 'header');
    const m = /^#\s*rfs-trace\s+v(\S+)\s*$/.exec(text);
    if (!m) throw new InputError(this.file, 1, 1, msg.missingMagic(text), 'header');
    if (m[1] !== '1') throw new InputError(this.file, 1, text.indexOf('v' + m[1]) + 1, msg.unknownVersion(m[1]), 'header');
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
      if (p.key === 'rps_cpus' || p.key === 'rps_flow_cnt') {
        throw new InputError(this.file, line, p.column, msg.queueLineNeedsName(), 'header');
      }
      this.setKey(p.key, p.value, line, p.column);
    }
  }

  private setKey(key: string, value: string, line: number, column: number): void {
    const prev = this.seen.get(key);
    if (prev !== undefined) {
      if (prev !== value) throw new InputError(this.file, line, column, msg.conflictingKey(key, prev, value), 'header');
      return;
    }
    this.seen.set(key, value);
    const h = this.header;
    switch (key) {
      case 'nr_cpu_ids': {
        const n = parseCount(value);
        if (n < 1 || n > 65535) throw new InputError(this.file, line, column, msg.badNrCpuIds(value), 'header');
        h.nrCpuIds = n;
        break;
      }
      case 'rps_sock_flow_entries': {
        const n = parseCount(value);
        if (n < 0) throw new InputError(this.file, line, column, msg.badHeaderNumber(key, value), 'header');
        if (n > MAX_SOCK_FLOW_ENTRIES) throw new InputError(this.file, line, column, msg.sockEntriesTooLarge(n), 'header');
        h.rpsSockFlowEntries = n;
        break;
      }
      case 'kernel':
        h.kernel = value;
        break;
      default:
        h.extra[key] = value;
    }
  }

  private queueLine(pairs: { key: string; value: string; column: number }[], line: number): void {
    const name = pairs[0].value;
    if (name.length === 0) throw new InputError(this.file, line, pairs[0].column, msg.queueLineNeedsName(), 'header');
    const existing = this.header.queues.find((q) => q.name === name);
    const q: QueueConfig = { name, rpsCpus: [], rpsCpusMask: '0', rpsFlowCnt: 0 };
    for (const p of pairs.slice(1)) {
      if (p.key === 'rps_cpus') {
        const cpus = parseHexMask(p.value);
        if (!cpus) throw new InputError(this.file, line, p.column, msg.badHexMask(p.value), 'header');
        q.rpsCpus = cpus;
        q.rpsCpusMask = p.value;
      } else if (p.key === 'rps_flow_cnt') {
        const n = parseCount(p.value);
        if (n < 0) throw new InputError(this.file, line, p.column, msg.badHeaderNumber(p.key, p.value), 'header');
        if (n > MAX_FLOW_CNT) throw new InputError(this.file, line, p.column, msg.flowCntTooLarge(n), 'header');
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
    this.queueLines.push(line);
    this.header.queues.push(q);
  }

  private readonly queueLines: number[] = [];

  /** The snapshot; checks that need the whole header (CPU masks against nr_cpu_ids). */
  finish(): TraceHeader {
    const h = this.header;
    if (h.queues.length === 0) {
      h.implicitQueue = true;
      h.queues.push({ name: '0', rpsCpus: [], rpsCpusMask: '', rpsFlowCnt: h.rpsSockFlowEntries ?? 0 });
    } else if (h.nrCpuIds !== undefined) {
      h.queues.forEach((q, i) => {
        const beyond = q.rpsCpus.find((c) => c >= h.nrCpuIds!);
        if (beyond !== undefined) {
          throw new InputError(this.file, this.queueLines[i], 1, msg.maskBeyondCpus(q.rpsCpusMask, beyond, h.nrCpuIds!), 'header');
        }
      });
    }
    return h;
  }
}
