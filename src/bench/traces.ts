/**
 * The bench's traces: one deterministic workload (fixed seed; 64 CPUs, 16
 * queues, 200,000 flows, Zipf rates, migration and churn) at any number of
 * rows, generated once into bench/traces/ (not committed), and its spellings
 * (spellings.ts).
 */
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { writeTrace } from '../generate/output.js';
import { DEFAULT_WORKLOAD, type Workload } from '../generate/workload.js';

export const TRACE_DIR = new URL('../../bench/traces/', import.meta.url).pathname;

export function benchWorkload(rows: number): Workload {
  return {
    ...DEFAULT_WORKLOAD,
    seed: 20261125,
    scenario: 'bench',
    cpus: 64,
    queues: 16,
    flows: 200_000,
    rates: 'zipf',
    zipf: 1,
    rate: 2_000_000,
    rows,
    burst: 2,
    reply: 0.8,
    connRequests: 200,
    reuse: 0.1,
    consumers: 2,
    migration: 0.01,
  };
}

/** The bench trace of `rows` rows (canonical spelling, plain text), generated on first use. */
export async function ensureBenchTrace(rows: number): Promise<string> {
  mkdirSync(TRACE_DIR, { recursive: true });
  const path = join(TRACE_DIR, `bench-${rows / 1e6}m.csv`);
  if (!existsSync(path)) {
    process.stderr.write(`generating ${path} ...\n`);
    await writeTrace(benchWorkload(rows), path);
  }
  return path;
}
