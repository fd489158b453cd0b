/**
 * Turns a ConfigRequest plus the trace's configuration snapshot into the exact
 * table geometry the kernel would build from the same sysctl/sysfs writes.
 */
import { UsageError } from '../errors.js';
import type { TraceHeader } from '../ingest/trace.js';
import { MAX_FLOW_CNT, MAX_SOCK_FLOW_ENTRIES, parseHexMask } from '../ingest/v1/header.js';
import { optMsg } from '../messages.js';
import type { ConfigRequest } from '../types/config-request.js';
import { kernelProfileOfRelease } from '../types/own-config.js';
import type { ConfigResult, KernelProfileName } from '../types/result.js';
import { DEFAULT_KERNEL, KERNEL_PROFILES, type KernelProfile, log2Exact, roundupPowerOfTwo } from './kernel.js';

export interface ResolvedQueue {
  name: string;
  /** rps_map->cpus: the CPUs of rps_cpus in ascending order (store_rps_map()). */
  map: Uint16Array;
  /** rps_flow_cnt as written, and the table size the kernel allocates (0 = no table). */
  flowCnt: number;
  slots: number;
  /** rps_dev_flow_table->log = ilog2(slots). */
  log: number;
}

/**
 * How a lane replays socket calls (wasm/lanes.ts closedLoopCpu()): each on the
 * CPU it ran on in the trace (open, the default); as the trace's own
 * configuration whose placement the closed lanes compare with (reference); or
 * moving the calls of threads that would have followed this lane's packets,
 * at the lower or upper bound of the follow rate the trace shows.
 */
export type LoopKind = 'open' | 'reference' | 'follow-low' | 'follow-high';

export interface ResolvedConfig {
  label: string;
  role: ConfigResult['role'];
  kernel: KernelProfile;
  nrCpuIds: number;
  /** rps_cpu_mask = roundup_pow_of_two(nr_cpu_ids) - 1. */
  cpuMask: number;
  /** rps_sock_flow_entries as written, and the slots allocated (rps_sock_flow_sysctl() rounds up). */
  entries: number;
  slots: number;
  queues: ResolvedQueue[];
  /** 0: heads follow deliver rows (or move at once before the first); >0: FIFO, one packet per fifoNs. */
  fifoNs: number;
  timeline: boolean;
  explain: boolean;
  /** nr_cpu_ids of the trace itself; CPU ids at or above a smaller what-if nr_cpu_ids are folded. */
  traceNrCpuIds: number;
  /** Absent: 'open'. */
  loop?: LoopKind;
}

function checkCount(what: string, n: number, max: number): void {
  if (!Number.isInteger(n) || n < 0) throw new UsageError(optMsg.badCount(what, String(n)));
  if (n > max) throw new UsageError(optMsg.countTooLarge(what, n, max));
}

/**
 * The profile a trace is replayed with when none is asked for: the one that
 * models the release in its `kernel=` header, else the default (a trace that
 * names no kernel, or one this tool cannot read).
 */
export function traceKernelProfile(release: string | null | undefined): KernelProfileName {
  return (release ? kernelProfileOfRelease(release) : null) ?? DEFAULT_KERNEL;
}

/**
 * Resolves `req` against the trace's header. A what-if or sweep request that
 * comes out with exactly the trace's own configuration (what the empty request
 * resolves to: same nr_cpu_ids, kernel profile, table sizes as the kernel
 * rounds them and RPS maps) is the trace's own, however it was asked for
 * (`--entries 128` on a 128-slot trace), and gets the role 'configured'.
 */
export function resolveConfig(header: TraceHeader, traceNrCpuIds: number, req: ConfigRequest, fifoNs = 0): ResolvedConfig {
  const c = resolveGeometry(header, traceNrCpuIds, req, fifoNs);
  if ((c.role === 'what-if' || c.role === 'sweep') && sameGeometry(c, resolveGeometry(header, traceNrCpuIds, {}, fifoNs))) c.role = 'configured';
  return c;
}

