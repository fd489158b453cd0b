/**
 * The versioned data contract between the replay engine and every renderer
 * (text summary, JSON file, HTML report). Renderers read only this.
 */
import type { Metrics, QueueMetrics } from './metrics.js';
import type { ConfigExactness } from './sampling.js';

export const RESULT_SCHEMA = 'rfs-replay/result';
export const RESULT_VERSION = 1;

export type KernelProfileName = '6.16' | '6.15' | '4.10' | '4.0' | '3.19';

export interface QueueSummary {
  name: string;
  /** CPU list of the RPS map, ascending. */
  rps_cpus: number[];
  rps_flow_cnt: number;
}

export interface SkippedRows {
  total: number;
  by_reason: Record<string, number>;
  /** First few skipped rows, with their position and message. */
  examples: { line: number; column: number; reason: string; message: string }[];
}

export interface TraceSummary {
  path: string;
  file: string;
  bytes: number;
  gzip: boolean;
  sha256: string;
  format: string;
  header: {
    nr_cpu_ids: number | null;
    rps_sock_flow_entries: number | null;
    kernel: string | null;
    queues: QueueSummary[];
    implicit_queue: boolean;
  };
  rows: number;
  events: Record<'recvmsg' | 'sendmsg' | 'accept' | 'splice' | 'state' | 'packet' | 'deliver', number>;
  first_ts: number | null;
  last_ts: number | null;
  /** Rows whose ts is smaller than the previous row's (capture reordering). */
  time_backwards: number;
  /** Packets that never got a deliver row (only counted when the trace has deliver rows). */
  packets_undelivered: number;
  /** Deliver rows with no unmatched packet row of the same skb. */
  deliver_unmatched: number;
  distinct_flows: number;
  distinct_sockets: number;
  /**
   * Concurrently active flows: distinct flow hashes with record events per
   * 100 ms of trace time, averaged over the windows that have any.
   */
  active_flows: number;
  /** Packets per arrival CPU (where each packet entered the stack, before steering). */
  arrival_per_cpu: number[];
  /** Deliver rows per CPU: where the kernel really processed packets (empty without deliver rows). */
  deliver_per_cpu: number[];
  /**
   * What the kernel achieved, from the matched deliver rows (null without them):
   * the share on the CPU of the flow's next record event (over resolved packets),
   * and the share moved off the arrival CPU. The kernel's `locality` and
   * `cross_cpu_share` (docs/metrics.md).
   */
  kernel_locality: number | null;
  kernel_cross_cpu_share: number | null;
  skipped: SkippedRows;
  /** Present when only some flows are counted (docs/model.md#flow-sampling). */
  sampling?: SamplingSummary;
  /** The closed loop's evidence; null when no what-if was replayed closed-loop. */
  follow: FollowEvidence | null;
}

/**
 * A flow-sampling rule and how it was applied: `trace` — the trace holds only
 * the kept flows (its header's sample_shift= and sample_bits=, written by
 * `capture --sample`); `replay` — the trace is whole and every counter counts
 * only the rows of kept flows (`replay --keep-sample`), while the lanes
 * replay every row.
 */
export interface SamplingSummary {
  sample_shift: number;
  sample_bits: number;
  /** One flow in this many is kept: 2^sample_bits. */
  one_in: number;
  /** Global tables of at least this many slots (2^(shift + bits)) give kept and dropped flows separate slots. */
  exact_from_entries: number;
  applied: 'trace' | 'replay';
}

/**
 * How strongly the trace's threads followed their packets, the evidence
 * behind the closed-loop what-ifs (docs/model.md, "Closed loop"): at each
 * socket call after a wake-up, where the trace's own configuration processed
 * the wake-up packet against the CPU of the socket's previous call.
 */
