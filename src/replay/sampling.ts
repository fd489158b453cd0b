/**
 * Flow sampling in a replay (docs/model.md#flow-sampling): a sampled trace
 * (its header's rule) is replayed as any other, and a whole trace can be
 * counted for the kept flows only (ReplayOptions.keepSample, the reference a
 * sampled capture is held to). Either way the result says which rule applied
 * and, per configuration, which metrics are exact for the kept flows.
 */
import { UsageError } from '../errors.js';
import type { TraceHeader } from '../ingest/trace.js';
import { sampleOptMsg } from '../messages.js';
import { KERNEL_PROFILES } from '../model/kernel.js';
import type { ConfigResult, ReplayResult } from '../types/result.js';
import { configExactness, describeRule, exactFromEntries, HASH_BITS, oneIn, type SamplingRule } from '../types/sampling.js';
import type { ReplayOptions } from './options.js';
import type { ThreadingPlan } from './threads/plan.js';

export interface AppliedSampling {
  rule: SamplingRule;
  applied: 'trace' | 'replay';
}

/** The option's rule, checked before anything is read. */
export function checkKeepSample(options: ReplayOptions): void {
  const r = options.keepSample;
  if (!r) return;
  if (!Number.isInteger(r.shift) || !Number.isInteger(r.bits) || r.shift < 0 || r.bits < 1 || r.shift + r.bits > HASH_BITS) {
    throw new UsageError(sampleOptMsg.badKeepRule(r.shift, r.bits));
  }
  if (options.configs.some((c) => c.timeline)) throw new UsageError(sampleOptMsg.keepWithTimeline());
}

/**
 * Counting only kept flows restricts the lanes' counters between runs of rows
 * (model/kept-counting.ts), which needs the lanes on the thread that numbers
 * flows: no replay thread (a parse worker may still read).
 */
export function planForKeptCounting(plan: ThreadingPlan, options: ReplayOptions): ThreadingPlan {
  if (!options.keepSample || !plan.sweepRing) return plan;
  return { ...plan, sweepRing: null, parseWorker: true, replayedHere: options.configs.length };
}

/** Which rule applies to this replay, once the header is read; a sampled trace cannot be sampled again. */
export function samplingOf(header: TraceHeader, options: ReplayOptions): AppliedSampling | null {
  if (options.keepSample) {
    if (header.sampling) throw new UsageError(sampleOptMsg.keepOnSampled(describeRule(header.sampling)));
    return { rule: options.keepSample, applied: 'replay' };
  }
  return header.sampling ? { rule: header.sampling, applied: 'trace' } : null;
}

function exactnessOf(rule: SamplingRule, c: ConfigResult): ConfigResult['sampling'] {
  return configExactness(rule, {
    entriesEffective: c.entries_effective,
    hashedQueueSlot: KERNEL_PROFILES[c.kernel].hashedQueueSlot,
    resetOnRehash: KERNEL_PROFILES[c.kernel].resetOnCloseAndRehash,
    queueSlots: c.flow_cnt_effective,
    headModel: c.head_model,
  });
}

/** The result with the rule on its trace summary and each configuration's exact and estimated metrics. */
export function withSampling(result: ReplayResult, s: AppliedSampling | null): ReplayResult {
  if (!s) return result;
  const { rule } = s;
  return {
    ...result,
    trace: {
      ...result.trace,
      sampling: {
        sample_shift: rule.shift,
        sample_bits: rule.bits,
        one_in: oneIn(rule),
        exact_from_entries: exactFromEntries(rule),
        applied: s.applied,
      },
    },
    configs: result.configs.map((c) => ({ ...c, sampling: exactnessOf(rule, c) })),
  };
}

/** Configurations whose global table is below the rule's bound: their global-table metrics are estimates. */
export function belowBound(result: ReplayResult): ConfigResult[] {
  return result.configs.filter((c) => c.sampling && !c.sampling.global_table_exact);
}
