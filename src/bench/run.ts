/**
 * `npm run bench`: generates deterministic traces (traces.ts) and every
 * spelling of the same rows the format allows (spellings.ts), runs every
 * scenario several times as a user would (a child process running the CLI),
 * and prints rows/s, wall time and peak RSS, each goal next to the measured
 * value. Scenarios a goal compares run in turns (a, b, a, b, …: a slow spell
 * of this shared machine then lands on both), and each ratio is given best to
 * best, median to median and per round.
 *
 * Baselines measured in the same run: reading the file with nothing else (cat
 * > /dev/null, the I/O floor), decompressing it (zcat), and a csv-parse-only
 * reader feeding the same model (replay-baseline.ts: the header through the
 * shared header code, then the body through one streaming csv-parse parser in
 * its fastest mode, columns: false and no cast, each record through the same
 * row validation; see csv-stream-reader.ts), issue 5's "10x faster than a
 * csv-parse-only reader". The reference reader (`--reader csv-parse`) is a
 * correctness oracle, not a baseline, and is not timed here. The compiled
 * reference (reference.ts: bench/reference/replay.c, built with cc) replays the
 * canonical trace's own configuration in C, in turns with the canonical replay,
 * issue 20's "within 2× of a compiled reference"; its ratios are printed only if
 * its counters equal `replay --json`'s.
 *
 * Results go to bench/results.json. `--quick`: a 2M-row trace, no 20M-row
 * run. BENCH_RUNS=N: runs per scenario (default 3). BENCH_100M=1 (or
 * `--100m`): also a 100M-row trace (5 GB, generated once, about 5 minutes),
 * streamed through one replay with its progress bar on this terminal, and
 * the default report of it: peak RSS against the 10M-row runs' (several
 * minutes each).
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, totalmem } from 'node:os';
import { join } from 'node:path';
import { TOOL_VERSION } from '../version.js';
import { compileReference, referenceDifferences, replayJson, runReference } from './reference.js';
import { countRows, ensureImporterSpelled, IMPORTER_SPELLINGS } from './importer-spellings.js';
import { ensureSpelled, SPELLINGS, type Spelling } from './spellings.js';
import { ensureBenchTrace } from './traces.js';

const root = new URL('../../', import.meta.url).pathname;
const dir = join(root, 'bench');
const quick = process.argv.includes('--quick');
const hundred = process.argv.includes('--100m') || process.env.BENCH_100M === '1';
const runs = Number(process.env.BENCH_RUNS ?? 3);

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

/**
 * A CLI run that shows its progress bar on this terminal (stderr inherited),
 * its RSS sampled every 250 ms from /proc (the run's memory over time), its
 * peak from the child itself.
 */
