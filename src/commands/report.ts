/** `rfs-replay report <trace...>`: size sweep, recommendation, HTML + JSON report. */
import type { CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { optMsg, reportMsg } from '../messages.js';
import { MAX_FLOW_CNT, MAX_GLOBAL_ENTRIES } from '../analyze/sweep.js';
import { createProgress } from '../progress.js';
import { replayFile } from '../replay/engine.js';
import { runReport } from '../report/run.js';
import { intList, kernelList } from './common.js';
import { runContext } from './run-context.js';

interface ReportArgs {
  trace: string[];
  output?: string;
  entries?: string;
  'flow-cnt'?: string;
  kernel?: string;
  cpus?: string;
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

export function cpuCount(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new UsageError(optMsg.badCpus(text));
  return n;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <trace...>',
  describe: 'Replay a trace across table sizes (one pass) and write an HTML + JSON report with a size recommendation',
  builder: (y) =>
    y
      .positional('trace', { type: 'string', array: true, demandOption: true, describe: 'trace files or folders of traces (several → one comparison report too)' })
      .option('output', { alias: 'o', type: 'string', describe: 'HTML report path (default reports/NAME.html; with several traces, the comparison report)' })
      .option('entries', { type: 'string', describe: 'global table sizes to sweep, e.g. 256,1024,65536 (default: every power of two 64..262144)' })
      .option('flow-cnt', { type: 'string', describe: 'per-queue table sizes to sweep (default: every power of two 8..262144)' })
      .option('kernel', { type: 'string', describe: 'kernel profiles side by side: 6.16 (default), 6.15, 4.10, 4.0, 3.19; the first is the main one' })
      .option('cpus', { type: 'string', describe: 'nr_cpu_ids for every configuration (what-if, or when the trace header has none)' })
      .option('json', { type: 'string', describe: 'JSON path (default: the HTML path with .json)' })
      .option('lenient', { type: 'boolean', default: false, describe: 'skip bad rows (counted by reason) instead of stopping at the first' })
      .option('progress', { type: 'boolean', default: true, describe: 'show a progress bar on stderr (--no-progress to hide)' })
      .example('$0 report traces/default.csv.gz', 'writes reports/default.html and reports/default.json')
      .example('$0 report traces/scenarios --kernel 6.16,4.10', 'one report per trace plus a comparison report') as never,
  handler: async (a) => {
    await runContext(async (ctx) => {
      await runReport({
        inputs: a.trace,
        output: a.output,
        json: a.json,
        entries: sizeList('--entries', a.entries, MAX_GLOBAL_ENTRIES),
        flowCnt: sizeList('--flow-cnt', a['flow-cnt'], MAX_FLOW_CNT),
        kernels: kernelList(a.kernel),
        cpus: cpuCount(a.cpus),
        lenient: a.lenient,
        command: ctx.command,
        signal: ctx.signal,
        progress: () => createProgress(a.progress),
        replay: replayFile,
        print: (text) => process.stdout.write(text),
      });
    });
  },
};
