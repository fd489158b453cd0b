/**
 * `report` as a library function: expand the inputs, replay each trace once
 * over the planned configurations, and write the HTML and JSON reports (plus
 * a comparison report when there are several traces). The yargs command is a
 * thin layer over this, so tests can drive it without a process.
 */
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, relative, resolve } from 'node:path';
import { UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { collectGarbage } from './collect-garbage.js';
import { comparisonMsg, optMsg, reportMsg } from '../messages.js';
import {
  planQueueSweep,
  planReport,
  nextReplayPart,
  type PlannedConfig,
  type TraceScale,
  type PlanInput,
  type QueueSweepAt,
  type ReportPlan,
} from '../analyze/sweep.js';
import { traceKernelProfile } from '../model/config.js';
import type { ReplayOptions } from '../replay/options.js';
import type { ReplayResult } from '../types/result.js';
import type { ComparisonDocument } from './comparison.js';
import { wrapWords } from './format.js';
import { renderReportJson } from './json.js';
import { buildReportData, type ReportData } from './report-data.js';
import { renderReportText } from './text.js';
import type { Progress } from '../progress.js';

export type ReplayFn = (path: string, options: ReplayOptions) => Promise<ReplayResult>;

export interface ReportRunOptions extends PlanInput {
  inputs: string[];
  /** -o: the HTML path (single trace) or the comparison HTML path (several). */
  output?: string;
  /** --json: the JSON path (single trace) or the comparison JSON path (several); "-" writes it to `stdout`. */
  json?: string;
  lenient?: boolean;
  /** --fifo-ns: model each CPU as a FIFO processing one packet every N ns (ReplayOptions.fifoNs). */
  fifoNs?: number;
  /** --open-loop: replay the what-ifs without the closed loop (ReplayOptions.closedLoop), and so without ranges. */
  openLoop?: boolean;
  command: string[];
  signal?: AbortSignal;
  /** One progress bar per trace. */
  progress?: () => Progress;
  /** The engine; injectable so tests can feed constructed results. */
  replay: ReplayFn;
  /** The kernel release a trace names (the command reads its header); without --kernel its profile is replayed. */
  kernelRelease?: (trace: string) => Promise<string | null>;
  /** Where text goes (the command passes stdout, or stderr when the JSON goes to stdout). */
  print?: (text: string) => void;
  /** Where `--json -` goes (the command passes stdout). */
  stdout?: (text: string) => void;
  /** Width to break the text's sentences at (the terminal's); none: a line each. */
  columns?: number | null;
}

export interface ReportRunOutput {
  /** Per trace: its HTML and JSON paths. */
  traces: { trace: string; html: string; json: string }[];
  comparison: { html: string; json: string } | null;
}

export const DEFAULT_REPORT_DIR = 'reports';

/** Trace files are recognised in folders by name; their format is detected by content. */
const TRACE_NAME = /\.(csv|csv\.gz|gz)$/i;

export function expandInputs(inputs: string[]): string[] {
  const files: string[] = [];
  for (const input of inputs) {
    let st: ReturnType<typeof statSync>;
    try {
      st = statSync(input);
    } catch (e) {
      const err = e as NodeJS.ErrnoException;
      throw new UsageError(err.code === 'ENOENT' ? optMsg.noSuchFile(input) : optMsg.unreadable(input, err.message));
    }
    if (st.isDirectory()) {
      const inDir = readdirSync(input, { withFileTypes: true })
        .filter((d) => d.isFile() && TRACE_NAME.test(d.name))
        .map((d) => join(input, d.name))
        .sort();
      if (inDir.length === 0) throw new UsageError(reportMsg.emptyFolder(input));
      files.push(...inDir);
    } else {
      files.push(input);
    }
  }
  return [...new Set(files)];
}

/** Report name of a trace: its file name without .gz and .csv. */
export function reportName(tracePath: string): string {
  return (
    basename(tracePath)
      .replace(/\.gz$/i, '')
      .replace(/\.csv$/i, '') || 'trace'
  );
}

export async function runReport(opts: ReportRunOptions): Promise<ReportRunOutput> {
  if (opts.output !== undefined && !/\.html?$/i.test(opts.output)) throw new UsageError(reportMsg.outputNotHtml(opts.output));
  const traces = expandInputs(opts.inputs);
  const several = traces.length > 1;
  const names = new Map<string, string>();
  for (const t of traces) {
    const name = reportName(t);
    const other = names.get(name);
    if (other !== undefined) throw new UsageError(reportMsg.duplicateName(name, other, t));
    names.set(name, t);
  }
  const plan = planReport(opts);
  const print = opts.print ?? (() => {});
  /** Writes a report file and says so, with its absolute path and whether it replaced an earlier one; "-" is standard output. */
  const write = (what: string, path: string, text: string): string => {
    if (path === '-') {
      (opts.stdout ?? print)(text);
      return '';
    }
    const replaced = existsSync(path);
    writeFileAtomic(path, text);
    return `${reportMsg.wrote(what, resolve(path), replaced)}\n`;
  };
  // The HTML renderers bring in vega-lite (about 180 ms to load and compile): that
  // happens while the first trace replays, in this thread's spare time.
  const renderers = Promise.all([import('./html.js'), import('./comparison.js')]);
  renderers.catch(() => {}); // awaited below; a replay error may come first

  // With several traces, per-trace reports go next to the comparison report.
  const outDir = several ? (opts.output ? dirname(opts.output) : DEFAULT_REPORT_DIR) : DEFAULT_REPORT_DIR;
  const comparisonHtml = several ? (opts.output ?? join(outDir, `${comparisonName(opts.inputs)}.html`)) : null;

  const out: ReportRunOutput = { traces: [], comparison: null };
  const rows: ComparisonDocument['rows'] = [];
  let tool = { name: 'rfs-replay', version: '' };
  for (const trace of traces) {
    const name = reportName(trace);
    const html = several ? join(outDir, `${name}.html`) : (opts.output ?? join(outDir, `${name}.html`));
    const json = several ? join(outDir, `${name}.json`) : (opts.json ?? html.replace(/\.html?$/i, '.json'));
    const passOptions: Omit<ReplayOptions, 'configs'> = {
      // The fallback for a header without nr_cpu_ids: --cpus N, or the first of --cpus 4,8.
      cpus: opts.cpus ?? opts.cpuWhatIf?.[0],
      lenient: opts.lenient,
      ...(opts.fifoNs !== undefined ? { fifoNs: opts.fifoNs } : {}),
      closedLoop: opts.openLoop !== true,
      signal: opts.signal,
      command: opts.command,
    };
    // Without --kernel, each trace is replayed with the profile of the kernel its header names.
    const release = opts.kernels?.length ? null : ((await opts.kernelRelease?.(trace)) ?? null);
    const tracePlan = opts.kernels?.length ? plan : planReport({ ...opts, kernels: [traceKernelProfile(release)] });
    const { result, model } = await replayForReport(trace, tracePlan, opts.replay, passOptions, opts.progress);
    tool = result.tool;
    // Rendering (Vega-Lite compiles every chart) takes a while on large traces: say what is happening.
    const status = opts.progress?.();
    status?.note?.(reportMsg.writingReport());
    const [{ renderReportHtml }, { comparisonRow }] = await renderers;
    let wrote: string;
    try {
      wrote = write('JSON', json, renderReportJson(model)) + write('HTML report', html, renderReportHtml(model));
    } finally {
      status?.stop();
    }
    print(renderReportText(model, opts.columns));
    print(`${wrote}${several ? '\n' : ''}`);
    out.traces.push({ trace, html, json });
    if (comparisonHtml) rows.push(comparisonRow(model, name, relativeHref(comparisonHtml, html)));
  }

  if (comparisonHtml) {
    const { comparisonDocument, fleetSentence, renderComparisonJson, renderComparisonHtml } = (await renderers)[1];
    const doc = comparisonDocument(tool, opts.command, rows);
    print(`${wrapWords(`${comparisonMsg.fleetHeading()} ${fleetSentence(doc)}`, opts.columns, '').join('\n')}\n`);
    const json = opts.json ?? comparisonHtml.replace(/\.html?$/i, '.json');
    print(write('Comparison JSON', json, renderComparisonJson(doc)) + write('Comparison report', comparisonHtml, renderComparisonHtml(doc)));
    out.comparison = { html: comparisonHtml, json };
  }
  return out;
}

/**
 * Replays a trace for the report in two passes (analyze/sweep.ts): the first
 * pass's plan, then each kernel's per-queue sweep at the global size the first
 * pass advises. Returns the merged result (second-pass configurations after
 * the first's, with the plan to match) and its model.
 */
export async function replayForReport(
  trace: string,
  plan: ReportPlan,
  replay: ReplayFn,
  options: Omit<ReplayOptions, 'configs'>,
  progress?: () => Progress,
): Promise<{ result: ReplayResult; model: ReportData }> {
  let replays = 0;
  const replayPart = async (configs: ReplayOptions['configs'], hash: boolean) => {
    // The replay before this one left its lanes' memory behind, garbage: free it before this one places its own.
    if (replays++ > 0) collectGarbage();
    const bar = progress?.();
    try {
      return await replay(trace, { ...options, configs, hash, onProgress: bar?.update });
    } finally {
      bar?.stop();
    }
  };
  // A pass of many lanes is replayed in parts (analyze/sweep.ts nextReplayPart()), each sized by
  // what the replays before it told about the trace; the file's hash comes from the first.
  let scale: TraceScale | undefined;
  const pass = async (configs: ReplayOptions['configs'], hash: boolean) => {
    let result: ReplayResult | null = null;
    for (let rest = configs; rest.length > 0; ) {
      const n = nextReplayPart(rest, options.closedLoop === true, scale);
      const r = await replayPart(rest.slice(0, n), hash && result === null);
      result = result === null ? r : mergeConfigs(trace, result, r);
      scale ??= traceScale(r);
      rest = rest.slice(n);
    }
    return result!;
  };
  const first = await pass(plan.requests, true);
  const firstModel = buildReportData(first, plan.plan);
  const at: QueueSweepAt[] = firstModel.kernels.flatMap((k): QueueSweepAt[] => {
    const g = k.globalAdvice;
    // Unknown: no hint is ever written, so per-queue entries are never read; global size 0: RFS stays off.
    if (g.action === 'unknown' || g.size === 0 || !g.row) return [];
    return [g.action === 'keep' ? { kernel: k.kernel } : { kernel: k.kernel, entries: g.row.entries }];
  });
  if (at.length === 0 || plan.queueSizes.length === 0) return { result: first, model: firstModel };
  const second = planQueueSweep(at, plan.queueSizes, plan.cpus);
  const more = await pass(second.requests, false);
  const result = mergeConfigs(trace, first, more);
  const merged: PlannedConfig[] = [...plan.plan, ...second.plan];
  return { result, model: buildReportData(result, merged) };
}

/** What a replay tells about its trace's size, for the parts after it. */
function traceScale(r: ReplayResult): TraceScale {
  const t = r.trace;
  return { flows: t.distinct_flows, sockets: t.distinct_sockets, queues: Math.max(1, t.header.queues.length), entries: t.header.rps_sock_flow_entries ?? 0 };
}

/**
 * Two replays of one trace as one: the first's trace summary with the
 * configurations of both, in order. The closed loop's evidence (trace.follow)
 * is the reference lane's, the same in every replay that has one: the first
 * that has it.
 */
function mergeConfigs(trace: string, a: ReplayResult, b: ReplayResult): ReplayResult {
  const t1 = a.trace;
  const t2 = b.trace;
  if (t1.rows !== t2.rows || t1.bytes !== t2.bytes || t1.last_ts !== t2.last_ts) throw new UsageError(reportMsg.traceChanged(trace));
  const follow = t1.follow ?? t2.follow;
  return { ...a, trace: follow === t1.follow ? t1 : { ...t1, follow }, configs: [...a.configs, ...b.configs] };
}

/** A folder given alone names the comparison after itself; otherwise "comparison". */
function comparisonName(inputs: string[]): string {
  if (inputs.length === 1) {
    const b = basename(resolve(inputs[0]));
    if (b) return `${b}-comparison`;
  }
  return 'comparison';
}

function relativeHref(from: string, to: string): string {
  return relative(dirname(resolve(from)), resolve(to))
    .split('\\')
    .join('/');
}
