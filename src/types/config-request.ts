/** What a caller asks for: one configuration to replay. */
import type { ConfigResult, KernelProfileName } from './result.js';

/** One configuration to replay; anything left out comes from the trace header. */
export interface ConfigRequest {
  role?: ConfigResult['role'];
  /** net.core.rps_sock_flow_entries (0 = RFS off: plain RPS). */
  entries?: number;
  /** rps_flow_cnt for every queue. */
  flowCnt?: number;
  /** nr_cpu_ids (what-if: the CPU mask M changes with it). */
  cpus?: number;
  /** rps_cpus hex mask for every queue. */
  rpsCpus?: string;
  kernel?: KernelProfileName;
  /** Per-queue settings by queue name (another trace's header: `validate --predict`); before rpsCpus/flowCnt. */
  queues?: { name: string; rpsCpus: number[]; flowCnt: number }[];
  /** Collect the time-binned series (hit ratio, stale rate, agreement over time). */
  timeline?: boolean;
  /** Classify disagreements with the kernel's deliver rows (for `validate`). */
  explain?: boolean;
}
