/**
 * `rfs-replay validate <trace>`: replay a trace that has the kernel's own
 * decisions (deliver rows) with the trace's configuration, and explain every
 * packet where the model and the kernel chose different CPUs.
 * Exit 0 when agreement >= --min-agreement, 1 below it, 2 on bad input.
 */
import type { Argv, CommandModule } from 'yargs';
import { EXIT_THRESHOLD, UsageError } from '../errors.js';
import { readHeader } from '../ingest/read.js';
import { isSpooledStdin, STDIN_NAME, withStdinNamed } from '../ingest/source.js';
import { writeFileAtomic } from '../io/atomic.js';
import { formatMsg, helpMsg, optMsg, validateMsg } from '../messages.js';
import { replayFile } from '../replay/engine.js';
import { predictTrace, renderPredictReport } from '../report/predict.js';
import type { ConfigResult, ReplayResult } from '../types/result.js';
import { cpuWhatIfs, example, JSON_TO_STDOUT, jsonOption, numberOption, traceFile } from './common.js';
import { runContext } from './run-context.js';

interface ValidateArgs {
  trace: string;
  'min-agreement': string | number;
  json?: string;
  cpus?: string;
  lenient: boolean;
  predict?: string;
}

/** --min-agreement: a share from 0 to 1, echoed as typed when it is not. */
export function minAgreement(value: string | number): number {
  const text = String(value).trim();
  const n = /^(?:\d+\.?\d*|\.\d+)$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 0 && n <= 1)) throw new UsageError(validateMsg.badMinAgreement(text));
  return n;
}

/** validate --cpus: one nr_cpu_ids, for a header without one (validate replays only the trace's own configuration). */
function headerCpus(value: unknown): number | undefined {
  const counts = cpuWhatIfs(value);
  if (counts !== undefined && counts.length !== 1) throw new UsageError(optMsg.badCpus(String(value)));
  return counts?.[0];
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
  describe: helpMsg.validate.command,
  builder: (y) => {
    let b: Argv<object> = y.positional('trace', { type: 'string', demandOption: true, describe: helpMsg.validate.trace });
    b = numberOption(b, 'min-agreement', helpMsg.validate.minAgreement).default('min-agreement', 0.99);
    b = b
      .option('json', { type: 'string', requiresArg: true, describe: helpMsg.validate.json })
      .option('cpus', { type: 'string', describe: helpMsg.validate.cpus })
      .option('lenient', { type: 'boolean', default: false, describe: helpMsg.validate.lenient })
      .option('predict', { type: 'string', describe: helpMsg.validate.predict });
    for (const [command, what] of helpMsg.validate.examples) b = example(b, command, what);
    return b as never;
  },
  handler: async (a) => {
    await runContext(async (ctx) => {
      const min = minAgreement(a['min-agreement']);
      const json = jsonOption(a.json);
      const cpus = headerCpus(a.cpus);
      // With the JSON on standard output, what people read goes to standard error.
      const text = json === JSON_TO_STDOUT ? process.stderr : process.stdout;
      const writeJson = (report: unknown) => {
        const body = withStdinNamed(`${JSON.stringify(report, null, 2)}\n`);
        if (json === JSON_TO_STDOUT) process.stdout.write(body);
        else if (json !== undefined) writeFileAtomic(json, body);
      };
      const trace = await traceFile(a.trace, ctx.signal);
      const shown = isSpooledStdin(trace) ? STDIN_NAME : a.trace;
      if (a.predict !== undefined) {
        const other = await traceFile(a.predict, ctx.signal);
        const header = await readHeader(trace);
        const queues = header && !header.implicitQueue ? header.queues.map((q) => q.name) : [];
        const report = await predictTrace(trace, queues, other, { lenient: a.lenient, signal: ctx.signal, command: ctx.command });
        text.write(`${withStdinNamed(renderPredictReport(report))}\n`);
        writeJson(report);
        return 0;
      }
      const result = await replayFile(trace, {
        configs: [{ role: 'configured', explain: true }],
        cpus,
        lenient: a.lenient,
        signal: ctx.signal,
        command: ctx.command,
      });
      if (result.trace.events.deliver === 0) throw new UsageError(validateMsg.noDeliverRows(shown));
      const report = buildReport(shown, result, await headerExtras(trace), min);
      text.write(`${formatMsg.detected(result.trace.format)}\n${renderReport(report)}\n`);
      writeJson(report);
      return report.pass ? 0 : EXIT_THRESHOLD;
    });
  },
};
