/**
 * `rfs-replay validate <trace>`: replay a trace that has the kernel's own
 * decisions (deliver rows) with the trace's configuration, and explain every
 * packet where the model and the kernel chose different CPUs.
 * Exit 0 when agreement >= --min-agreement, 1 below it, 2 on bad input.
 */
import { createReadStream } from 'node:fs';
import { createInterface } from 'node:readline';
import { createGunzip } from 'node:zlib';
import type { CommandModule } from 'yargs';
import { EXIT_THRESHOLD, UsageError } from '../errors.js';
import { writeFileAtomic } from '../io/atomic.js';
import { formatMsg, validateMsg } from '../messages.js';
import { replayFile } from '../replay/engine.js';
import type { ConfigResult, ReplayResult } from '../types/result.js';
import { runContext } from './run-context.js';

interface ValidateArgs {
  trace: string;
  'min-agreement': number;
  json?: string;
  cpus?: number;
  lenient: boolean;
}

export const VALIDATE_SCHEMA = 'rfs-replay/validate';

/** Why the model may have chosen another CPU than the kernel, per routing class of the engine. */
export const CLASS_EXPLANATIONS: Record<string, string> = {
  rfs_followed_hint: validateMsg.classFollowedHint(),
  rps_no_hint: validateMsg.classNoHint(),
  rfs_switched_slot: validateMsg.classSwitched(),
  rfs_held_by_ordering_guard: validateMsg.classHeld(),
  not_steered: validateMsg.classNotSteered(),
  rps_invalid_cpu: validateMsg.classInvalidCpu(),
};

export interface ValidateReport {
  schema: typeof VALIDATE_SCHEMA;
  version: 1;
  trace: string;
  min_agreement: number;
  agreement: number | null;
  pass: boolean;
  deliver_matched: number;
  agree: number;
  disagree: number;
  /** Capture-side losses: they shrink what is compared and can skew the model's table and queue state. */
  lost: {
    packets_without_deliver: number;
    delivers_without_packet: number;
    time_backwards: number;
    /** From the capture header, when the trace came from `rfs-replay capture`. */
    capture_lost_events: number | null;
    capture_missed_events: number | null;
  };
  classes: { class: string; count: number; share: number; explanation: string; examples: NonNullable<ConfigResult['disagreements']>['examples'] }[];
}

/** `# key=value` pairs of the header comments (the replay result keeps only the ones it models). */
export async function headerExtras(path: string): Promise<Record<string, string>> {
  const raw = createReadStream(path);
  const first = await new Promise<Buffer | null>((resolve) => {
    raw.once('readable', () => resolve(raw.read(2) as Buffer | null));
    raw.once('error', () => resolve(null));
  });
  if (!first) return {};
  raw.unshift(first);
  const input = first[0] === 0x1f && first[1] === 0x8b ? raw.pipe(createGunzip()) : raw;
  const out: Record<string, string> = {};
  const rl = createInterface({ input, crlfDelay: Infinity });
  try {
    for await (const line of rl) {
      if (!line.startsWith('#')) break;
      for (const m of line.matchAll(/(\w+)=(\S+)/g)) out[m[1]] = m[2];
    }
  } catch {
    // A corrupt file is reported by the replay itself, with its position.
  } finally {
    rl.close();
    raw.destroy();
  }
  return out;
}

