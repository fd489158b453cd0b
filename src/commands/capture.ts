/** `rfs-replay capture`: record a v1 trace of the running kernel with bpftrace. */
import type { ArgumentsCamelCase, Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { captureMsg } from '../messages.js';
import { findBpftrace } from '../capture/system.js';
import { prepareProgram, runCapture } from '../capture/run.js';
import { runContext } from './run-context.js';

interface CaptureArgs {
  output?: string;
  duration?: number;
  netns?: string;
  dev?: string;
  'print-program'?: boolean;
}

export const captureCommand: CommandModule<object, CaptureArgs> = {
  command: 'capture',
  describe: 'Record a v1 trace of this machine with bpftrace (root)',
  builder: (y: Argv<object>) =>
    y
      .option('output', { alias: 'o', type: 'string', describe: 'Trace file to write (.gz: compressed)' })
      .option('duration', { type: 'number', describe: 'Seconds to capture (default: until Ctrl-C)' })
      .option('netns', { type: 'string', describe: 'Only this network namespace (a name from ip netns list)' })
      .option('dev', { type: 'string', describe: 'Only packets of this device' })
      .option('print-program', { type: 'boolean', default: false, describe: 'Print the bpftrace program instead of running it' })
      .example('sudo $0 capture --duration 5 -o traces/mine.csv.gz', 'five seconds of the whole machine')
      .example('$0 capture --print-program > rfs.bt && sudo bpftrace -f json rfs.bt > mine.json', 'run bpftrace yourself; rfs-replay reads mine.json') as Argv<CaptureArgs>,
  handler: async (argv: ArgumentsCamelCase<CaptureArgs>) => {
    await runContext(async (ctx) => {
    if (argv.duration !== undefined && !(Number.isFinite(argv.duration) && argv.duration > 0)) {
      throw new UsageError(captureMsg.durationNotPositive(String(argv.duration)));
    }
    // bpftrace's interval probe takes whole seconds.
    const durationS = argv.duration !== undefined ? Math.max(1, Math.round(argv.duration)) : undefined;
    if (argv['print-program']) {
      const { program } = prepareProgram({ durationS, netns: argv.netns, dev: argv.dev, bpftrace: findBpftrace() });
      process.stdout.write(program);
      return;
    }
    if (!argv.output) throw new UsageError(captureMsg.outputRequired());
    const status = (line: string): void => void process.stderr.write(line + '\n');
    // Ctrl-C (ctx.signal) stops bpftrace gracefully; what it captured is still written.
    const s = await runCapture({ output: argv.output, durationS, netns: argv.netns, dev: argv.dev, onStatus: status, signal: ctx.signal });
    const kinds = Object.entries(s.events).map(([k, n]) => `${n} ${k}`).join(', ');
    status(captureMsg.summary(s.output, s.rows, kinds || 'none'));
    if (s.stats.lostEvents > 0) status(captureMsg.lostEvents(s.stats.lostEvents));
    if (s.stats.missedEvents) status(captureMsg.missedEvents(s.stats.missedEvents));
    if (s.stats.groMerged > 0) status(captureMsg.groMerged(s.stats.groMerged));
    if (s.stats.undeclaredQueues.length > 0) status(captureMsg.undeclaredQueues(s.stats.undeclaredQueues));
    });
  },
};
