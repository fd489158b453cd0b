/** Generating small traces in memory and reading their rows back, for the generator's tests. */
import { generateToBuffer } from '../../src/generate/output.js';
import type { GenerateStats } from '../../src/generate/generator.js';
import { applyLayer, DEFAULT_WORKLOAD, finishWorkload, readScenario, type Workload } from '../../src/generate/workload.js';

export function workload(settings: Partial<Workload> = {}): Workload {
  return finishWorkload(applyLayer({ ...DEFAULT_WORKLOAD }, settings, (k) => k));
}

export function scenarioWorkload(name: string, settings: Partial<Workload> = {}): Workload {
  const base = applyLayer({ ...DEFAULT_WORKLOAD }, readScenario(name), (k) => k);
  return finishWorkload(applyLayer({ ...base, scenario: name }, settings, (k) => k));
}

export function generate(w: Workload, chunkBytes?: number): { text: string; bytes: Buffer; stats: GenerateStats } {
  const { bytes, stats } = generateToBuffer(w, chunkBytes);
  return { text: bytes.toString('latin1'), bytes, stats };
}

export interface Row {
  line: number;
  ts: number;
  event: string;
  cpu: number;
  socket: string;
  state: number;
  rxhash: number;
  queue: string;
  skb: string;
}

/** Header comment lines and data rows (after the column row). */
export function parse(text: string): { comments: string[]; columns: string; rows: Row[] } {
  const lines = text.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  let i = 0;
  const comments: string[] = [];
  while (lines[i].startsWith('#')) comments.push(lines[i++]);
  const columns = lines[i++];
  const rows: Row[] = [];
  for (; i < lines.length; i++) {
    const f = lines[i].split(',');
    rows.push({
      line: i + 1,
      ts: Number(f[0]),
      event: f[1],
      cpu: f[2] === '' ? -1 : Number(f[2]),
      socket: f[3],
      state: f[4] === '' ? 0 : Number(f[4]),
      rxhash: f[5] === '' ? 0 : Number(f[5]),
      queue: f[6],
      skb: f[7],
    });
  }
  return { comments, columns, rows };
}

export const RECORD_EVENTS = new Set(['recvmsg', 'sendmsg', 'accept', 'splice']);
