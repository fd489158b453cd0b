/**
 * The same rows, spelled every way format v1 allows (docs/format.md): the
 * bench rewrites its canonical trace (hex socket ids with 0x, hex hashes,
 * the canonical column order, LF) into each spelling below, so that every
 * spelling's replay can be compared with the canonical one's, and the
 * replays must count exactly the same (test/bench/spellings.test.ts).
 */
import { createReadStream, createWriteStream, existsSync, renameSync } from 'node:fs';
import { once } from 'node:events';
import { finished } from 'node:stream/promises';
import { createGzip } from 'node:zlib';
import { TCP_STATE_NAMES } from '../ingest/trace.js';
import { COLUMN_NAMES } from '../ingest/v1/header.js';

/** A canonical row's fields, in the canonical column order. */
export type Fields = string[];
export const TS = 0,
  EVENT = 1,
  CPU = 2,
  SOCKET = 3,
  STATE = 4,
  RXHASH = 5,
  QUEUE = 6,
  SKB = 7;
/** The canonical column order (the generator's and the capture's). */
export const CANONICAL: readonly string[] = COLUMN_NAMES;

export interface Spelling {
  /** File name part and the bench's label. */
  name: string;
  /** What differs from the canonical spelling. */
  what: string;
  /** Gzip the output (level 1, as the bench's gzip trace). */
  gzip?: boolean;
  /** Line ending (default LF). */
  eol?: string;
  /** A `# queue=NAME …` line's name, rewritten (default: kept). */
  queueName?: (name: string) => string;
  /** The header row's names, and each row's fields in that order (default: canonical). */
  columns?: string[];
  /** Rewrites a canonical row's fields in place (before `columns` orders them). */
  row?: (f: Fields, ids: IdNumbering) => void;
}

/** Ids numbered in order of first sight, per kind (sockets, skbs), for spellings that renumber them. */
export class IdNumbering {
  private readonly maps = [new Map<string, number>(), new Map<string, number>()];
  of(kind: 0 | 1, id: string): number {
    const m = this.maps[kind];
    let n = m.get(id);
    if (n === undefined) m.set(id, (n = m.size + 1));
    return n;
  }
}

const hexToDecimal = (h: string): string => (h === '' ? '' : BigInt(h).toString(10));
const bareHex = (h: string): string => (h === '' ? '' : h.slice(2));
const hashDecimal = (h: string): string => (h.startsWith('0x') ? String(Number.parseInt(h.slice(2), 16)) : h);

export const SPELLINGS: Spelling[] = [
  { name: 'canonical', what: 'sockets 0xffff8881…, hashes hex, canonical columns, LF' },
  {
    name: 'opaque-ids',
    what: 'sockets and skbs as opaque text (s123, k45), hashes decimal',
    row(f, ids) {
      if (f[SOCKET] !== '') f[SOCKET] = `s${ids.of(0, f[SOCKET])}`;
      if (f[SKB] !== '') f[SKB] = `k${ids.of(1, f[SKB])}`;
      f[RXHASH] = hashDecimal(f[RXHASH]);
    },
  },
  {
    name: 'decimal-ids',
    what: 'socket and skb addresses as decimal numbers (20 digits)',
    row(f) {
      f[SOCKET] = hexToDecimal(f[SOCKET]);
      f[SKB] = hexToDecimal(f[SKB]);
    },
  },
  {
    name: 'bare-hex-ids',
    what: 'socket and skb addresses as hex without 0x',
    row(f) {
      f[SOCKET] = bareHex(f[SOCKET]);
      f[SKB] = bareHex(f[SKB]);
    },
  },
  {
    name: 'decimal-hashes',
    what: 'hashes as decimal',
    row(f) {
      f[RXHASH] = hashDecimal(f[RXHASH]);
    },
  },
  {
    name: 'state-names',
    what: 'TCP states by name (ESTABLISHED)',
    row(f) {
      if (f[STATE] !== '') f[STATE] = TCP_STATE_NAMES[Number(f[STATE])];
    },
  },
  {
    name: 'column-order',
    what: 'columns in another order',
    columns: ['rxhash', 'event', 'ts', 'cpu', 'skb', 'socket', 'state', 'queue'],
  },
  {
    name: 'extra-columns',
    what: 'two extra columns (comm, pid) among the known ones',
    columns: ['ts', 'comm', 'event', 'cpu', 'socket', 'state', 'rxhash', 'queue', 'skb', 'pid'],
  },
  {
    name: 'long-queue-names',
    what: 'queue names of 24 bytes (enp65s0f1np1-rx-queue-7)',
    queueName: (name) => `enp65s0f1np1-rx-queue-${name.slice(name.indexOf(':') + 1)}`,
    row(f) {
      if (f[QUEUE] !== '') f[QUEUE] = `enp65s0f1np1-rx-queue-${f[QUEUE].slice(f[QUEUE].indexOf(':') + 1)}`;
    },
  },
  { name: 'crlf', what: 'CR LF line endings', eol: '\r\n' },
  { name: 'gzip', what: 'the canonical text, gzip level 1', gzip: true },
];