export interface FollowEvidence {
  /** Wake-ups processed off the thread's previous CPU, whose call ran on one of the two. */
  wakeups_elsewhere: number;
  /** Of those, calls on the packet's CPU: the thread followed. */
  followed: number;
  /** Distinct sockets among them (each socket counts as one draw). */
  sockets_elsewhere: number;
  /** Wake-ups processed on the thread's previous CPU. */
  wakeups_in_place: number;
  /** Of those, calls on another CPU: moves that were not the packet's doing. */
  moved: number;
  sockets_in_place: number;
  /** Distinct sockets with any wake-up: those that showed none elsewhere count 0 (low) to 1 (high) in the bounds. */
  sockets_woken: number;
  /**
   * The follow rate (a wake-up elsewhere moves the thread to its packet), from
   * the sockets that showed one, and its 95% bounds over every socket woken.
   */
  rate: number;
  rate_low: number;
  rate_high: number;
}

/**
 * A what-if's outcome with threads that follow the packets the what-if places
 * elsewhere (the closed loop), next to the open loop's `metrics` where each
 * call stays on its captured CPU. docs/metrics.md, "Closed loop".
 */
export interface ClosedLoopResult {
  /** At the follow rate's lower bound: following only as much as the trace shows. */
  locality: number | null;
  cross_cpu_share: number | null;
  /** At the follow rate's upper bound. */
  locality_high: number | null;
  cross_cpu_share_high: number | null;
  /** The range: from the lowest to the highest of the open loop, the closed loop and the closed loop at the upper bound. */
  locality_range: [number, number] | null;
  cross_cpu_share_range: [number, number] | null;
}

export interface TimelineBin {
  /** Bin start, ns since the first row. */
  t: number;
  packets: number;
  lookups: number;
  hits: number;
  misses_collision: number;
  /** Hits resolved by a later record event of their flow, and how many of those were stale. */
  hits_resolved: number;
  hits_stale: number;
  deliver_matched: number;
  agree: number;
}

export interface ConfigResult {
  /** Short label, e.g. "E=1024 fc=64 k=6.16 cpus=2". */
  label: string;
  /**
   * What the configuration is for: the trace's own settings ('configured', also for a sweep
   * point or what-if that comes out equal to them), a sweep point, a what-if, or the no-RFS baseline.
   */
  role: 'configured' | 'sweep' | 'rps-baseline' | 'what-if';
  /** As requested (the sysctl value); the table has `entries_effective` slots. */
  rps_sock_flow_entries: number;
  entries_effective: number;
  kernel: KernelProfileName;
  nr_cpu_ids: number;
  /** Per queue, as requested and as rounded up. */
  rps_flow_cnt: number[];
  flow_cnt_effective: number[];
  rps_cpus: number[][];
  head_model: string;
  /** Bytes the kernel allocates for these tables: 4 per global slot, 8 per per-queue slot. */
  memory_bytes: number;
  metrics: Metrics;
  /** Per-queue slots that ever held a flow, out of all slots. */
  queue_occupancy: { queue: string; slots: number; used: number }[];
  /** Global slots holding a value other than 0xffff at the end. */
  sock_table_occupancy: { slots: number; used: number };
  /**
   * A trace with several RX queues: the packet-side counters per queue, in
   * header order (each counter sums over the queues to the configuration's).
   */
  per_queue?: QueueMetrics[];
  /**
   * With per_queue: packets that arrived on another queue than their flow's
   * packets still waiting for its next socket call. Those waiting packets'
   * locality is counted under the later queue; 0 means per_queue is exact.
   */
  queue_changes_waiting?: number;
  timeline?: { bin_ns: number; bins: TimelineBin[] };
  /** With flow sampling (trace.sampling): which metrics are exact for the kept flows, which are estimates. */
  sampling?: ConfigExactness;
  /** The what-if with threads that follow its packets; null for the trace's own configuration and without the closed loop. */
  closed_loop: ClosedLoopResult | null;
  /** With `explain`: matched deliver rows where the model chose another CPU, by how the model routed them. */
  disagreements?: {
    by_class: Record<string, number>;
    /** "model>kernel" CPU pairs, e.g. "1>0": 12. */
    by_cpu_pair: Record<string, number>;
    examples: { line: number; rxhash: string; model_cpu: number; kernel_cpu: number; class: string }[];
  };
}

export interface ReplayResult {
  schema: typeof RESULT_SCHEMA;
  version: typeof RESULT_VERSION;
  tool: { name: string; version: string };
  command: string[];
  trace: TraceSummary;
  configs: ConfigResult[];
}
