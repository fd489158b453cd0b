/**
 * Flow sampling by hash bits (docs/model.md#flow-sampling): a capture keeps
 * only the flows whose hash has bits `shift` .. `shift + bits - 1` all zero,
 * one flow in 2^bits. The global table indexes a slot by hash & (E - 1)
 * (get_rps_cpu() and rps_record_sock_flow(), net/core/dev.c and
 * include/net/rps.h), so in a table of at least 2^(shift + bits) slots a kept
 * flow's slot has those bits zero and a dropped flow's does not: the two
 * never share a slot, and everything the global table does to the kept flows
 * is what it did in the whole trace. Which metrics that makes exact is
 * decided here, once, for the engine, the renderers and the tests.
 */
import { COUNTER_NAMES, RATIO_NAMES } from './metrics.js';

/** Keep a row when its hash has bits shift .. shift + bits - 1 all zero. */
export interface SamplingRule {
  shift: number;
  bits: number;
}

/** Hash bits a rule may name: all 32 of the kernel's u32 hash. */
export const HASH_BITS = 32;

/** The rule's bits as a u32 mask: ((2^bits - 1) << shift). */
export function sampleMask(r: SamplingRule): number {
  // shift + bits <= 32, so the product stays below 2^32.
  return ((2 ** r.bits - 1) * 2 ** r.shift) >>> 0;
}

/** True when the rule keeps a row with hash `h` (u32). A hash of 0 has no bit set: kept, like every row without a flow. */
export function keepsHash(mask: number, h: number): boolean {
  return (h & mask) === 0;
}

/** One flow in this many is kept. */
export function oneIn(r: SamplingRule): number {
  return 2 ** r.bits;
}

/** The smallest global table in which kept and dropped flows never share a slot: 2^(shift + bits). */
export function exactFromEntries(r: SamplingRule): number {
  return 2 ** (r.shift + r.bits);
}

/** "hash bits 9..12" (or "hash bit 3"). */
export function ruleBits(r: SamplingRule): string {
  return r.bits > 1 ? `hash bits ${r.shift}..${r.shift + r.bits - 1}` : `hash bit ${r.shift}`;
}

/** "1/16 (hash bits 9..12 zero)". */
export function describeRule(r: SamplingRule): string {
  return `1/${oneIn(r)} (${ruleBits(r)} zero)`;
}

export type Exactness = 'exact' | 'estimated';

/**
 * What decides which metrics of a replay of the kept flows equal those of the
 * whole trace restricted to them: the configuration's table sizes, whether
 * its per-queue slot mixes every hash bit (hash_32(), 6.15+) and how its
 * backlog heads move.
 */
export interface SampledConfig {
  /** Global table slots (0: no table). */
  entriesEffective: number;
  /** rfs_slot() is hash_32(hash, log) (6.15+) rather than hash & mask. */
  hashedQueueSlot: boolean;
  /**
   * 3.19: rps_reset_sock_flow() clears a socket's old hash's slot when its
   * rxhash changes, so a socket whose hash moves between a kept and a dropped
   * value ties the two sets' slots together.
   */
  resetOnRehash: boolean;
  /** Per-queue table slots, each queue's (0: no table). */
  queueSlots: number[];
  /** The result's head_model: 'instant', 'deliver' or 'fifo:Nns'. */
  headModel: string;
}

/**
 * Counted per row from the row alone (its event, state, hash and the
 * configuration): the same for a kept row whatever else the trace holds.
 */
const ROW_METRICS = ['records', 'records_state_skipped', 'records_zero_hash', 'records_no_table', 'packets', 'lookups', 'local_unresolved'];

/**
 * The global table's history of the kept flows: what each record wrote or
 * evicted, what each lookup found there, and the hints' CPUs that make a hit
 * stale. Exact when the kept flows' slots are their own (entries at or above
 * the bound).
 */
const GLOBAL_METRICS = [
  'writes',
  'writes_avoided',
  'evictions',
  'deletes',
  'rehash_clears',
  'hits',
  'hits_own',
  'hits_aliased',
  'misses_empty',
  'misses_collision',
  'misses_invalid_cpu',
  'hits_stale',
  'hits_unresolved',
  'hit_ratio',
  'collision_rate',
  'alias_rate',
  'stale_rate',
];