/** Extra columns' values (extra-columns spelling): a command name and a pid, both unused by the model. */
function extraField(name: string, f: Fields): string {
  if (name === 'comm') return f[EVENT] === 'packet' || f[EVENT] === 'deliver' ? 'swapper/0' : 'nginx';
  return f[CPU] === '' ? '' : String(4000 + Number(f[CPU]));
}

/** The spelled file of `canonical` (its path with the spelling's name before the extension). */
export function spelledPath(canonical: string, s: Spelling): string {
  if (s.name === 'canonical') return canonical;
  return canonical.replace(/\.csv$/, `.${s.name}.csv${s.gzip ? '.gz' : ''}`);
}

/** Writes `canonical` spelled as `s` (unless that file exists); returns its path. */
export async function ensureSpelled(canonical: string, s: Spelling): Promise<string> {
  const path = spelledPath(canonical, s);
  if (existsSync(path)) return path;
  process.stderr.write(`spelling ${canonical} as ${s.name} ...\n`);
  const tmp = `${path}.tmp`;
  await spell(canonical, tmp, s);
  renameSync(tmp, path);
  return path;
}

/** Lines written out a megabyte at a time, waiting for the stream to drain. */
export class BatchedLines {
  private parts: string[] = [];
  private bytes = 0;
  constructor(private readonly out: NodeJS.WritableStream) {}
  add(text: string): void {
    this.parts.push(text);
    this.bytes += text.length;
  }
  async flushIfFull(): Promise<void> {
    if (this.bytes > 1 << 20) await this.flush();
  }
  async flush(): Promise<void> {
    if (this.parts.length === 0) return;
    const ok = this.out.write(this.parts.join(''), 'latin1');
    this.parts = [];
    this.bytes = 0;
    if (!ok) await once(this.out, 'drain');
  }
}

/** The lines of a text file, a chunk's worth at a time (the last without its end of line). */
export async function* chunkLines(from: string): AsyncGenerator<string[]> {
  let rest = '';
  for await (const chunk of createReadStream(from, { highWaterMark: 1 << 20 })) {
    const parts = (rest + (chunk as Buffer).toString('latin1')).split('\n');
    rest = parts.pop()!;
    yield parts;
  }
  if (rest !== '') yield [rest];
}

/** Rewrites the v1 trace at `from` (canonical spelling) into `to`, spelled as `s`. */
export async function spell(from: string, to: string, s: Spelling): Promise<void> {
  const file = createWriteStream(to);
  const gz = s.gzip ? createGzip({ level: 1 }) : null;
  if (gz) gz.pipe(file);
  const out = gz ?? file;
  const eol = s.eol ?? '\n';
  const cols = s.columns ?? CANONICAL;
  const index = cols.map((c) => CANONICAL.indexOf(c));
  const ids = new IdNumbering();
  const lines = new BatchedLines(out);
  let inRows = false;
  const line = (l: string) => {
    if (!inRows) {
      if (l.startsWith('#')) {
        const m = /^# queue=(\S+)(.*)$/.exec(l);
        return m && s.queueName ? `# queue=${s.queueName(m[1])}${m[2]}` : l;
      }
      inRows = true;
      return cols.join(',');
    }
    if (l === '') return null;
    const f = l.split(',');
    s.row?.(f, ids);
    return index.map((k, j) => (k >= 0 ? f[k] : extraField(cols[j], f))).join(',');
  };
  for await (const parts of chunkLines(from)) {
    for (const p of parts) {
      const l = line(p);
      if (l !== null) lines.add(l + eol);
    }
    await lines.flushIfFull();
  }
  await lines.flush();
  out.end();
  await finished(file);
}
