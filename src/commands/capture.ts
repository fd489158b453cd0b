/** `rfs-replay capture`: record a v1 trace of the running kernel with bpftrace (sockets) and perf (packets). */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { captureMsg, helpMsg, sampleCaptureMsg } from '../messages.js';
import { findBpftrace } from '../capture/system.js';
import { prepareProgram, runCapture, type DeliverProbe } from '../capture/run.js';
import { example, numberOption } from './common.js';
import { runContext } from './run-context.js';
import { SAMPLE_SHIFT_DESCRIPTION, sampleRuleOption } from './sample-options.js';

interface CaptureArgs {
  output?: string;
  duration?: string;
  netns?: string;
  dev?: string;
  'socket-netns'?: string;
  'deliver-probe'?: string;
  'print-program'?: boolean;
  sample?: string;
  'sample-shift'?: string;
}

const DELIVER_PROBES: DeliverProbe[] = ['auto', 'perf', 'bpftrace'];

export const captureCommand: CommandModule<object, CaptureArgs> = {
  command: 'capture',
  describe: helpMsg.capture.command,
  builder: (y: Argv<object>) => {
    let b = y.option('output', { alias: 'o', type: 'string', describe: helpMsg.capture.output });
    b = numberOption(b, 'duration', helpMsg.capture.duration);
    b = b
      .option('netns', { type: 'string', describe: helpMsg.capture.netns })
      .option('dev', { type: 'string', describe: helpMsg.capture.dev })
      .option('socket-netns', { type: 'string', describe: helpMsg.capture.socketNetns })
      .option('deliver-probe', {
        type: 'string',
        default: 'auto',
        describe: helpMsg.capture.deliverProbe,
      })
      .option('print-program', { type: 'boolean', default: false, describe: helpMsg.capture.printProgram })
      .option('sample', {
        type: 'string',
        describe: helpMsg.capture.sample,
      });
    b = numberOption(b, 'sample-shift', SAMPLE_SHIFT_DESCRIPTION);
    for (const [command, what] of helpMsg.capture.examples) b = example(b, command, what);
    return b as Argv<CaptureArgs>;
  },
  handler: async (argv: ArgumentsCamelCase<CaptureArgs>) => {
    await runContext(async (ctx) => {
      // As typed (numberOption): a bad value is echoed, not NaN.
      const durationText = argv.duration === undefined ? undefined : String(argv.duration).trim();
      const duration = durationText === undefined ? undefined : /^(?:\d+\.?\d*|\.\d+)$/.test(durationText) ? Number(durationText) : Number.NaN;
      if (duration !== undefined && !(duration > 0)) throw new UsageError(captureMsg.durationNotPositive(durationText!));
      const deliverProbe = argv['deliver-probe'] ?? 'auto';
      if (!DELIVER_PROBES.includes(deliverProbe as DeliverProbe)) throw new UsageError(captureMsg.badDeliverProbe(deliverProbe));
      const common = {
        netns: argv.netns,
        dev: argv.dev,
        socketNetns: argv['socket-netns'],
        sample: sampleRuleOption('--sample', argv.sample, argv['sample-shift']),
      };
      if (argv['print-program']) {
        // bpftrace's interval probe takes whole seconds.
        const durationS = duration !== undefined ? Math.max(1, Math.round(duration)) : undefined;
        const { program, notes } = prepareProgram({ ...common, durationS, bpftrace: findBpftrace() });
        process.stdout.write(program);
        for (const n of notes) process.stderr.write(`rfs-replay: ${n}\n`);
        return;
      }
      if (!argv.output) throw new UsageError(captureMsg.outputRequired());
      const status = (line: string): void => void process.stderr.write(line + '\n');
      // Ctrl-C (ctx.signal) stops perf and bpftrace gracefully; what they captured is still written.
      const s = await runCapture({
        ...common,
        output: argv.output,
        durationS: duration,
        deliverProbe: deliverProbe as DeliverProbe,
        onStatus: status,
        signal: ctx.signal,
      });
      const kinds = Object.entries(s.events)
        .map(([k, n]) => `${n} ${k}`)
        .join(', ');
      status(captureMsg.summary(s.output, s.rows, kinds || 'none'));
      const st = s.stats;
      if (st.lostEvents > 0) status(captureMsg.lostEvents(st.lostEvents));
      if (st.missedEvents) status(captureMsg.missedEvents(st.missedEvents));
      if (st.perfLost) status(captureMsg.perfLost(st.perfLost));
      if (st.packetCheckLost || st.packetCheckMissed) status(captureMsg.packetCheckLosses(st.packetCheckLost ?? 0, st.packetCheckMissed ?? 0));
      if (st.unattributed > 0) status(captureMsg.unattributed(st.unattributed));
      if (st.hashUnknown > 0) status(captureMsg.hashUnknown(st.hashUnknown));
      if (st.groMerged > 0) status(captureMsg.groMerged(st.groMerged));
      if (st.queuesBeyondDevice.length > 0) status(captureMsg.queuesBeyondDevice(st.queuesBeyondDevice));
      if (st.undeclaredQueues.length > 0) status(captureMsg.undeclaredQueues(st.undeclaredQueues));
      if (st.sampleFiltered !== null) status(sampleCaptureMsg.kept(s.rows, st.sampleFiltered));
    });
  },
};
