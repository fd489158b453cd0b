/** `rfs-replay capture`: record a v1 trace of the running kernel with bpftrace (sockets) and perf (packets). */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { captureMsg, sampleCaptureMsg } from '../messages.js';
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
  describe: 'Record a v1 trace of this machine with bpftrace and perf (root)',
  builder: (y: Argv<object>) => {
    let b = y.option('output', { alias: 'o', type: 'string', describe: 'Trace file to write (.gz: compressed)' });
    b = numberOption(b, 'duration', 'Seconds to capture (default: until Ctrl-C)');
    b = b
      .option('netns', { type: 'string', describe: 'Network namespace of the device (a name from ip netns list); sockets are recorded in every namespace' })
      .option('dev', { type: 'string', describe: 'Only packets of this device (in --netns)' })
      .option('socket-netns', { type: 'string', describe: 'Only socket events of this namespace (the table is shared by all: hints of the others are missed)' })
      .option('deliver-probe', {
        type: 'string',
        default: 'auto',
        describe: 'Who records deliveries: perf (all of them), bpftrace (also sees hashes computed during steering), auto (perf for loopback and veth)',
      })
      .option('print-program', { type: 'boolean', default: false, describe: 'Print one bpftrace program of both sides instead of capturing' })
      .option('sample', {
        type: 'string',
        describe: 'Keep only the flows whose hash has log2(N) chosen bits zero, filtered in the kernel: 1/N, N a power of two',
      });
    b = numberOption(b, 'sample-shift', SAMPLE_SHIFT_DESCRIPTION);
    b = example(b, 'sudo $0 capture --duration 5 -o traces/mine.csv.gz', 'five seconds of the whole machine');
    b = example(b, 'sudo $0 capture --duration 10 --netns B --dev vethB -o t.csv', 'packets of vethB in namespace B, sockets of every namespace');
    b = example(b, 'sudo $0 capture --sample 1/16 --duration 5 -o t.csv', 'one flow in 16, filtered in the kernel (docs/model.md#flow-sampling)');
    b = example(
      b,
      '$0 capture --print-program > rfs.bt\nsudo bpftrace -f json rfs.bt > mine.json',
      'run bpftrace yourself, on the machine the program was printed on; rfs-replay reads mine.json',
    );
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
