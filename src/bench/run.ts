/**
 * `npm run bench`: generates deterministic traces (fixed seed; 64 CPUs, 16
 * queues, 200,000 flows, Zipf rates, migration and churn), runs every scenario
 * several times as a user would (a child process running the CLI), and prints
 * rows/s, wall time and peak RSS next to two baselines measured in the same
 * run: reading the file with nothing else (cat > /dev/null, the I/O floor)
 * and the csv-parse reference reader feeding the same model.
 * Results go to bench/results.json. `--quick` uses a 2M-row trace only.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { writeTrace } from '../generate/output.js';
import { DEFAULT_WORKLOAD, type Workload } from '../generate/workload.js';
import { TOOL_VERSION } from '../version.js';

const root = new URL('../../', import.meta.url).pathname;
const dir = join(root, 'bench');
const traceDir = join(dir, 'traces');
const quick = process.argv.includes('--quick');
const runs = Number(process.env.BENCH_RUNS ?? 3);

function workload(rows: number): Workload {
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

async function ensureTrace(rows: number, gzip: boolean): Promise<string> {
  mkdirSync(traceDir, { recursive: true });
  const path = join(traceDir, `bench-${rows / 1e6}m.csv${gzip ? '.gz' : ''}`);
  if (!existsSync(path)) {
    process.stderr.write(`generating ${path} ...\n`);
    await writeTrace(workload(rows), path, { gzipLevel: 1 });
  }
  return path;
}

interface Sample {
  wall: number;
  maxRssMiB: number;
}

function timeCommand(cmd: string, args: string[]): Sample {
  const t = performance.now();
  const r = spawnSync(cmd, args, { stdio: ['ignore', 'ignore', 'pipe'], encoding: 'utf8', maxBuffer: 1 << 26 });
  const wall = (performance.now() - t) / 1000;
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr}`);
  const m = /@@bench (.*)/.exec(r.stderr ?? '');
  return { wall, maxRssMiB: m ? JSON.parse(m[1]).maxRssKiB / 1024 : NaN };
}

const measure = join(root, 'dist/bench/measure.js');
function cli(...args: string[]): Sample {
  return timeCommand(process.execPath, [measure, ...args, '--no-progress']);
}

interface Row {
  scenario: string;
  rows: number;
  bytes: number;
  wall_s: number;
  rows_per_s: number;
  peak_rss_mib: number;
  runs: number[];
}

function best(name: string, rows: number, bytes: number, f: () => Sample, n = runs): Row {
  const samples: Sample[] = [];
  for (let i = 0; i < n; i++) samples.push(f());
  const walls = samples.map((s) => s.wall);
  const wall = Math.min(...walls);
  const row: Row = {
    scenario: name,
    rows,
    bytes,
    wall_s: wall,
    rows_per_s: rows / wall,
    peak_rss_mib: Math.max(...samples.map((s) => s.maxRssMiB)),
    runs: walls,
  };
  process.stderr.write(`${name}: ${wall.toFixed(2)} s (runs ${walls.map((w) => w.toFixed(2)).join(', ')}), ${(row.rows_per_s / 1e6).toFixed(2)} M rows/s, peak RSS ${row.peak_rss_mib.toFixed(0)} MiB\n`);
  return row;
}

const SIZES = '256,1024,4096,8192,16384,32768,65536,131072';
const main = quick ? 2_000_000 : 10_000_000;
const plain = await ensureTrace(main, false);
const gz = await ensureTrace(main, true);
const big = quick ? null : await ensureTrace(20_000_000, false);
const size = (p: string) => statSync(p).size;
const out = join(dir, 'out');
mkdirSync(out, { recursive: true });

const results: Row[] = [];
results.push(best('baseline: cat > /dev/null (I/O floor)', main, size(plain), () => timeCommand('sh', ['-c', `cat '${plain}' > /dev/null`])));
results.push(best('replay, 1 configuration', main, size(plain), () => cli('replay', plain)));
results.push(best(`replay, 8 table sizes in one pass`, main, size(plain), () => cli('replay', plain, '--entries', SIZES)));
results.push(best('baseline: csv-parse reader feeding the same model', main, size(plain), () => cli('replay', plain, '--reader', 'csv-parse'), 1));
results.push(best('baseline: zcat > /dev/null (decompression floor)', main, size(gz), () => timeCommand('sh', ['-c', `zcat '${gz}' > /dev/null`])));
results.push(best('replay gzip input, 1 configuration', main, size(gz), () => cli('replay', gz)));
// The report's sweep below is the configured setting, these sizes at rps_flow_cnt 4096, and plain RPS:
// replaying about the same configurations shows what the report adds on top.
results.push(best('replay, the report sweep (10 configurations)', main, size(plain), () => cli('replay', plain, '--entries', `0,32768,${SIZES}`, '--flow-cnt', '4096')));
results.push(best('report, 8 global sizes + 1 per-queue size (11 configurations: + configured, plain RPS), HTML + JSON', main, size(plain), () => cli('report', plain, '--entries', SIZES, '--flow-cnt', '4096', '-o', join(out, 'bench.html'))));
if (big) results.push(best('replay, 1 configuration, 20M rows', 20_000_000, size(big), () => cli('replay', big), 1));

const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const record = { date: new Date().toISOString(), tool_version: TOOL_VERSION, machine, quick, runs, results };
const historyPath = join(dir, 'results.json');
const history = existsSync(historyPath) ? JSON.parse(readFileSync(historyPath, 'utf8')) : { runs: [] };
history.latest = record;
history.runs = [...(history.runs ?? []), record].slice(-20);
writeFileSync(historyPath, JSON.stringify(history, null, 2) + '\n');

const lines = [
  `Machine: ${machine}; best of ${runs} runs; ${new Date().toISOString().slice(0, 10)}`,
  '',
  '| scenario | rows | wall (s) | M rows/s | peak RSS (MiB) |',
  '|---|---:|---:|---:|---:|',
  ...results.map((r) => `| ${r.scenario} | ${(r.rows / 1e6).toFixed(0)}M | ${r.wall_s.toFixed(2)} | ${(r.rows_per_s / 1e6).toFixed(2)} | ${Number.isNaN(r.peak_rss_mib) ? '—' : r.peak_rss_mib.toFixed(0)} |`),
];
process.stdout.write(lines.join('\n') + '\n');
