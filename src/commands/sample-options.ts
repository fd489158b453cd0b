/**
 * The flow-sampling options (docs/model.md#flow-sampling): `capture --sample
 * 1/N` and `replay --keep-sample 1/N`, each with `--sample-shift S`, read
 * into one rule.
 */
import { UsageError } from '../errors.js';
import { helpMsg, sampleOptMsg } from '../messages.js';
import { DEFAULT_SAMPLE_SHIFT, HASH_BITS, sampleRuleOf, type SamplingRule } from '../types/sampling.js';

export const SAMPLE_SHIFT_DESCRIPTION = helpMsg.sampleShift(DEFAULT_SAMPLE_SHIFT);

/** The rule of `opt 1/N` with `--sample-shift`; undefined when neither is given. */
export function sampleRuleOption(opt: string, oneIn: unknown, shiftTyped: unknown): SamplingRule | undefined {
  // As typed (common.ts numberOption): a bad value is echoed, not NaN.
  const text = shiftTyped === undefined ? undefined : String(shiftTyped).trim();
  const shift = text === undefined ? undefined : /^[0-9]{1,2}$/.test(text) ? Number(text) : Number.NaN;
  if (shift !== undefined && !(shift >= 0 && shift < HASH_BITS)) throw new UsageError(sampleOptMsg.badShift(text!));
  if (oneIn === undefined) {
    if (shift !== undefined) throw new UsageError(sampleOptMsg.shiftWithoutRule(opt));
    return undefined;
  }
  const s = shift ?? DEFAULT_SAMPLE_SHIFT;
  const rule = sampleRuleOf(String(oneIn), s);
  if (!rule) throw new UsageError(sampleOptMsg.badRule(opt, String(oneIn), s));
  return rule;
}
