/**
 * Which replayed configuration is the one the kernel ran. A trace's deliver
 * rows are the kernel's decisions under the trace's own settings, so
 * agreement with them means something only for a configuration with exactly
 * those settings; for any other (a sweep point, plain RPS, another profile
 * or CPU count) it would read as model error.
 *
 * A setting the trace does not state (an importer's trace has no table
 * sizes, a header may have no kernel release) cannot be checked: whatever the
 * replay used for it stands in for the unknown value.
 */
import type { ConfigResult, KernelProfileName, TraceSummary } from './result.js';

/**
 * The profile that models a kernel release ("6.18.44-fc-v782", "5.15.0-91-generic",
 * "2.6.35"), by the version ranges of the profiles (src/model/kernel.ts); null when
 * the release cannot be read or predates RFS (2.6.35).
 */
export function kernelProfileOfRelease(release: string): KernelProfileName | null {
  const m = /^\s*(\d+)\.(\d+)(?:\.(\d+))?/.exec(release);
  if (!m) return null;
  const v = [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)];
  const atLeast = (a: number, b: number, c = 0) => (v[0] !== a ? v[0] > a : v[1] !== b ? v[1] > b : v[2] >= c);
  if (atLeast(6, 16)) return '6.16';
  if (atLeast(6, 15)) return '6.15';
  if (atLeast(4, 10)) return '4.10';
  if (atLeast(4, 0)) return '4.0';
  if (atLeast(2, 6, 35)) return '3.19';
  return null;
}

function roundUpPowerOfTwo(n: number): number {
  let p = 1;
  while (p < n) p *= 2;
  return n === 0 ? 0 : p;
}

function sameList(a: readonly number[], b: readonly number[]): boolean {
  return a.length === b.length && a.every((x, i) => x === b[i]);
}

/**
 * True when `c` replays the trace's own configuration: queue heads from the
 * deliver rows, and every setting the header states (nr_cpu_ids, the global
 * and per-queue table sizes as the kernel rounds them, each queue's RPS map,
 * the profile of the kernel release).
 */
export function isTraceOwnConfig(c: ConfigResult, t: TraceSummary): boolean {
  const h = t.header;
  if (c.head_model !== 'deliver') return false;
  if (h.nr_cpu_ids !== null && c.nr_cpu_ids !== h.nr_cpu_ids) return false;
  if (h.rps_sock_flow_entries !== null && c.entries_effective !== roundUpPowerOfTwo(h.rps_sock_flow_entries)) return false;
  const profile = h.kernel === null ? null : kernelProfileOfRelease(h.kernel);
  if (profile !== null && c.kernel !== profile) return false;
  // The implicit queue is no statement about the queues (an importer's trace has it).
  if (!h.implicit_queue) {
    if (c.flow_cnt_effective.length !== h.queues.length) return false;
    for (let i = 0; i < h.queues.length; i++) {
      if (c.flow_cnt_effective[i] !== roundUpPowerOfTwo(h.queues[i].rps_flow_cnt)) return false;
      if (!sameList(c.rps_cpus[i] ?? [], h.queues[i].rps_cpus)) return false;
    }
  }
  return true;
}

/** The configurations with `agreement` null wherever the kernel did not run them (the counters stay). */
export function agreementWhereKernelRan(configs: ConfigResult[], t: TraceSummary): ConfigResult[] {
  return configs.map((c) => (c.metrics.agreement === null || isTraceOwnConfig(c, t) ? c : { ...c, metrics: { ...c.metrics, agreement: null } }));
}
