/**
 * Which configurations a report replays, in two passes over the trace.
 *
 * First pass (planReport), for every kernel profile asked for:
 *  - the trace's own settings (role 'configured', with the time series);
 *  - a sweep of global table sizes, per-queue tables as in the header;
 *  - with CPU-count what-ifs (--cpus 4,8): the configured settings again at
 *    each nr_cpu_ids asked for (rps_cpu_mask changes with it).
 * Once per report:
 *  - plain RPS (no global table) — the gain RFS has to beat. Where packets
 *    arrived comes with the trace summary (arrival_per_cpu), not a config.
 *
 * Second pass (planQueueSweep): per kernel, a sweep of per-queue table sizes
 * with the global table at the size the first pass recommends, so the
 * per-queue advice holds for the global table the reader is told to set.
 * That size is known only after the first pass; sweeping per-queue sizes at
 * every candidate global size instead would multiply the lanes (memory and
 * time) by the number of global sizes. The per-queue lanes leave the first
 * pass, so the report's peak memory is the larger pass's, not their sum; the
 * price is a second read of the trace. With the closed loop, a pass whose
 * lanes would hold more than PART_BYTES is replayed in parts
 * (nextReplayPart()), for the same reason.
 *
 * The engine returns configurations in request order; `plan` runs parallel
 * to the requests and says what each one is for.
 */
import type { ConfigRequest } from '../types/config-request.js';
import type { KernelProfileName } from '../types/result.js';

export type PlanGroup = 'configured' | 'global-sweep' | 'queue-sweep' | 'cpu-whatif' | 'rps-baseline';

export interface PlannedConfig {
  group: PlanGroup;
  kernel: KernelProfileName;
  /** The nr_cpu_ids asked for, on 'cpu-whatif' configurations. */
  cpus?: number;
  /** On 'queue-sweep' configurations: the global size they were replayed at (absent: the header's). */
  entries?: number;
}

export interface ReportPlan {
  requests: ConfigRequest[];
  plan: PlannedConfig[];
  /** The global sizes swept, and the per-queue sizes the second pass sweeps, ascending. */
  globalSizes: number[];
  queueSizes: number[];
  kernels: KernelProfileName[];
  /** The CPU-count what-ifs, ascending (empty without --cpus 4,8). */
  cpuWhatIf: number[];
  /** nr_cpu_ids of every configuration (--cpus N), for the second pass too. */
  cpus?: number;
}

/** Kernel limits (rps_sock_flow_sysctl, store_rps_dev_flow_table_cnt). */
export const MAX_GLOBAL_ENTRIES = 2 ** 29;
export const MAX_FLOW_CNT = 2 ** 30;

/**
 * Default sweep bounds. 2^18 slots is 8x the 32768 that tuning guides
 * suggest, and 4x a table that gives each of 65536 flows a slot of its
 * own; a trace with more distinct flows than that gets a coverage note in
 * the report naming the --entries list to pass. Per-queue tables start
 * smaller because they are per RX queue: 8 slots is a realistic setting on
 * NICs with many queues.
 */
export const DEFAULT_GLOBAL_MIN = 64;
export const DEFAULT_QUEUE_MIN = 8;
export const DEFAULT_SWEEP_MAX = 2 ** 18;
/**
 * Per-queue tables stop at 32768, the size the kernel's scaling.rst suggests for
 * a single queue: a table per queue of 2^18 entries costs 4 MiB per queue per
 * configuration (16 queues: 64 MiB) and never pays off for a single RX queue's flows.
 */
export const DEFAULT_QUEUE_MAX = 2 ** 15;

/** Powers of two from `min` to `max`, both rounded up to powers of two. */
export function powersOfTwo(min: number, max: number): number[] {
  const out: number[] = [];
  let p = 1;
  while (p < min) p *= 2;
  for (; p <= max; p *= 2) out.push(p);
  return out;
}

export const DEFAULT_KERNEL: KernelProfileName = '6.16';

