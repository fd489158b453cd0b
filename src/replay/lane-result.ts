/** What a finished lane (one configuration's tables) contributes to its ConfigResult (cloneable across threads). */
import type { FlowTableModel } from '../model/flow-tables.js';
import type { ConfigResult, FollowEvidence } from '../types/result.js';

export type LaneResult = Pick<
  ConfigResult,
  'metrics' | 'queue_occupancy' | 'sock_table_occupancy' | 'per_queue' | 'queue_changes_waiting' | 'timeline' | 'disagreements'
> & {
  /** The reference lane's: the closed loop's evidence (replay/closed-loop.ts). */
  follow?: FollowEvidence | null;
};

export function laneResult(m: FlowTableModel): LaneResult {
  const r: LaneResult = {
    metrics: m.finish(),
    queue_occupancy: m.queueOccupancy(),
    sock_table_occupancy: m.sockTableOccupancy(),
  };
  const perQueue = m.perQueue();
  if (perQueue) {
    r.per_queue = perQueue.queues;
    r.queue_changes_waiting = perQueue.changesWaiting;
  }
  const tl = m.timelineBins();
  if (tl) r.timeline = tl;
  if (m.cfg.loop === 'reference') r.follow = m.followEvidence();
  if (m.cfg.explain) r.disagreements = { by_class: m.disagreements, by_cpu_pair: m.disagreementPairs, examples: m.disagreementExamples };
  return r;
}
