/**
 * CPU-count what-ifs that change nothing. nr_cpu_ids enters the model in two
 * places (get_rps_cpu(), net/core/dev.c): the RPS maps keep only CPUs below
 * it, and rps_cpu_mask = roundup_pow_of_two(nr_cpu_ids) - 1 decides which
 * low hash bits a sock flow table slot gives to the CPU
 * (rps_record_sock_flow(), include/net/rps.h). When neither differs in a way
 * this trace can see, a what-if row repeats the trace's own row to the last
 * counter; the reader is told so, and why, instead of puzzling over two
 * identical rows.
 */
import { cpuWhatIfMsg } from '../messages.js';
import { KERNEL_PROFILES } from '../model/kernel.js';
import { COUNTER_NAMES } from '../types/metrics.js';
import type { ConfigResult, ReplayResult } from '../types/result.js';

/** One line per what-if CPU count whose rows all repeat the rows at the trace's own count. */
export function unchangedCpuWhatIfNotes(result: ReplayResult): string[] {
  const own = ownCpuCount(result);
  if (own === null) return [];
  const atOwn = result.configs.filter((c) => c.nr_cpu_ids === own);
  const byCount = new Map<number, { row: ConfigResult; twin: ConfigResult | undefined }[]>();
  for (const row of result.configs) {
    if (row.nr_cpu_ids === own) continue;
    const twin = atOwn.find((o) => sameTables(o, row));
    byCount.set(row.nr_cpu_ids, [...(byCount.get(row.nr_cpu_ids) ?? []), { row, twin }]);
  }
  const notes: string[] = [];
  for (const [count, pairs] of [...byCount].sort((a, b) => a[0] - b[0])) {
    // Every row of this count must have its twin at the trace's own count and repeat it exactly.
    if (!pairs.every((p) => p.twin !== undefined && sameCounters(p.row, p.twin))) continue;
    // The smallest table is where a wider mask could matter first: its reason holds for the others.
    const smallest = [...pairs].sort((a, b) => a.row.entries_effective - b.row.entries_effective)[0];
    notes.push(cpuWhatIfMsg.unchanged(count, own, reason(smallest.row, smallest.twin!, count, own)));
  }
  return notes;
}

/** The trace's own nr_cpu_ids: that of its own configuration's row, else the header's. */
function ownCpuCount(result: ReplayResult): number | null {
  return result.configs.find((c) => c.role === 'configured')?.nr_cpu_ids ?? result.trace.header.nr_cpu_ids;
}

function sameTables(a: ConfigResult, b: ConfigResult): boolean {
  return (
    a.kernel === b.kernel &&
    a.entries_effective === b.entries_effective &&
    a.head_model === b.head_model &&
    a.flow_cnt_effective.length === b.flow_cnt_effective.length &&
    a.flow_cnt_effective.every((n, i) => n === b.flow_cnt_effective[i])
  );
}

function sameCounters(a: ConfigResult, b: ConfigResult): boolean {
  if (!COUNTER_NAMES.every((k) => a.metrics[k] === b.metrics[k])) return false;
  // per_cpu is as long as each row's nr_cpu_ids; the CPUs one row lacks hold no packet in the other.
  const pa = a.metrics.per_cpu;
  const pb = b.metrics.per_cpu;
  for (let i = 0; i < Math.max(pa.length, pb.length); i++) if ((pa[i] ?? 0) !== (pb[i] ?? 0)) return false;
  return true;
}

function sameMaps(a: ConfigResult, b: ConfigResult): boolean {
  return a.rps_cpus.length === b.rps_cpus.length && a.rps_cpus.every((m, i) => m.length === b.rps_cpus[i].length && m.every((c, j) => c === b.rps_cpus[i][j]));
}

function cpuMask(nr: number): number {
  let p = 1;
  while (p < nr) p *= 2;
  return p - 1;
}

/**
 * Why the what-if row at `count` repeats the row at `own`. The replay refuses
 * a what-if below a CPU the trace uses, so the trace's CPUs are below both
 * counts whenever there is a row to explain.
 */
function reason(row: ConfigResult, twin: ConfigResult, count: number, own: number): string {
  const low = Math.min(count, own);
  const masks = [cpuMask(own), cpuMask(count)];
  if (!sameMaps(row, twin)) return cpuWhatIfMsg.byData(low);
  if (row.entries_effective === 0) return cpuWhatIfMsg.rfsOff(low);
  if (masks[0] === masks[1]) return cpuWhatIfMsg.sameMask(low, masks[0]);
  if (!KERNEL_PROFILES[row.kernel].collisionDetection) return cpuWhatIfMsg.noHashBits(low, row.kernel);
  if (row.entries_effective > Math.max(...masks)) return cpuWhatIfMsg.maskInIndex(low, masks, row.entries_effective);
  return cpuWhatIfMsg.maskBeyondIndex(low, masks, row.entries_effective);
}
