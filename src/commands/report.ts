/** `rfs-replay report <trace...>`: size sweep, recommendation, HTML + JSON report. */
import type { Argv, CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { readKernelRelease } from '../ingest/read.js';
import { isSpooledStdin } from '../ingest/source.js';
import { helpMsg, kernelMsg, reportMsg } from '../messages.js';
import { MAX_FLOW_CNT, MAX_GLOBAL_ENTRIES } from '../analyze/sweep.js';
import { createProgress } from '../progress.js';
import { replayFile } from '../replay/engine.js';
import type { ReplayOptions } from '../replay/options.js';
import {
  cpuWhatIfs,
  example,
  fifoOption,
  intList,
  JSON_TO_STDOUT,
  jsonOption,
  kernelList,
  kernelProfiles,
  numberOption,
  renamedKernels,
  terminalColumns,
  traceFile,
} from './common.js';
import { runContext } from './run-context.js';

interface ReportArgs {
  trace: string[];
  output?: string;
  entries?: string;
  'flow-cnt'?: string;
  kernel?: string;
  cpus?: string;
  'fifo-ns'?: string;
  'open-loop': boolean;
  json?: string;
  lenient: boolean;
  progress: boolean;
}

/** Sweep sizes: a list of table sizes within the kernel's limits (0 would be "RFS off", which the baseline covers). */
export function sizeList(opt: string, value: unknown, max: number): number[] | undefined {
  const list = intList(opt, value);
  for (const n of list ?? []) if (n < 1 || n > max) throw new UsageError(reportMsg.sizeOutOfRange(opt, n, max));
  return list;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <trace...>',
  describe: helpMsg.report.command,
  builder: (y) => {
    // default: undefined, or yargs shows a variadic positional as [default: []] next to [required].
    let b: Argv<object> = y
      .positional('trace', { type: 'string', array: true, demandOption: true, default: undefined, describe: helpMsg.report.trace })
      .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: helpMsg.report.output })
      .option('entries', { type: 'string', describe: helpMsg.report.entries })
      .option('flow-cnt', { type: 'string', describe: helpMsg.report.flowCnt })
      .option('kernel', { type: 'string', describe: helpMsg.report.kernel })
      .option('cpus', { type: 'string', describe: helpMsg.cpus });
    b = numberOption(b, 'fifo-ns', helpMsg.fifoNs);
    b = b
      .option('json', { type: 'string', requiresArg: true, describe: helpMsg.report.json })
      .option('lenient', { type: 'boolean', default: false, describe: helpMsg.lenient })
      .option('progress', { type: 'boolean', default: true, describe: helpMsg.progress })
      .option('open-loop', {
        type: 'boolean',
        default: false,
        describe: helpMsg.openLoop,
      });
    for (const [command, what] of helpMsg.report.examples) b = example(b, command, what);
    return b as never;
  },
  handler: async (a) => {
    await runContext(async (ctx) => {
      const json = jsonOption(a.json);
      const kernels = kernelList(a.kernel);
      const cpuWhatIf = cpuWhatIfs(a.cpus);
      const options = {
        output: a.output,
        json,
        entries: sizeList('--entries', a.entries, MAX_GLOBAL_ENTRIES),
        flowCnt: sizeList('--flow-cnt', a['flow-cnt'], MAX_FLOW_CNT),
        kernels: kernelProfiles(kernels),
        cpuWhatIf,
        fifoNs: fifoOption(a['fifo-ns']),
        openLoop: a['open-loop'],
      };
      // With the JSON on standard output, what people read goes to standard error.
      const text = json === JSON_TO_STDOUT ? process.stderr : process.stdout;
      const renamed = renamedKernels(kernels);
      if (renamed.length > 0) text.write(`${kernelMsg.asked(renamed)}\n`);
      const inputs: string[] = [];
      for (const t of a.trace) inputs.push(await traceFile(t, ctx.signal));
      // Loaded here, not at start-up: only `report` needs it (it loads vega-lite while the trace replays).
      const { runReport } = await import('../report/run.js');
      await runReport({
        inputs,
        ...options,
        lenient: a.lenient,
        command: ctx.command,
        signal: ctx.signal,
        progress: () => createProgress(a.progress),
        kernelRelease: readKernelRelease,
        replay: (path: string, o: ReplayOptions) => replayFile(path, o).then((r) => (isSpooledStdin(path) ? { ...r, trace: { ...r.trace, path: '-' } } : r)),
        print: (t) => text.write(t),
        columns: terminalColumns(text),
        stdout: (t) => process.stdout.write(t),
      });
    });
  },
};
