/**
 * The compiled reference (bench/reference/replay.c): a single-file C replay
 * of one configuration, the trace's own, through the same model as the
 * WebAssembly lanes. The bench times it next to `replay` (issue 20: the
 * canonical replay within 2× of it) and trusts the time only if its counters
 * equal `replay --json`'s; test/bench/reference.test.ts holds the two to each
 * other on the repository's traces.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';

export const REFERENCE_SOURCE = new URL('../../bench/reference/replay.c', import.meta.url).pathname;
/** How the bench and the test compile it (cc from PATH). */
export const REFERENCE_CFLAGS = ['-O2', '-march=native', '-std=c11'];

/** What the reference prints (its JSON on stdout). */
export interface ReferenceOutput {
  config: { nr_cpu_ids: number; entries_effective: number; kernel: string; queues: number };
  trace: Record<string, number | Record<string, number>>;
  metrics: Record<string, number | number[]>;
}

/** The replay result fields the reference is compared with (a ReplayResult, or `replay --json` parsed). */
export interface ReplayCounts {
  trace: object;
  configs: { kernel: string; nr_cpu_ids: number; entries_effective: number; role: string; metrics: object }[];
}

/** The compiled binary, or why there is none. */
export type Compiled = { binary: string } | { skipped: string };

/** Compiles the reference into `dir` with `cc`; `skipped` says why not (no cc on PATH, or cc failed). */
export function compileReference(dir: string): Compiled {
  const binary = join(dir, 'replay-ref');
  const r = spawnSync('cc', [...REFERENCE_CFLAGS, '-o', binary, REFERENCE_SOURCE], { encoding: 'utf8' });
  if (r.error) return { skipped: `no C compiler: cc ${(r.error as NodeJS.ErrnoException).code === 'ENOENT' ? 'is not on PATH' : r.error.message}` };
  if (r.status !== 0) return { skipped: `cc ${REFERENCE_CFLAGS.join(' ')} failed: ${(r.stderr ?? '').trim().split('\n')[0]}` };
  return { binary };
}

/** Runs the reference on a plain-text trace; throws with its message if it fails. */
export function runReference(binary: string, trace: string): ReferenceOutput {
  const r = spawnSync(binary, [trace], { encoding: 'utf8', maxBuffer: 1 << 24 });
  if (r.status !== 0) throw new Error(`${binary} ${trace} failed (exit ${r.status}): ${(r.stderr ?? '').trim()}`);
  return JSON.parse(r.stdout) as ReferenceOutput;
}

/** Objects with their keys in order, so that equal counts compare equal whatever order they were written in. */
const sorted = (v: unknown): unknown =>
  v && typeof v === 'object' && !Array.isArray(v)
    ? Object.fromEntries(
        Object.entries(v)
          .sort(([a], [b]) => (a < b ? -1 : 1))
          .map(([k, x]) => [k, sorted(x)]),
      )
    : v;
const same = (a: unknown, b: unknown) => JSON.stringify(sorted(a)) === JSON.stringify(sorted(b));

/**
 * Where the reference's counters differ from the replay's (its first
 * configuration, which must be the trace's own): one line per counter,
 * empty when every counter the reference computes is equal.
 */
export function referenceDifferences(ref: ReferenceOutput, replay: ReplayCounts): string[] {
  const c = replay.configs[0];
  if (!c) return ['the replay has no configuration'];
  const diffs: string[] = [];
  const check = (name: string, a: unknown, b: unknown) => {
    if (!same(a, b)) diffs.push(`${name}: reference ${JSON.stringify(a)}, replay ${JSON.stringify(b)}`);
  };
  check('role', 'configured', c.role);
  check('kernel', ref.config.kernel, c.kernel);
  check('nr_cpu_ids', ref.config.nr_cpu_ids, c.nr_cpu_ids);
  check('entries_effective', ref.config.entries_effective, c.entries_effective);
  const metrics = c.metrics as Record<string, unknown>;
  for (const [name, v] of Object.entries(ref.metrics)) check(name, v, metrics[name]);
  const trace = replay.trace as Record<string, unknown>;
  for (const [name, v] of Object.entries(ref.trace)) check(`trace.${name}`, v, trace[name]);
  return diffs;
}

/**
 * `replay --json` of `trace` with the CLI in `root`/dist/ (one
 * configuration: the trace's own), parsed; `jsonPath` is where it is written.
 */
export function replayJson(root: string, trace: string, jsonPath: string): ReplayCounts {
  const r = spawnSync(process.execPath, [join(root, 'dist/cli.js'), 'replay', trace, '--json', jsonPath, '--no-progress'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    encoding: 'utf8',
  });
  if (r.status !== 0) throw new Error(`replay ${trace} --json failed: ${r.stderr}`);
  return JSON.parse(readFileSync(jsonPath, 'utf8')) as ReplayCounts;
}
