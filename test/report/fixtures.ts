/**
 * Hand-built ReplayResults for renderer tests: every number is chosen here,
 * so expected recommendations and texts can be worked out by hand.
 */
import { COUNTER_NAMES, deriveRatios, type CounterName, type Metrics } from '../../src/types/metrics.js';
import { planReport, type PlanInput, type ReportPlan } from '../../src/analyze/sweep.js';
import type { ReplayOptions } from '../../src/replay/options.js';
import { replayForReport } from '../../src/report/run.js';
import type { ReportData } from '../../src/report/report-data.js';
import type { ConfigRequest } from '../../src/types/config-request.js';
import type { ConfigResult, ReplayResult, TimelineBin, TraceSummary } from '../../src/types/result.js';

export function metrics(counters: Partial<Record<CounterName, number>>, perCpu: number[] = []): Metrics {
  const c = Object.fromEntries(COUNTER_NAMES.map((n) => [n, counters[n] ?? 0])) as Record<CounterName, number>;
  return { ...c, ...deriveRatios(c), per_cpu: perCpu };
}

export function traceSummary(over: Partial<TraceSummary> = {}): TraceSummary {
  return {
    path: 'traces/fixture.csv.gz',
    file: 'fixture.csv.gz',
    bytes: 1234,
    gzip: true,
    sha256: 'ab'.repeat(32),
    format: 'rfs-trace v1',
    header: {
      nr_cpu_ids: 2,
      rps_sock_flow_entries: 128,
      kernel: '6.18.44',
      queues: [{ name: 'lo:0', rps_cpus: [0, 1], rps_flow_cnt: 64 }],
      implicit_queue: false,
    },
    rows: 5000,
    events: { recvmsg: 1000, sendmsg: 1000, accept: 10, splice: 0, state: 40, packet: 1000, deliver: 950 },
    first_ts: 1_000_000_000,
    last_ts: 4_000_000_000,
    time_backwards: 2,
    packets_undelivered: 50,
    deliver_unmatched: 3,
    distinct_flows: 100,
    distinct_sockets: 120,
    active_flows: 40,
    arrival_per_cpu: [600, 400],
    skipped: { total: 0, by_reason: {}, examples: [] },
    ...over,
  };
}

function pow2(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return n === 0 ? 0 : p;
}

export interface FixtureOptions {
  hitsAt?: (entries: number, req: ConfigRequest) => number;
  /** Local packets of the 1000 (all resolved); default: as many as hits (plain RPS: 500). */
  localAt?: (entries: number, flowCnt: number, req: ConfigRequest) => number;
  /** Packets moved off their arrival CPU, of 1000; default 0. */
  crossAt?: (entries: number, flowCnt: number, req: ConfigRequest) => number;
  holdsAt?: (flowCnt: number) => number;
  /** Record events that wrote a slot where a table exists; default 100 (0: no socket side). */
  writes?: number;
  trace?: Partial<TraceSummary>;
  timeline?: { bin_ns: number; bins: TimelineBin[] };
}

/**
 * A result for `plan`: `hitsAt(entries, req)` gives hits out of 1000 lookups
 * for each configuration; `localAt` the local packets of 1000 resolved ones;
 * per-queue sizes set ooo_holds via `holdsAt`. The trace has 100 flows.
 */
export function resultFor(plan: Pick<ReportPlan, 'requests'>, opts: FixtureOptions = {}): ReplayResult {
  const trace = traceSummary(opts.trace);
  const headerEntries = trace.header.rps_sock_flow_entries ?? 0;
  const headerFc = trace.header.queues[0].rps_flow_cnt;
  const configs = plan.requests.map((req): ConfigResult => {
    const entries = req.entries ?? headerEntries;
    const fc = req.flowCnt ?? headerFc;
    const E = pow2(entries);
    const F = pow2(fc);
    const lookups = E > 0 ? 1000 : 0;
    const hits = E > 0 ? (opts.hitsAt?.(E, req) ?? Math.min(1000, Math.round(1000 * (1 - 64 / (E + 64))))) : 0;
    const ooo = E > 0 ? (opts.holdsAt?.(F) ?? 0) : 0;
    const m = metrics(
      {
        packets: 1000,
        lookups,
        hits,
        hits_own: hits,
        misses_empty: lookups - hits,
        steered_rfs: hits,
        steered_rps: 1000 - hits,
        ooo_holds: ooo,
        records: 200,
        writes: E > 0 ? (opts.writes ?? 100) : 0,
        records_zero_hash: E > 0 ? 200 - (opts.writes ?? 100) : 0,
        records_no_table: E > 0 ? 0 : 200,
        deliver_matched: 900,
        agree: E === headerEntries ? 891 : 600,
        local: opts.localAt?.(E, F, req) ?? (E > 0 ? hits : 500),
        cross_cpu: opts.crossAt?.(E, F, req) ?? 0,
      },
      [500, 500],
    );
    return {
      label: `E=${entries} fc=${fc} k=${req.kernel} cpus=${req.cpus ?? 2}`,
      role: req.role ?? 'configured',
      rps_sock_flow_entries: entries,
      entries_effective: E,
      kernel: req.kernel ?? '6.16',
      nr_cpu_ids: req.cpus ?? 2,
      rps_flow_cnt: [fc],
      flow_cnt_effective: [F],
      rps_cpus: [[0, 1]],
      head_model: 'deliver',
      memory_bytes: 4 * E + 8 * F,
      metrics: m,
      queue_occupancy: [{ queue: 'lo:0', slots: F, used: Math.min(F, 10) }],
      sock_table_occupancy: { slots: E, used: Math.min(E, 50) },
      ...(req.timeline && opts.timeline ? { timeline: opts.timeline } : {}),
    };
  });
  return {
    schema: 'rfs-replay/result',
    version: 1,
    tool: { name: 'rfs-replay', version: '0.1.0' },
    command: ['rfs-replay', 'report', 'traces/fixture.csv.gz'],
    trace,
    configs,
  };
}

/** A stand-in for replayFile that answers from `resultFor` and records what it was asked. */
export function fakeReplay(opts: FixtureOptions = {}) {
  const calls: { path: string; options: ReplayOptions }[] = [];
  const replay = async (path: string, options: ReplayOptions): Promise<ReplayResult> => {
    calls.push({ path, options });
    const plan = { requests: options.configs } as ReportPlan;
    const r = resultFor(plan, opts);
    const file = path.split('/').pop()!;
    return { ...r, command: options.command ?? [], trace: { ...r.trace, path, file } };
  };
  return { replay, calls };
}

export function planWith(input: PlanInput = {}): ReportPlan {
  return planReport(input);
}

/** The report model of a fixture result, replayed as `report` does: both passes. */
export async function reportModel(input: PlanInput = {}, opts: FixtureOptions = {}): Promise<ReportData> {
  const { replay } = fakeReplay(opts);
  const path = opts.trace?.path ?? 'traces/fixture.csv.gz';
  return (await replayForReport(path, planReport(input), replay, { command: ['rfs-replay', 'report', 'traces/fixture.csv.gz'] })).model;
}