export interface PlanInput {
  /** Global sizes to sweep (--entries); default: powers of two 64..2^18. */
  entries?: number[];
  /** Per-queue sizes to sweep (--flow-cnt); default: powers of two 8..2^15. */
  flowCnt?: number[];
  /** Kernel profiles (--kernel); the first is the primary one. Default [6.16]. */
  kernels?: KernelProfileName[];
  /** nr_cpu_ids for every configuration (--cpus N, a single value). */
  cpus?: number;
  /**
   * CPU-count what-ifs (--cpus 4,8, several values): the configured settings
   * are replayed again at each nr_cpu_ids, next to the trace's own.
   */
  cpuWhatIf?: number[];
}

export function planReport(input: PlanInput = {}): ReportPlan {
  const globalSizes = sortedUnique(input.entries ?? powersOfTwo(DEFAULT_GLOBAL_MIN, DEFAULT_SWEEP_MAX));
  const queueSizes = sortedUnique(input.flowCnt ?? powersOfTwo(DEFAULT_QUEUE_MIN, DEFAULT_QUEUE_MAX));
  const kernels = uniqueInOrder(input.kernels?.length ? input.kernels : [DEFAULT_KERNEL]);
  const cpus = input.cpus !== undefined ? { cpus: input.cpus } : {};

  const requests: ConfigRequest[] = [];
  const plan: PlannedConfig[] = [];
  const add = (group: PlanGroup, kernel: KernelProfileName, req: ConfigRequest) => {
    requests.push({ ...cpus, ...req, kernel });
    plan.push(req.cpus !== undefined && group === 'cpu-whatif' ? { group, kernel, cpus: req.cpus } : { group, kernel });
  };
  const cpuWhatIf = sortedUnique(input.cpuWhatIf ?? []);

  for (const kernel of kernels) {
    // explain: classify disagreements with the kernel's deliver rows, where present.
    add('configured', kernel, { role: 'configured', timeline: true, explain: true });
    for (const entries of globalSizes) add('global-sweep', kernel, { role: 'sweep', entries });
    for (const n of cpuWhatIf) add('cpu-whatif', kernel, { role: 'what-if', cpus: n });
  }
  add('rps-baseline', kernels[0], { role: 'rps-baseline', entries: 0 });

  return { requests, plan, globalSizes, queueSizes, kernels, cpuWhatIf, ...(input.cpus !== undefined ? { cpus: input.cpus } : {}) };
}

/** Per kernel, the global size to sweep per-queue sizes at; absent `entries` means the header's own. */
export interface QueueSweepAt {
  kernel: KernelProfileName;
  entries?: number;
}

/** The second pass: each kernel's per-queue sweep at its recommended global size. */
export function planQueueSweep(at: QueueSweepAt[], queueSizes: number[], cpus?: number): { requests: ConfigRequest[]; plan: PlannedConfig[] } {
  const requests: ConfigRequest[] = [];
  const plan: PlannedConfig[] = [];
  for (const { kernel, entries } of at) {
    for (const flowCnt of queueSizes) {
      requests.push({ ...(cpus !== undefined ? { cpus } : {}), role: 'sweep', ...(entries !== undefined ? { entries } : {}), flowCnt, kernel });
      plan.push(entries !== undefined ? { group: 'queue-sweep', kernel, entries } : { group: 'queue-sweep', kernel });
    }
  }
  return { requests, plan };
}

/**
 * Lanes one replay of a report pass holds at most before the trace's size is
 * known (nextReplayPart()). With the closed loop each what-if takes three:
 * its open loop and its closed loop at both bounds of the follow rate.
 */
export const CLOSED_LOOP_LANES_PER_REPLAY = 24;

/** What the first replay of a trace told about it, to weigh configurations by the memory of their lanes. */
export interface TraceScale {
  flows: number;
  sockets: number;
  queues: number;
  /** The header's global table size (a configuration without `entries` has it). */
  entries: number;
}

/**
 * Bytes of lane state one replay of a pass may hold, as laneBytes() weighs
 * them. What grows with a trace's length is the state kept per flow and per
 * socket, and a long trace with churn has ever more of both (the bench's
 * 182,016 flows at 10M rows, 315,740 at 100M). So a pass is cut into parts by
 * this budget, not by a number of lanes: a longer trace takes more reads of
 * the file, not more memory (bench/README.md, "Memory").
 */