export function buildReport(path: string, result: ReplayResult, extras: Record<string, string>, minAgreement: number): ValidateReport {
  const c = result.configs[0];
  const m = c.metrics;
  const d = c.disagreements ?? { by_class: {}, examples: [] };
  const disagree = m.deliver_matched - m.agree;
  const num = (k: string): number | null => (extras[k] !== undefined && /^\d+$/.test(extras[k]) ? Number(extras[k]) : null);
  const classes = Object.entries(d.by_class)
    .sort((a, b) => b[1] - a[1])
    .map(([cls, count]) => ({
      class: cls,
      count,
      share: disagree > 0 ? count / disagree : 0,
      explanation: CLASS_EXPLANATIONS[cls] ?? validateMsg.classUnknown(),
      examples: d.examples.filter((e) => e.class === cls).slice(0, 5),
    }));
  return {
    schema: VALIDATE_SCHEMA,
    version: 1,
    trace: path,
    min_agreement: minAgreement,
    agreement: m.agreement,
    pass: m.agreement !== null && m.agreement >= minAgreement,
    deliver_matched: m.deliver_matched,
    agree: m.agree,
    disagree,
    lost: {
      packets_without_deliver: result.trace.packets_undelivered,
      delivers_without_packet: result.trace.deliver_unmatched,
      time_backwards: result.trace.time_backwards,
      capture_lost_events: num('capture_lost_events'),
      capture_missed_events: num('capture_missed_events'),
    },
    classes,
  };
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);

export function renderReport(r: ValidateReport): string {
  const out: string[] = [];
  out.push(validateMsg.headline(r.trace, pct(r.agreement), r.agree, r.deliver_matched, pct(r.min_agreement), r.pass));
  const l = r.lost;
  out.push('');
  out.push(validateMsg.lostHeading());
  out.push(`  ${validateMsg.lostPackets(l.packets_without_deliver)}`);
  out.push(`  ${validateMsg.lostDelivers(l.delivers_without_packet)}`);
  if (l.capture_lost_events !== null) out.push(`  ${validateMsg.lostBuffer(l.capture_lost_events)}`);
  if (l.capture_missed_events !== null) out.push(`  ${validateMsg.lostMissed(l.capture_missed_events)}`);
  out.push(`  ${validateMsg.timeBackwards(l.time_backwards)}`);
  out.push('');
  if (r.disagree === 0) out.push(validateMsg.noDisagreements());
  else {
    out.push(validateMsg.classesHeading(r.disagree));
    for (const c of r.classes) {
      out.push(`  ${c.class}: ${c.count} (${pct(c.share)}) — ${c.explanation}`);
      for (const e of c.examples) out.push(`    ${validateMsg.example(e.line, e.rxhash, e.model_cpu, e.kernel_cpu)}`);
    }
  }
  return out.join('\n');
}

export const validateCommand: CommandModule<object, ValidateArgs> = {
  command: 'validate <trace>',
  describe: 'Check the model against the kernel: replay a trace with deliver rows and explain every disagreement',
  builder: (y) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace with deliver rows (v1, or any importable format)' })
      .option('min-agreement', { type: 'number', default: 0.99, describe: 'exit 1 when agreement is below this (0..1)' })
      .option('json', { type: 'string', describe: 'also write the report as JSON to this file' })
      .option('cpus', { type: 'number', describe: 'nr_cpu_ids when the trace header has none' })
      .option('lenient', { type: 'boolean', default: false, describe: 'skip bad rows (counted) instead of stopping at the first' })
      .example('$0 validate traces/mine.csv.gz', 'how often the model picks the kernel\'s CPU, and why not') as never,
  handler: async (a) => {
    await runContext(async (ctx) => {
      const min = a['min-agreement'];
      if (!(Number.isFinite(min) && min >= 0 && min <= 1)) throw new UsageError(validateMsg.badMinAgreement(String(min)));
      const result = await replayFile(a.trace, {
        configs: [{ role: 'configured', explain: true }],
        cpus: a.cpus,
        lenient: a.lenient,
        signal: ctx.signal,
        command: ctx.command,
      });
      if (result.trace.events.deliver === 0) throw new UsageError(validateMsg.noDeliverRows(a.trace));
      const report = buildReport(a.trace, result, await headerExtras(a.trace), min);
      process.stdout.write(`${formatMsg.detected(result.trace.format)}\n${renderReport(report)}\n`);
      if (a.json) writeFileAtomic(a.json, JSON.stringify(report, null, 2) + '\n');
      return report.pass ? 0 : EXIT_THRESHOLD;
    });
  },
};