/** Same tables, maps, CPU count and profile: the two replay identically. */
function sameGeometry(a: ResolvedConfig, b: ResolvedConfig): boolean {
  if (a.nrCpuIds !== b.nrCpuIds || a.kernel.name !== b.kernel.name || a.slots !== b.slots || a.queues.length !== b.queues.length) return false;
  return a.queues.every(
    (q, i) => q.slots === b.queues[i].slots && q.map.length === b.queues[i].map.length && q.map.every((cpu, j) => cpu === b.queues[i].map[j]),
  );
}

function resolveGeometry(header: TraceHeader, traceNrCpuIds: number, req: ConfigRequest, fifoNs: number): ResolvedConfig {
  const nrCpuIds = req.cpus ?? traceNrCpuIds;
  if (!Number.isInteger(nrCpuIds) || nrCpuIds < 1 || nrCpuIds > 65535) throw new UsageError(optMsg.badCpus(String(nrCpuIds)));
  const kernelName = req.kernel ?? traceKernelProfile(header.kernel);
  const kernel = KERNEL_PROFILES[kernelName];
  if (!kernel) throw new UsageError(optMsg.unknownKernel(String(kernelName)));
  const entries = req.entries ?? header.rpsSockFlowEntries ?? 0;
  checkCount('rps_sock_flow_entries', entries, MAX_SOCK_FLOW_ENTRIES);
  const slots = roundupPowerOfTwo(entries);

  let overrideMap: number[] | null = null;
  if (req.rpsCpus !== undefined) {
    overrideMap = parseHexMask(req.rpsCpus);
    if (!overrideMap) throw new UsageError(optMsg.badRpsCpus(req.rpsCpus));
  }
  if (req.flowCnt !== undefined) checkCount('rps_flow_cnt', req.flowCnt, MAX_FLOW_CNT);

  const queues = header.queues.map((q): ResolvedQueue => {
    const named = req.queues?.find((x) => x.name === q.name);
    let cpus = overrideMap ?? named?.rpsCpus ?? (header.implicitQueue ? [...Array(nrCpuIds).keys()] : q.rpsCpus);
    // A what-if with fewer CPUs keeps only the CPUs that still exist.
    cpus = cpus.filter((c) => c < nrCpuIds);
    if (overrideMap?.some((c) => c >= nrCpuIds)) {
      throw new UsageError(optMsg.rpsCpusBeyond(req.rpsCpus!, nrCpuIds));
    }
    const flowCnt = req.flowCnt ?? named?.flowCnt ?? (header.implicitQueue ? entries : q.rpsFlowCnt);
    const qSlots = roundupPowerOfTwo(flowCnt);
    return { name: q.name, map: Uint16Array.from(cpus), flowCnt, slots: qSlots, log: qSlots > 0 ? log2Exact(qSlots) : 0 };
  });

  const role = req.role ?? 'configured';
  const fc = [...new Set(queues.map((q) => sizeLabel(q.flowCnt, q.slots)))].join('/');
  const label = `E=${sizeLabel(entries, slots)} fc=${fc} k=${kernel.name} cpus=${nrCpuIds}`;
  return {
    label,
    role,
    kernel,
    nrCpuIds,
    cpuMask: roundupPowerOfTwo(nrCpuIds) - 1,
    entries,
    slots,
    queues,
    fifoNs,
    timeline: req.timeline ?? false,
    explain: req.explain ?? false,
    traceNrCpuIds,
  };
}

/** A size as written, and the table the kernel makes of it when that differs: "100→128". */
function sizeLabel(written: number, slots: number): string {
  return written === slots ? String(written) : `${written}→${slots}`;
}

/** Bytes the kernel allocates for the tables: u32 per global slot, struct rps_dev_flow (8 bytes) per queue slot. */
export function tableMemoryBytes(c: ResolvedConfig): number {
  return c.slots * 4 + c.queues.reduce((s, q) => s + q.slots * 8, 0);
}