/**
 * Where each packet was processed. The ordering guard compares a CPU's
 * backlog head with the tail the flow's entry saved; both count every flow's
 * packets, so with heads that move (deliver rows, --fifo-ns) a kept flow can
 * be held where the whole trace let it move. With instant heads the guard
 * never holds, every matched hint is followed, and placement is exact.
 */
const PLACEMENT_METRICS = [
  'steered_rfs',
  'steered_rps',
  'not_steered',
  'cross_cpu',
  'local',
  'ooo_holds',
  'per_cpu',
  'locality',
  'cross_cpu_share',
  'deliver_matched',
  'deliver_unmatched',
  'agree',
  'agreement',
];

/**
 * What a per-queue entry remembers: the flow that last went through it and
 * the CPU it points to. Exact when kept and dropped flows never share an
 * entry: the slot is hash & (F - 1) (before 6.15) and every table has at
 * least 2^(shift + bits) slots. hash_32() (6.15+) mixes every bit, so kept
 * flows meet dropped ones there.
 */
const QUEUE_SLOT_METRICS = ['slot_conflicts', 'slot_switches'];

/** Every metric name the result carries, each in exactly one group (tested). */
export const SAMPLED_METRIC_GROUPS = { row: ROW_METRICS, global: GLOBAL_METRICS, placement: PLACEMENT_METRICS, queueSlot: QUEUE_SLOT_METRICS };
export const ALL_METRIC_NAMES: readonly string[] = [...COUNTER_NAMES, ...RATIO_NAMES, 'per_cpu'];

export interface ConfigExactness {
  /** 2^(shift + bits). */
  exact_from_entries: number;
  /** The global table has no slot shared by kept and dropped flows (entries at or above the bound, or no table; never under 3.19's rehash reset). */
  global_table_exact: boolean;
  exact: string[];
  estimated: string[];
}

/** Which of a configuration's metrics are exact for the kept flows, and which are estimates. */
export function configExactness(r: SamplingRule, c: SampledConfig): ConfigExactness {
  const bound = exactFromEntries(r);
  const global = !c.resetOnRehash && (c.entriesEffective === 0 || c.entriesEffective >= bound);
  const placement = global && c.headModel === 'instant';
  const ownEntries = !c.hashedQueueSlot && c.queueSlots.every((s) => s === 0 || s >= bound);
  const exactOf = (name: string): boolean => {
    if (ROW_METRICS.includes(name)) return true;
    if (GLOBAL_METRICS.includes(name)) return global;
    if (PLACEMENT_METRICS.includes(name)) return placement;
    if (name === 'slot_conflicts') return global && ownEntries;
    if (name === 'slot_switches') return placement && ownEntries;
    return false;
  };
  const exact: string[] = [];
  const estimated: string[] = [];
  for (const name of ALL_METRIC_NAMES) (exactOf(name) ? exact : estimated).push(name);
  return { exact_from_entries: bound, global_table_exact: global, exact, estimated };
}

/**
 * The default lowest sampled bit: above the bits an RSS indirection table of
 * up to 512 entries reads (the queue is indir[hash % table size]), so the
 * kept flows spread over every queue as all flows do (docs/model.md#flow-sampling).
 */
export const DEFAULT_SAMPLE_SHIFT = 9;

/** "1/16" → 4 (bits); null unless N is a power of two from 2 to 2^31. */
export function parseOneIn(text: string): number | null {
  const m = /^1\/([0-9]+)$/.exec(text.trim());
  if (!m) return null;
  const n = Number(m[1]);
  if (!Number.isSafeInteger(n) || n < 2 || n > 2 ** 31) return null;
  const bits = Math.round(Math.log2(n));
  return 2 ** bits === n ? bits : null;
}

/** A rule from `--sample 1/N` (or --keep-sample) and `--sample-shift S`; null when they do not make one within the hash's 32 bits. */
export function sampleRuleOf(oneInText: string, shift: number = DEFAULT_SAMPLE_SHIFT): SamplingRule | null {
  const bits = parseOneIn(oneInText);
  if (bits === null || !Number.isInteger(shift) || shift < 0 || shift + bits > HASH_BITS) return null;
  return { shift, bits };
}
