/**
 * Result assembly: what one pass over a trace found, put together as the
 * ReplayResult the reports and `--json` read (its schema: types/result.ts).
 */
import { basename } from 'node:path';
import type { ReadResult } from '../ingest/read.js';
import { EventKind } from '../ingest/trace.js';
import { tableMemoryBytes, type ResolvedConfig } from '../model/config.js';
import type { TraceCounts } from '../model/flow-tables.js';
import {
  type ClosedLoopResult,
  type ConfigResult,
  type FollowEvidence,
  RESULT_SCHEMA,
  RESULT_VERSION,
  type ReplayResult,
  type TraceSummary,
} from '../types/result.js';
import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import type { DeliverMatcher } from './deliver-matching.js';
import type { LaneResult } from './lane-result.js';

/** The trace: its file and header (the reader), its statistics (the bank that numbered flows) and deliver matching's counts. */
export function traceSummary(
  path: string,
  read: ReadResult,
  counts: TraceCounts,
  delivers: DeliverMatcher,
  follow: FollowEvidence | null = null,
): TraceSummary {
  const h = read.header;
  const ev = (k: number) => counts.events[k];
  return {
    path,
    file: basename(path),
    bytes: read.source.bytes,
    gzip: read.source.gzip,
    sha256: read.source.sha256,
    format: read.source.format,
    header: {
      nr_cpu_ids: h.nrCpuIds ?? null,
      rps_sock_flow_entries: h.rpsSockFlowEntries ?? null,
      kernel: h.kernel ?? null,
      queues: h.queues.map((q) => ({ name: q.name, rps_cpus: q.rpsCpus, rps_flow_cnt: q.rpsFlowCnt })),
      implicit_queue: h.implicitQueue,
    },
    rows: delivers.rows,
    events: {
      recvmsg: ev(EventKind.Recvmsg),
      sendmsg: ev(EventKind.Sendmsg),
      accept: ev(EventKind.Accept),
      splice: ev(EventKind.Splice),
      state: ev(EventKind.State),
      packet: ev(EventKind.Packet),
      deliver: ev(EventKind.Deliver),
    },
    first_ts: Number.isNaN(counts.firstTs) ? null : counts.firstTs,
    last_ts: Number.isNaN(counts.lastTs) ? null : counts.lastTs,
    time_backwards: counts.timeBackwards,
    packets_undelivered: delivers.sawDeliver ? delivers.packets - delivers.deliverMatched : 0,
    deliver_unmatched: delivers.deliverUnmatched,
    distinct_flows: counts.distinctFlows,
    distinct_sockets: counts.distinctSockets ?? read.distinctSockets,
    active_flows: counts.activeFlows,
    arrival_per_cpu: counts.arrivalPerCpu,
    deliver_per_cpu: delivers.sawDeliver ? Array.from(delivers.deliverPerCpu) : [],
    kernel_locality: delivers.outcomes.locality(),
    kernel_cross_cpu_share: delivers.outcomes.crossCpuShare(),
    skipped: { total: read.skipped.total, by_reason: read.skipped.byReason, examples: read.skipped.examples },
    follow,
  };
}

/** Each configuration as asked for and as resolved, with its lane's results (`lanes[i]` is `configs[i]`'s) and its closed loop. */
export function configResults(configs: ResolvedConfig[], lanes: LaneResult[], sawDeliver: boolean, closed: (ClosedLoopResult | null)[] = []): ConfigResult[] {
  return configs.map((c, i) => ({
    label: c.label,
    role: c.role,
    rps_sock_flow_entries: c.entries,
    entries_effective: c.slots,
    kernel: c.kernel.name,
    nr_cpu_ids: c.nrCpuIds,
    rps_flow_cnt: c.queues.map((q) => q.flowCnt),
    flow_cnt_effective: c.queues.map((q) => q.slots),
    rps_cpus: c.queues.map((q) => Array.from(q.map)),
    head_model: c.fifoNs > 0 ? `fifo:${c.fifoNs}ns` : sawDeliver ? 'deliver' : 'instant',
    memory_bytes: tableMemoryBytes(c),
    ...laneFields(lanes[i]),
    closed_loop: closed[i] ?? null,
  }));
}

/** A lane's result without the reference lane's evidence (which goes to the trace summary). */
function laneFields(l: LaneResult): Omit<LaneResult, 'follow'> {
  const { follow: _, ...rest } = l;
  return rest;
}

/** The result's envelope: schema, tool and command line around the trace and its configurations. */
export function replayResult(command: string[], trace: TraceSummary, configs: ConfigResult[]): ReplayResult {
  return {
    schema: RESULT_SCHEMA,
    version: RESULT_VERSION,
    tool: { name: TOOL_NAME, version: TOOL_VERSION },
    command,
    trace,
    configs,
  };
}