export const PART_BYTES = 140 << 20;

/**
 * Bytes one configuration's closed-loop lanes hold, about: per lane and flow
 * 16 (its waiting packets' run is 8, model/lane-layout.ts RUN_WORDS; a
 * replay of the bench's 10M-row trace, 182,016 flows, held 2.6-2.75 MiB more
 * per lane, tables aside, measured from 7 to 25 lanes with the closed loop
 * and from 2 to 8 without); per closed lane and socket the thread's CPU (two
 * of the three lanes); per lane its rps_sock_flow_table (SOCK_SLOT_WORDS) and
 * its per-queue tables (DEV_FLOW_WORDS per entry and queue, written when
 * placed: a per-queue sweep's large sizes hold most of its memory).
 */
export function laneBytes(c: ConfigRequest, scale: TraceScale): number {
  const perLane = 16 * scale.flows + 8 * (c.entries ?? scale.entries) + 16 * scale.queues * (c.flowCnt ?? 0);
  return 3 * perLane + 2 * 4 * scale.sockets;
}

/**
 * How many of `configs`' first configurations the next replay of a pass
 * holds. Without the closed loop, all (a lane each). With it:
 *  - before the trace's scale is known, all while their lanes fit
 *    CLOSED_LOOP_LANES_PER_REPLAY; otherwise the first alone, whose replay
 *    tells the scale for the rest;
 *  - once it is, the fewest parts whose laneBytes() each fit PART_BYTES (a
 *    configuration that does not fits alone), cut where the heaviest part
 *    is lightest: the first of them.
 */
export function nextReplayPart(configs: ConfigRequest[], closedLoop: boolean, scale?: TraceScale): number {
  if (!closedLoop || configs.length === 0) return configs.length;
  if (!scale) return 3 * configs.length <= CLOSED_LOOP_LANES_PER_REPLAY ? configs.length : 1;
  const weights = configs.map((c) => laneBytes(c, scale));
  const weight = (part: ConfigRequest[]) => part.reduce((a, c) => a + laneBytes(c, scale), 0);
  // The fewest parts whose heaviest fits (a configuration alone may not: it is a part of its own).
  for (let parts = Math.max(1, Math.ceil(weight(configs) / PART_BYTES)); ; parts++) {
    const cut = cutEvenly(configs, weights, parts);
    if (parts >= configs.length || cut.every((p) => p.length === 1 || weight(p) <= PART_BYTES)) return cut[0].length;
  }
}

/** `xs` cut into `parts` runs in order, the heaviest run as light as can be (the first such cut). */
function cutEvenly<T>(xs: T[], w: number[], parts: number): T[][] {
  const n = xs.length;
  // best[k][i]: the lightest heaviest run of xs[i..] cut into k runs; cut[k][i]: where its first run ends.
  const sum = (i: number, j: number) => w.slice(i, j).reduce((a, b) => a + b, 0);
  const best: number[][] = [Array.from({ length: n + 1 }, (_, i) => (i === n ? 0 : Infinity))];
  const cut: number[][] = [[]];
  for (let k = 1; k <= parts; k++) {
    best.push([]);
    cut.push([]);
    for (let i = 0; i <= n; i++) {
      best[k][i] = i === n ? 0 : Infinity;
      cut[k][i] = n;
      for (let j = i + 1; j <= n; j++) {
        const heaviest = Math.max(sum(i, j), best[k - 1][j]);
        if (heaviest < best[k][i]) {
          best[k][i] = heaviest;
          cut[k][i] = j;
        }
      }
    }
  }
  const out: T[][] = [];
  for (let k = parts, i = 0; i < n; k--) {
    const j = cut[k][i];
    out.push(xs.slice(i, j));
    i = j;
  }
  return out;
}

function sortedUnique(xs: number[]): number[] {
  return [...new Set(xs)].sort((a, b) => a - b);
}

function uniqueInOrder<T>(xs: T[]): T[] {
  return [...new Set(xs)];
}
