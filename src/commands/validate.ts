/**
 * `rfs-replay validate <trace>`: replay a trace that has the kernel's own
 * decisions (deliver rows) with the trace's configuration, and explain every
 * packet where the model and the kernel chose different CPUs.
 * Exit 0 when agreement >= --min-agreement, 1 below it, 2 on bad input.
 */
import type { CommandModule } from 'yargs';
import { EXIT_THRESHOLD, UsageError } from '../errors.js';
import { readHeader } from '../ingest/read.js';
import { writeFileAtomic } from '../io/atomic.js';
import { formatMsg, validateMsg } from '../messages.js';
import { replayFile } from '../replay/engine.js';
import { predictTrace, renderPredictReport } from '../report/predict.js';
import type { ConfigResult, ReplayResult } from '../types/result.js';
import { runContext } from './run-context.js';

interface ValidateArgs {
  trace: string;
  'min-agreement': number;
  json?: string;
  cpus?: number;
  lenient: boolean;
  predict?: string;
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
  /** What the kernel achieved (deliver rows) and what the model achieved, at the trace's own configuration. */
  kernel_locality: number | null;
  kernel_cross_cpu_share: number | null;
  model_locality: number | null;
  model_cross_cpu_share: number | null;
  /** Capture-side losses: they shrink what is compared and can skew the model's table and queue state. */
  lost: {
    packets_without_deliver: number;
    delivers_without_packet: number;
    time_backwards: number;
    /** From the capture header, when the trace came from `rfs-replay capture`. */
    capture_lost_events: number | null;
    capture_missed_events: number | null;
    /** perf's lost samples and the packet-checking BPF probes' losses, when the capture recorded packets with perf. */
    capture_perf_lost: number | null;
    capture_packet_check_lost: number | null;
    capture_packet_check_missed: number | null;
    capture_unattributed: number | null;
    capture_hash_unknown: number | null;
  };
  classes: { class: string; count: number; share: number; explanation: string; examples: NonNullable<ConfigResult['disagreements']>['examples'] }[];
}

/**
 * The `# key=value` pairs of a v1 trace's header that the model does not use
 * (the replay result keeps only the ones it models), read by the readers'
 * header code; none for other formats.
 */
export async function headerExtras(path: string): Promise<Record<string, string>> {
  return (await readHeader(path))?.extra ?? {};
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
    kernel_locality: result.trace.kernel_locality,
    kernel_cross_cpu_share: result.trace.kernel_cross_cpu_share,
    model_locality: m.locality,
    model_cross_cpu_share: m.cross_cpu_share,
    lost: {
      packets_without_deliver: result.trace.packets_undelivered,
      delivers_without_packet: result.trace.deliver_unmatched,
      time_backwards: result.trace.time_backwards,
      capture_lost_events: num('capture_lost_events'),
      capture_missed_events: num('capture_missed_events'),
      capture_perf_lost: num('capture_perf_lost'),
      capture_packet_check_lost: num('capture_packet_check_lost'),
      capture_packet_check_missed: num('capture_packet_check_missed'),
      capture_unattributed: num('capture_unattributed'),
      capture_hash_unknown: num('capture_hash_unknown'),
    },
    classes,
  };
}

const pct = (x: number | null): string => (x === null ? '—' : `${(x * 100).toFixed(2)}%`);

export function renderReport(r: ValidateReport): string {
  const out: string[] = [];
  out.push(validateMsg.headline(r.trace, pct(r.agreement), r.agree, r.deliver_matched, pct(r.min_agreement), r.pass));
  out.push(validateMsg.outcomes(pct(r.kernel_locality), pct(r.kernel_cross_cpu_share), pct(r.model_locality), pct(r.model_cross_cpu_share)));
  const l = r.lost;
  out.push('');
  out.push(validateMsg.lostHeading());
  out.push(`  ${validateMsg.lostPackets(l.packets_without_deliver)}`);
  out.push(`  ${validateMsg.lostDelivers(l.delivers_without_packet)}`);
  if (l.capture_lost_events !== null) out.push(`  ${validateMsg.lostBuffer(l.capture_lost_events)}`);
  if (l.capture_missed_events !== null) out.push(`  ${validateMsg.lostMissed(l.capture_missed_events)}`);
  if (l.capture_perf_lost !== null) out.push(`  ${validateMsg.lostPerf(l.capture_perf_lost)}`);
  if (l.capture_packet_check_lost !== null || l.capture_packet_check_missed !== null) {
    out.push(`  ${validateMsg.lostPacketCheck(l.capture_packet_check_lost, l.capture_packet_check_missed)}`);
  }
  if (l.capture_unattributed !== null) out.push(`  ${validateMsg.unattributed(l.capture_unattributed)}`);
  if (l.capture_hash_unknown !== null) out.push(`  ${validateMsg.hashUnknown(l.capture_hash_unknown)}`);
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
      .option('predict', {
        type: 'string',
        describe: 'another trace with deliver rows: replay <trace> at its configuration and compare with what its kernel achieved',
      })
      .example('$0 validate traces/mine.csv.gz', "how often the model picks the kernel's CPU, and why not")
      .example('$0 validate small.csv.gz --predict large.csv.gz', "predict the large table's locality from the small table's trace, and the error") as never,
  handler: async (a) => {
    await runContext(async (ctx) => {
      const min = a['min-agreement'];
      if (!(Number.isFinite(min) && min >= 0 && min <= 1)) throw new UsageError(validateMsg.badMinAgreement(String(min)));
      if (a.predict !== undefined) {
        const header = await readHeader(a.trace);
        const queues = header && !header.implicitQueue ? header.queues.map((q) => q.name) : [];
        const report = await predictTrace(a.trace, queues, a.predict, { lenient: a.lenient, signal: ctx.signal, command: ctx.command });
        process.stdout.write(`${renderPredictReport(report)}\n`);
        if (a.json) writeFileAtomic(a.json, JSON.stringify(report, null, 2) + '\n');
        return 0;
      }
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