async function cliWithProgress(...args: string[]): Promise<Sample & { rssOverTime: number[] }> {
  const rssFile = join(dir, 'out', `rss-${process.pid}.json`);
  rmSync(rssFile, { force: true });
  const t = performance.now();
  const child = spawn(process.execPath, [measure, ...args], { stdio: ['ignore', 'ignore', 'inherit'], env: { ...process.env, BENCH_RSS_FILE: rssFile } });
  const rss: number[] = [];
  const timer = setInterval(() => {
    try {
      const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${child.pid}/status`, 'utf8'));
      if (m) rss.push(Number(m[1]) / 1024);
    } catch {
      // the child has just exited
    }
  }, 250);
  const code = await new Promise<number | null>((resolve) => child.on('exit', resolve));
  clearInterval(timer);
  const wall = (performance.now() - t) / 1000;
  if (code !== 0) throw new Error(`${args.join(' ')} failed (exit ${code})`);
  return { wall, maxRssMiB: JSON.parse(readFileSync(rssFile, 'utf8')).maxRssKiB / 1024, rssOverTime: rss };
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

/** Scenarios compared with each other, run in turns (a, b, a, b, …). */
function bestInTurns(scenarios: { name: string; bytes: number; f: () => Sample }[], rows: number, n = runs): Row[] {
  const samples: Sample[][] = scenarios.map(() => []);
  for (let i = 0; i < n; i++) scenarios.forEach((s, k) => samples[k].push(s.f()));
  return scenarios.map((s, k) => summarize(s.name, rows, s.bytes, samples[k]));
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

/** b against a, run in turns: best to best, median to median, and the median of the rounds' own ratios. */
function ratio(b: Row, a: Row): { best: number; median: number; perRound: number[]; roundMedian: number } {
  const perRound = b.runs.map((t, i) => t / a.runs[i]);
  return { best: b.wall_s / a.wall_s, median: median(b.runs) / median(a.runs), perRound, roundMedian: median(perRound) };
}

const fmtRatio = (r: ReturnType<typeof ratio>) =>
  `${r.best.toFixed(2)}× best to best, ${r.median.toFixed(2)}× median to median, per round ${r.perRound.map((x) => x.toFixed(2)).join(', ')} (median ${r.roundMedian.toFixed(2)}×)`;
const MB = 1.048576; // MiB → MB

const SIZES = '256,1024,4096,8192,16384,32768,65536,131072';
const main = quick ? 2_000_000 : 10_000_000;
const plain = await ensureBenchTrace(main);
const spelled: { spelling: Spelling; path: string }[] = [];
for (const s of SPELLINGS.filter((x) => x.name !== 'canonical')) spelled.push({ spelling: s, path: await ensureSpelled(plain, s) });
const gz = spelled.find((s) => s.spelling.gzip)!.path;
const big = quick ? null : await ensureBenchTrace(20_000_000);
const huge = hundred ? await ensureBenchTrace(100_000_000) : null;
const size = (p: string) => statSync(p).size;
const out = join(dir, 'out');
mkdirSync(out, { recursive: true });

/**
 * The compiled reference, if cc builds it and it counts exactly what `replay
 * --json` counts on the canonical trace; otherwise why it is left out (a
 * reference that counts differently does not do the same work: no ratio).
 */
function checkedReference(): { binary: string } | { skipped: string } {
  const compiled = compileReference(out);
  if ('skipped' in compiled) return compiled;
  let diffs: string[];
  try {
    diffs = referenceDifferences(runReference(compiled.binary, plain), replayJson(root, plain, join(out, 'reference-check.json')));
  } catch (e) {
    return { skipped: (e as Error).message.split('\n')[0] };
  }
  if (diffs.length === 0) return compiled;
  return {
    skipped: `its counters differ from replay --json's, so no ratio is given: ${diffs.slice(0, 3).join('; ')}${diffs.length > 3 ? `; and ${diffs.length - 3} more` : ''}`,
  };
}
const reference = checkedReference();
const refBinary = 'binary' in reference ? reference.binary : null;
if (!refBinary) process.stderr.write(`compiled reference skipped: ${'skipped' in reference ? reference.skipped : ''}\n`);

const results: Row[] = [];
const cat = best('baseline: cat > /dev/null (I/O floor)', main, size(plain), () => timeCommand('sh', ['-c', `cat '${plain}' > /dev/null`]));
results.push(cat);
// One configuration in every spelling of the same rows, the compiled reference and the 8-size sweep, all in turns.
const inTurns = bestInTurns(
  [
    { name: 'replay, 1 configuration (canonical spelling)', bytes: size(plain), f: () => cli('replay', plain) },
    ...(refBinary
      ? [
          {
            name: 'compiled reference (bench/reference/replay.c, cc -O2 -march=native), 1 configuration, canonical spelling',
            bytes: size(plain),
            f: () => timeCommand(refBinary, [plain]),
          },
        ]
      : []),
    { name: 'replay, 8 table sizes in one pass', bytes: size(plain), f: () => cli('replay', plain, '--entries', SIZES, '--open-loop') },
    ...spelled.map(({ spelling, path }) => ({ name: `replay, 1 configuration, ${spelling.what}`, bytes: size(path), f: () => cli('replay', path) })),
  ],
  main,
);
const one = inTurns[0];
const compiled = refBinary ? inTurns[1] : null;
const [eight, ...spellings] = inTurns.slice(refBinary ? 2 : 1);
results.push(...inTurns);
// Each importer's input (2M rows) against the v1 trace of exactly what its format carries, in turns (importer-spellings.ts).
const importerTrace = await ensureBenchTrace(2_000_000);
const imported = [];
for (const s of IMPORTER_SPELLINGS) imported.push({ s, ...(await ensureImporterSpelled(importerTrace, s)) });
const importerPairs = [];
for (const { s, path, restricted } of imported) {
  const pair = bestInTurns(
    [
      { name: `replay, 1 configuration, the v1 trace of what ${s.name} carries`, bytes: size(restricted), f: () => cli('replay', restricted, ...s.replayArgs) },
      { name: `replay, 1 configuration, ${s.what}`, bytes: size(path), f: () => cli('replay', path, ...s.replayArgs) },
    ],
    await countRows(restricted),
  );
  importerPairs.push({ s, pair });
  results.push(...pair);
}
const csvParse = best(
  'baseline: csv-parse-only reader (streaming, columns: false) feeding the same model',
  main,
  size(plain),
  () => timeCommand(process.execPath, [join(root, 'dist/bench/replay-baseline.js'), plain]),
  1,
);
const zcat = best('baseline: zcat > /dev/null (decompression floor)', main, size(gz), () => timeCommand('sh', ['-c', `zcat '${gz}' > /dev/null`]));
results.push(csvParse, zcat);
// The report replays the configured setting (with its timeline), these sizes, one per-queue size and
// plain RPS; replaying exactly that plan, and nothing else, shows what the report adds on top.
const REPORT_SWEEP = "the report's sweep (11 configurations: configured + 8 global sizes + 1 per-queue size + plain RPS)";
const [planReplay, report] = bestInTurns(
  [
    {
      name: `replay, ${REPORT_SWEEP}`,
      bytes: size(plain),
      f: () => timeCommand(process.execPath, [join(root, 'dist/bench/replay-plan.js'), plain, '--entries', SIZES, '--flow-cnt', '4096']),
    },
    {
      name: `report, ${REPORT_SWEEP}, sha256 + HTML + JSON`,
      bytes: size(plain),
      f: () => cli('report', plain, '--entries', SIZES, '--flow-cnt', '4096', '-o', join(out, 'bench.html'), '--open-loop'),
    },
  ],
  main,
);
results.push(planReplay, report);
const defaultReport = best(
  'report with its default plan (28 configurations, two passes)',
  main,
  size(plain),
  () => cli('report', plain, '-o', join(out, 'bench-default.html')),
  1,
);
results.push(defaultReport);
let twenty: Row | null = null;
if (big) {
  // Its one timed run must not be a cold read from disk (1 GB; the page cache here drops it between
  // runs of the bench: 7.4 s cold against about 3 s warm): read it once first.
  timeCommand('sh', ['-c', `cat '${big}' > /dev/null`]);
  twenty = best('replay, 1 configuration, 20M rows', 20_000_000, size(big), () => cli('replay', big), 1);
  results.push(twenty);
}
let hundredReplay: Row | null = null;
let hundredReport: Row | null = null;
const overTime: string[] = [];
if (huge) {
  for (const [what, args] of [
    ['replay, 1 configuration, 100M rows (streamed, progress bar)', ['replay', huge]],
    ['report with its default plan, 100M rows', ['report', huge, '-o', join(out, 'bench-default-100m.html')]],
  ] as const) {
    process.stderr.write(`${what} ...\n`);
    const s = await cliWithProgress(...args);
    const row = summarize(what, 100_000_000, size(huge), [s]);
    results.push(row);
    if (args[0] === 'replay') hundredReplay = row;
    else hundredReport = row;
    const at = [0.1, 0.25, 0.5, 0.75, 1].map((f) => s.rssOverTime[Math.max(0, Math.ceil(f * s.rssOverTime.length) - 1)] ?? NaN);
    overTime.push(`${what}: RSS at 10/25/50/75/100% of the run ${at.map((x) => x.toFixed(0)).join(' / ')} MiB`);
  }
}

// The rows above replay open loop (--open-loop), as they always have; this one what the closed loop costs on top
// (replay/closed-loop.ts: each what-if two more lanes, and a reference lane).
const closedEight = best('replay, the same 8 table sizes with the closed loop (the default)', main, size(plain), () =>
  cli('replay', plain, '--entries', SIZES),
);
results.push(closedEight);
const med = (r: Row) => median(r.runs);
const SPELLING_GOAL = 1.3;
const spellingGoals = spellings.map((r, k) => {
  const q = ratio(r, one);
  const ok = q.roundMedian <= SPELLING_GOAL ? 'meets' : 'MISSES';
  return `${spelled[k].spelling.name} / canonical: ${fmtRatio(q)}: ${ok} the goal ≤ ${SPELLING_GOAL}×`;
});
// Issue 20: every spelling's replay within 2× of the compiled reference, judged as the spellings are (median of the rounds).
const REFERENCE_GOAL = 2;
const referenceGoal = (what: string, r: Row, ref: Row) => {
  const q = ratio(r, ref);
  return `${what} / compiled reference: ${fmtRatio(q)}: ${q.roundMedian <= REFERENCE_GOAL ? 'meets' : 'MISSES'} the goal ≤ ${REFERENCE_GOAL}×`;
};
const referenceGoals = compiled
  ? [referenceGoal('canonical', one, compiled), ...spellings.map((r, k) => referenceGoal(spelled[k].spelling.name, r, compiled))]
  : [`compiled reference: skipped (${'skipped' in reference ? reference.skipped : ''})`];
const peakMB = (r: Row) => r.peak_rss_mib * MB;
const goals = [
  `8 table sizes / 1 configuration: ${fmtRatio(ratio(eight, one))} (goal ≤ 1.3×)`,
  ...spellingGoals,
  ...referenceGoals,
  ...importerPairs.map(({ s, pair }) => {
    const q = ratio(pair[1], pair[0]);
    return `${s.name} / the v1 trace of what it carries: ${fmtRatio(q)}: ${q.roundMedian <= SPELLING_GOAL ? 'meets' : 'MISSES'} the goal ≤ ${SPELLING_GOAL}×`;
  }),
  `csv-parse-only reader / fast path: ${(csvParse.wall_s / one.wall_s).toFixed(1)}× (goal ≥ 10×)`,
  `gzip input − plain input: ${(spellings[spelled.findIndex((s) => s.spelling.gzip)].wall_s - one.wall_s).toFixed(2)} s best to best, against zcat alone ${zcat.wall_s.toFixed(2)} s`,
  `report − replay of the same sweep: ${(report.wall_s - planReplay.wall_s).toFixed(2)} s best to best, ${(med(report) - med(planReplay)).toFixed(2)} s median to median (goal ≤ 1 s)`,
  `report with its default plan, ${main / 1e6}M rows: peak RSS ${peakMB(defaultReport).toFixed(0)} MB (goal ≤ 300 MB), ${defaultReport.wall_s.toFixed(1)} s`,
  ...(twenty
    ? [
        `peak RSS of one configuration, 10M → 20M rows: ${one.peak_rss_mib.toFixed(0)} → ${twenty.peak_rss_mib.toFixed(0)} MiB, ×${(twenty.peak_rss_mib / one.peak_rss_mib).toFixed(3)} (goal ≤ 1.10)`,
      ]
    : []),
  ...(hundredReplay && hundredReport
    ? [
        `peak RSS of one configuration, ${main / 1e6}M → 100M rows: ${one.peak_rss_mib.toFixed(0)} → ${hundredReplay.peak_rss_mib.toFixed(0)} MiB, ×${(hundredReplay.peak_rss_mib / one.peak_rss_mib).toFixed(3)} (goal ≤ 1.10), ${hundredReplay.wall_s.toFixed(1)} s`,
        `peak RSS of the default report, ${main / 1e6}M → 100M rows: ${defaultReport.peak_rss_mib.toFixed(0)} → ${hundredReport.peak_rss_mib.toFixed(0)} MiB, ×${(hundredReport.peak_rss_mib / defaultReport.peak_rss_mib).toFixed(3)} (goal ≤ 1.10), ${hundredReport.wall_s.toFixed(1)} s`,
        ...overTime,
      ]
    : []),
  `largest peak RSS of a replay above: ${Math.max(...[one, eight, ...spellings].map(peakMB), peakMB(planReplay)).toFixed(0)} MB (goal ≤ 300 MB)`,
];
const machine = `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 2 ** 30).toFixed(0)} GiB, Node ${process.version}`;
const record = { date: new Date().toISOString(), tool_version: TOOL_VERSION, machine, quick, runs, results, goals };
const historyPath = join(dir, 'results.json');
const history = existsSync(historyPath) ? JSON.parse(readFileSync(historyPath, 'utf8')) : { runs: [] };
history.latest = record;
history.runs = [...(history.runs ?? []), record].slice(-20);
writeFileSync(historyPath, JSON.stringify(history, null, 2) + '\n');

const lines = [
  `Machine: ${machine}; best of ${runs} runs; ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC`,
  '',
  '| scenario | rows | MB | wall (s) | M rows/s | peak RSS (MiB) |',
  '|---|---:|---:|---:|---:|---:|',
  ...results.map(
    (r) =>
      `| ${r.scenario} | ${(r.rows / 1e6).toFixed(0)}M | ${(r.bytes / 1e6).toFixed(0)} | ${r.wall_s.toFixed(2)} | ${(r.rows_per_s / 1e6).toFixed(2)} | ${Number.isNaN(r.peak_rss_mib) ? '—' : r.peak_rss_mib.toFixed(0)} |`,
  ),
  '',
  ...goals.map((g) => `- ${g}`),
];
process.stdout.write(lines.join('\n') + '\n');
