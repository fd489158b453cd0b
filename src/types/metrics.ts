/**
 * The metric set of the contract (docs/metrics.md), JSON names as
 * written there. Counters are integers; ratios are derived, never counted.
 */

export const COUNTER_NAMES = [
  // socket side
  'records',
  'records_state_skipped',
  'records_zero_hash',
  'writes',
  'writes_avoided',
  // beyond the contract: records while rps_sock_flow_entries is 0 (no table to write)
  'records_no_table',
  'evictions',
  'deletes',
  // packet side
  'packets',
  'lookups',
  'hits',
  'hits_own',
  'hits_aliased',
  'misses_empty',
  'misses_collision',
  'misses_invalid_cpu',
  'hits_stale',
  'hits_unresolved',
  'steered_rfs',
  'steered_rps',
  'not_steered',
  'cross_cpu',
  'slot_switches',
  'ooo_holds',
  'slot_conflicts',
  'local',
  'local_unresolved',
  // kernel agreement (deliver events)
  'deliver_matched',
  'deliver_unmatched',
  'agree',
  // beyond the contract: 3.19 clears a socket's old slot when its rxhash changes
  'rehash_clears',
] as const;
export type CounterName = (typeof COUNTER_NAMES)[number];

/**
 * The counters as one class with every field declared up front, so the hot
 * path increments in-object fields (a record built key by key would fall back
 * to a dictionary and cost a hash lookup per increment).
 */
export class Counters implements Record<CounterName, number> {
  records = 0;
  records_state_skipped = 0;
  records_zero_hash = 0;
  writes = 0;
  writes_avoided = 0;
  records_no_table = 0;
  evictions = 0;
  deletes = 0;
  packets = 0;
  lookups = 0;
  hits = 0;
  hits_own = 0;
  hits_aliased = 0;
  misses_empty = 0;
  misses_collision = 0;
  misses_invalid_cpu = 0;
  hits_stale = 0;
  hits_unresolved = 0;
  steered_rfs = 0;
  steered_rps = 0;
  not_steered = 0;
  cross_cpu = 0;
  slot_switches = 0;
  ooo_holds = 0;
  slot_conflicts = 0;
  local = 0;
  local_unresolved = 0;
  deliver_matched = 0;
  deliver_unmatched = 0;
  agree = 0;
  rehash_clears = 0;
}

export const RATIO_NAMES = ['hit_ratio', 'collision_rate', 'alias_rate', 'stale_rate', 'locality', 'agreement', 'cross_cpu_share'] as const;
export type RatioName = (typeof RATIO_NAMES)[number];

export type Metrics = Record<CounterName, number> &
  Record<RatioName, number | null> & {
    /** Packets processed per CPU (index = CPU id). */
    per_cpu: number[];
  };

/** A ratio with an empty denominator is `null` (JSON) — never NaN, never a made-up 0. */
export function ratio(num: number, den: number): number | null {
  return den > 0 ? num / den : null;
}

/**
 * Counters of the one global table, with no RX queue: the socket side
 * (records, writes, evictions) and deliver rows that matched no packet.
 */
const TABLE_ONLY_COUNTERS = [
  'records',
  'records_state_skipped',
  'records_zero_hash',
  'writes',
  'writes_avoided',
  'records_no_table',
  'evictions',
  'deletes',
  'deliver_unmatched',
  'rehash_clears',
] as const satisfies readonly CounterName[];
export type QueueCounterName = Exclude<CounterName, (typeof TABLE_ONLY_COUNTERS)[number]>;

/**
 * The counters a multi-queue trace also has per RX queue: the packet side
 * (packets, their lookups and where they went) and the deliver rows matched
 * to them, in COUNTER_NAMES order.
 */
export const QUEUE_COUNTER_NAMES: readonly QueueCounterName[] = COUNTER_NAMES.filter(
  (n): n is QueueCounterName => !(TABLE_ONLY_COUNTERS as readonly string[]).includes(n),
);

/** One RX queue's packets in one configuration (docs/metrics.md, "Per RX queue"). */
export type QueueMetrics = {
  queue: string;
  /** Flows whose packets arrived on the queue (a flow counts again each time it comes back from another queue). */
  flows: number;
} & Record<QueueCounterName, number> &
  Record<RatioName, number | null>;

export function deriveRatios(c: Record<QueueCounterName, number>): Record<RatioName, number | null> {
  return {
    hit_ratio: ratio(c.hits, c.lookups),
    collision_rate: ratio(c.misses_collision, c.lookups),
    alias_rate: ratio(c.hits_aliased, c.lookups),
    stale_rate: ratio(c.hits_stale, c.hits - c.hits_unresolved),
    locality: ratio(c.local, c.packets - c.local_unresolved),
    agreement: ratio(c.agree, c.deliver_matched),
    cross_cpu_share: ratio(c.cross_cpu, c.packets),
  };
}

/**
 * Identities that hold for every replay; returns the ones that fail (empty = all hold).
 * Used by tests on every trace and by the fuzz test.
 */
export function checkIdentities(m: Metrics): string[] {
  const bad: string[] = [];
  const eq = (name: string, a: number, b: number) => {
    if (a !== b) bad.push(`${name}: ${a} != ${b}`);
  };
  eq(
    'records = skipped + zero_hash + no_table + writes + writes_avoided',
    m.records,
    m.records_state_skipped + m.records_zero_hash + m.records_no_table + m.writes + m.writes_avoided,
  );
  eq('lookups = hits + misses_*', m.lookups, m.hits + m.misses_empty + m.misses_collision + m.misses_invalid_cpu);
  eq('hits = hits_own + hits_aliased', m.hits, m.hits_own + m.hits_aliased);
  eq('packets = steered_rfs + steered_rps + not_steered', m.packets, m.steered_rfs + m.steered_rps + m.not_steered);
  eq(
    'packets = sum(per_cpu)',
    m.packets,
    m.per_cpu.reduce((a, b) => a + b, 0),
  );
  if (m.lookups > m.packets) bad.push(`lookups ${m.lookups} > packets ${m.packets}`);
  if (m.evictions > m.writes) bad.push(`evictions ${m.evictions} > writes ${m.writes}`);
  if (m.hits_stale + m.hits_unresolved > m.hits) bad.push('hits_stale + hits_unresolved > hits');
  if (m.local + m.local_unresolved > m.packets) bad.push('local + local_unresolved > packets');
  if (m.agree > m.deliver_matched) bad.push('agree > deliver_matched');
  if (m.cross_cpu > m.packets) bad.push('cross_cpu > packets');
  if (m.ooo_holds > m.steered_rfs) bad.push('ooo_holds > steered_rfs');
  for (const k of Object.keys(m) as (keyof Metrics)[]) {
    const v = m[k];
    if (typeof v === 'number' && (!Number.isFinite(v) || v < 0)) bad.push(`${k} = ${v}`);
  }
  return bad;
}
