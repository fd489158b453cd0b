/**
 * `npm run bench`: generates deterministic traces (fixed seed; 64 CPUs, 16
 * queues, 200,000 flows, Zipf rates, migration and churn), runs every scenario
 * several times as a user would (a child process running the CLI; scenarios
 * that a goal compares run in turns: the single configuration, the 8-size
 * sweep and the gzip input; the report and the replay of its plan), and prints
 * rows/s, wall time and peak RSS next to two baselines measured in the same
 * run: reading the file with nothing else (cat > /dev/null, the I/O floor)
 * and a csv-parse-only reader feeding the same model (replay-baseline.ts:
 * the header through the shared header code, then the whole body through one
 * streaming csv-parse parser in its fastest mode, columns: false and no cast,
 * each record through the same row validation; see csv-stream-reader.ts).
 * That is the baseline of issue 5's "10x faster than a csv-parse-only
 * reader". The reference reader (`--reader csv-parse`, which splits lines
 * itself and hands csv-parse only the quoted ones) is a correctness oracle,
 * not a baseline, and is not timed here.
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
  return summarize(name, rows, bytes, samples);
}

/**
 * Scenarios compared with each other, run in turns (a, b, a, b, …): a slow spell
 * of the machine (runs of one build vary by ±5% over minutes here) then lands on
 * both instead of skewing their ratio.
 */
function bestInTurns(scenarios: { name: string; f: () => Sample }[], rows: number, bytes: number, n = runs): Row[] {
  const samples: Sample[][] = scenarios.map(() => []);
  for (let i = 0; i < n; i++) scenarios.forEach((s, k) => samples[k].push(s.f()));
  return scenarios.map((s, k) => summarize(s.name, rows, bytes, samples[k]));
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

function summarize(name: string, rows: number, bytes: number, samples: Sample[]): Row {
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
  process.stderr.write(
    `${name}: ${wall.toFixed(2)} s (runs ${walls.map((w) => w.toFixed(2)).join(', ')}), ${(row.rows_per_s / 1e6).toFixed(2)} M rows/s, peak RSS ${row.peak_rss_mib.toFixed(0)} MiB\n`,
  );
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
// Every goal that compares two scenarios compares runs made in turns (see bestInTurns).
const [one, eight, gzipIn] = bestInTurns(
  [
    { name: 'replay, 1 configuration', f: () => cli('replay', plain) },
    { name: 'replay, 8 table sizes in one pass', f: () => cli('replay', plain, '--entries', SIZES, '--open-loop') },
    { name: 'replay gzip input, 1 configuration', f: () => cli('replay', gz) },
  ],
  main,
  size(plain),
);
gzipIn.bytes = size(gz);
results.push(one, eight);
results.push(
  best(
    'baseline: csv-parse-only reader (streaming, columns: false) feeding the same model',
    main,
    size(plain),
    () => timeCommand(process.execPath, [join(root, 'dist/bench/replay-baseline.js'), plain]),
    1,
  ),
);
results.push(best('baseline: zcat > /dev/null (decompression floor)', main, size(gz), () => timeCommand('sh', ['-c', `zcat '${gz}' > /dev/null`])));
results.push(gzipIn);
// The report replays the configured setting (with its timeline), these sizes, one per-queue size and
// plain RPS; replaying exactly that plan, and nothing else, shows what the report adds on top.
const REPORT_SWEEP = "the report's sweep (11 configurations: configured + 8 global sizes + 1 per-queue size + plain RPS)";
results.push(
  ...bestInTurns(
    [
      {
        name: `replay, ${REPORT_SWEEP}`,
        f: () => timeCommand(process.execPath, [join(root, 'dist/bench/replay-plan.js'), plain, '--entries', SIZES, '--flow-cnt', '4096']),
      },
      {
        name: `report, ${REPORT_SWEEP}, sha256 + HTML + JSON`,
        f: () => cli('report', plain, '--entries', SIZES, '--flow-cnt', '4096', '-o', join(out, 'bench.html'), '--open-loop'),
      },
    ],
    main,
    size(plain),
  ),
);
if (big) {
  // Its one timed run must not be a cold read from disk (1 GB; the page cache here drops it between
  // runs of the bench: 7.4 s cold against about 3 s warm): read it once first, as the cat baseline
  // does for the 10M-row trace.
  timeCommand('sh', ['-c', `cat '${big}' > /dev/null`]);
  results.push(best('replay, 1 configuration, 20M rows', 20_000_000, size(big), () => cli('replay', big), 1));
}

// Issue 5's goals, each from two rows measured above in this run.
const [, , , csvParse, zcat, , planReplay, report, twenty] = results;
// The rows above replay open loop (--open-loop), as they always have; this one what the closed loop costs on top
// (replay/closed-loop.ts: each what-if two more lanes, and a reference lane).
results.push(best('replay, the same 8 table sizes with the closed loop (the default)', main, size(plain), () => cli('replay', plain, '--entries', SIZES)));
const med = (r: Row) => median(r.runs);
// The two run in turns, so round i of each saw the same spell of this noisy machine.
const perRound = eight.runs.map((t, i) => t / one.runs[i]);
const goals = [
  `8 table sizes / 1 configuration: ${(eight.wall_s / one.wall_s).toFixed(2)}× best to best (goal ≤ 1.3×), ${(median(eight.runs) / median(one.runs)).toFixed(2)}× median to median (runs in turns; per round ${perRound.map((r) => r.toFixed(2)).join(', ')}: median ${median(perRound).toFixed(2)}×)`,
  `csv-parse-only reader / fast path: ${(csvParse.wall_s / one.wall_s).toFixed(1)}× (goal ≥ 10×)`,
  `gzip input − plain input: ${(gzipIn.wall_s - one.wall_s).toFixed(2)} s best to best, ${(med(gzipIn) - med(one)).toFixed(2)} s median to median, against zcat alone ${zcat.wall_s.toFixed(2)} s; gzip input end to end ${gzipIn.wall_s.toFixed(2)} s`,
  `report − replay of the same sweep: ${(report.wall_s - planReplay.wall_s).toFixed(2)} s best to best, ${(med(report) - med(planReplay)).toFixed(2)} s median to median (goal ≤ 1 s)`,
  ...(twenty
    ? [
        `peak RSS of one configuration, 10M → 20M rows: ${one.peak_rss_mib.toFixed(0)} → ${twenty.peak_rss_mib.toFixed(0)} MiB, ×${(twenty.peak_rss_mib / one.peak_rss_mib).toFixed(3)} (goal ≤ 1.10)`,
      ]
    : []),
  `largest peak RSS of a replay above: ${(Math.max(one.peak_rss_mib, eight.peak_rss_mib, gzipIn.peak_rss_mib, planReplay.peak_rss_mib) * 1.048576).toFixed(0)} MB (goal ≤ 300 MB)`,
];
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const record = { date: new Date().toISOString(), tool_version: TOOL_VERSION, machine, quick, runs, results, goals };
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
  ...results.map(
    (r) =>
      `| ${r.scenario} | ${(r.rows / 1e6).toFixed(0)}M | ${r.wall_s.toFixed(2)} | ${(r.rows_per_s / 1e6).toFixed(2)} | ${Number.isNaN(r.peak_rss_mib) ? '—' : r.peak_rss_mib.toFixed(0)} |`,
  ),
  '',
  ...goals.map((g) => `- ${g}`),
];
process.stdout.write(lines.join('\n') + '\n');
