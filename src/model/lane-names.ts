/**
 * What the lanes' numbers stand for by name. The counter, event, TCP state,
 * timeline field and path indices of lane-layout.ts are named after the
 * lists the rest of the tool knows them by (COUNTER_NAMES: RECORDS_ZERO_HASH
 * is 'records_zero_hash'; EVENT_NAMES: EV_STATE is 'state'; ...), and are
 * checked against them here when the model loads: an index out of step would
 * mislabel every metric, or replay one event as another.
 */
import * as traceCodes from '../ingest/trace-codes.js';
import { EVENT_NAMES, TCP_STATE_NAMES } from '../ingest/trace.js';
import { COUNTER_NAMES } from '../types/metrics.js';
import * as layout from './lane-layout.js';

/** How the model routed a packet, by its PATH_* code (kept per packet for explaining disagreements). */
export const PATH_CLASS = ['not_steered', 'rps_no_hint', 'rfs_followed_hint', 'rfs_switched_slot', 'rfs_held_by_ordering_guard', 'rps_invalid_cpu'] as const;

/** A timeline block's fields per bin, by their TL_* index. */
export const TIMELINE_FIELDS = ['packets', 'lookups', 'hits', 'misses_collision', 'hits_resolved', 'hits_stale', 'deliver_matched', 'agree'] as const;

/**
 * Where lane-layout.ts and the named lists disagree (empty: none). Each index
 * named `prefix` + NAME must be NAME's position in `names`; with `complete`,
 * every name of the list must have one.
 */
export function layoutMismatches(values: Readonly<Record<string, number>> = { ...layout, ...traceCodes }): string[] {
  const wrong: string[] = [];
  const check = (prefix: string, names: readonly string[], complete: boolean) => {
    const constant = (name: string) => prefix + name.toUpperCase();
    if (complete) {
      names.forEach((name, i) => {
        if (name !== '' && values[constant(name)] !== i) wrong.push(`${constant(name)} is ${values[constant(name)]}, not ${i} (${name})`);
      });
    }
    for (const [key, value] of Object.entries(values)) {
      if (prefix === '' || !key.startsWith(prefix)) continue;
      if (constant(names[value] ?? '?') !== key) wrong.push(`${key} is ${value}, which names ${JSON.stringify(names[value])}`);
    }
  };
  check('', COUNTER_NAMES, true);
  check('EV_', EVENT_NAMES, true);
  check('TCP_', TCP_STATE_NAMES, false);
  check('TL_', TIMELINE_FIELDS, true);
  check('PATH_', PATH_CLASS, true);
  const counts: [string, number][] = [
    ['COUNTERS', COUNTER_NAMES.length],
    ['EVENT_KINDS', EVENT_NAMES.length],
    ['TIMELINE_FIELD_COUNT', TIMELINE_FIELDS.length],
  ];
  for (const [key, want] of counts) if (values[key] !== want) wrong.push(`${key} is ${values[key]}, not ${want}`);
  // The control block's last word (CTL_VBY_SIZE) lies inside it.
  for (const [key, value] of Object.entries(values)) {
    if (key.startsWith('CTL_') && key !== 'CTL_WORDS' && !(value >= 0 && value < values.CTL_WORDS))
      wrong.push(`${key} (${value}) is outside the control block`);
  }
  return wrong;
}

const wrong = layoutMismatches();
if (wrong.length > 0) throw new Error(`lane-layout.ts is out of step with the tool's names: ${wrong.join('; ')}`);
