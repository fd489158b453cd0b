/** `rfs-replay report <trace...>`: size sweep, recommendation, HTML + JSON report. */
import type { CommandModule } from 'yargs';
import { UsageError } from '../errors.js';
import { optMsg, reportMsg } from '../messages.js';
import { MAX_FLOW_CNT, MAX_GLOBAL_ENTRIES } from '../analyze/sweep.js';
import { createProgress } from '../progress.js';
import { replayFile } from '../replay/engine.js';
import { intList, kernelList } from './common.js';
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

export function cpuCount(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = /^[0-9]{1,5}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1 && n <= 65535)) throw new UsageError(optMsg.badCpus(text));
  return n;
}

/**
 * --cpus: one value sets nr_cpu_ids for every configuration (as `replay`
 * does); several values are CPU-count what-ifs shown next to the trace's own.
 */
export function cpuOption(value: unknown): { cpus?: number; cpuWhatIf?: number[] } {
  if (value === undefined) return {};
  const text = (Array.isArray(value) ? value : [value]).map(String).join(',');
  const parts = text.split(',').map((p) => p.trim());
  if (parts.length === 1) return { cpus: cpuCount(parts[0]) };
  if (parts.length === 0 || parts.some((p) => p === '')) throw new UsageError(reportMsg.cpusList(text));
  const counts = parts.map((p) => {
    try {
      return cpuCount(p)!;
    } catch {
      throw new UsageError(reportMsg.cpusList(text));
    }
  });
  const distinct = [...new Set(counts)];
  return distinct.length === 1 ? { cpus: distinct[0] } : { cpuWhatIf: distinct };
}

export function fifoOption(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = /^[0-9]{1,15}$/.test(text) ? Number(text) : NaN;
  if (!(n >= 1)) throw new UsageError(optMsg.badFifo(text));
  return n;
}

export const reportCommand: CommandModule<object, ReportArgs> = {
  command: 'report <trace...>',
  describe: 'Replay a trace across table sizes (one pass) and write an HTML + JSON report with a size recommendation',
  builder: (y) =>
    y
      .positional('trace', {
        type: 'string',
        array: true,
        demandOption: true,
        describe: 'trace files or folders of traces (several → one comparison report too)',
      })
      .option('output', { alias: 'o', type: 'string', describe: 'HTML report path (default reports/NAME.html; with several traces, the comparison report)' })
      .option('entries', { type: 'string', describe: 'global table sizes to sweep, e.g. 256,1024,65536 (default: every power of two 64..262144)' })
      .option('flow-cnt', { type: 'string', describe: 'per-queue table sizes to sweep (default: every power of two 8..32768)' })
      .option('kernel', { type: 'string', describe: 'kernel profiles side by side: 6.16 (default), 6.15, 4.10, 4.0, 3.19; the first is the main one' })
      .option('cpus', {
        type: 'string',
        describe:
          'one value N: replay every configuration with nr_cpu_ids = N (a what-if, or the value when the header has none); ' +
          "several values, e.g. 4,8: also replay the configured sizes at each of them, next to the trace's own nr_cpu_ids (the first stands in for a header without one)",
      })
      .option('fifo-ns', {
        type: 'string',
        describe: "model each CPU backlog as a FIFO processing one packet every N ns (instead of the trace's deliver rows, or heads that move at once)",
      })
      .option('json', { type: 'string', describe: 'JSON path (default: the HTML path with .json)' })
      .option('lenient', { type: 'boolean', default: false, describe: 'skip bad rows (counted by reason) instead of stopping at the first' })
      .option('progress', { type: 'boolean', default: true, describe: 'show a progress bar on stderr (--no-progress to hide)' })
      .option('open-loop', {
        type: 'boolean',
        default: false,
        describe: 'what-ifs with every socket call on its captured CPU only (no closed loop: threads never follow their packets; no ranges)',
      })
      .example('$0 report traces/default.csv.gz', 'writes reports/default.html and reports/default.json')
      .example('$0 report traces/scenarios --kernel 6.16,4.10', 'one report per trace plus a comparison report')
      .example('$0 report traces/scenarios/small-table.csv.gz --cpus 64,4096', "hit and alias rates at the trace's own nr_cpu_ids, 64 and 4096") as never,
  handler: async (a) => {
    await runContext(async (ctx) => {
      // Loaded here, not at start-up: only `report` needs it (it loads vega-lite while the trace replays).
      const { runReport } = await import('../report/run.js');
      await runReport({
        inputs: a.trace,
        output: a.output,
        json: a.json,
        entries: sizeList('--entries', a.entries, MAX_GLOBAL_ENTRIES),
        flowCnt: sizeList('--flow-cnt', a['flow-cnt'], MAX_FLOW_CNT),
        kernels: kernelList(a.kernel),
        ...cpuOption(a.cpus),
        fifoNs: fifoOption(a['fifo-ns']),
        openLoop: a['open-loop'],
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
