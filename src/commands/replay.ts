/** `rfs-replay replay <trace>`: replay once over one or many configurations, print the summary, write JSON. */
import type { CommandModule } from 'yargs';
import { writeFileAtomic } from '../io/atomic.js';
import { replayFile } from '../replay/engine.js';
import { renderSummary } from '../replay/summary.js';
import { formatMsg, replayNoteMsg } from '../messages.js';
import { crossProduct, intList, kernelList } from './common.js';
import { runContext } from './run-context.js';

interface ReplayArgs {
  trace: string;
  entries?: string;
  'flow-cnt'?: string;
  cpus?: string;
  'rps-cpus'?: string;
  kernel?: string;
  'fifo-ns'?: number;
  json?: string;
  reader: 'fast' | 'csv-parse';
  lenient: boolean;
  progress: boolean;
  timeline: boolean;
  'open-loop': boolean;
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay <trace>',
  describe: 'Replay a trace through the kernel RFS model and print the metrics of each configuration',
  builder: (y) =>
    y
      .positional('trace', { type: 'string', demandOption: true, describe: 'trace file (v1 CSV, optionally gzip)' })
      .option('entries', { type: 'string', describe: 'net.core.rps_sock_flow_entries values to replay, e.g. 256,1024,32768 (default: the trace header)' })
      .option('flow-cnt', { type: 'string', describe: 'rps_flow_cnt for every RX queue, e.g. 64,4096 (default: the trace header)' })
      .option('cpus', { type: 'string', describe: 'nr_cpu_ids values (what-if; also used when the header has none)' })
      .option('rps-cpus', { type: 'string', describe: 'rps_cpus hex mask for every RX queue, e.g. ff' })
      .option('kernel', { type: 'string', describe: 'kernel profiles: 6.16 (default), 6.15, 4.10, 4.0, 3.19; several with commas' })
      .option('fifo-ns', {
        type: 'number',
        describe: "model each CPU backlog as a FIFO processing one packet every N ns (instead of the trace's deliver rows)",
      })
      .option('json', { type: 'string', describe: 'also write the full result as JSON to this file' })
      .option('reader', {
        choices: ['fast', 'csv-parse'] as const,
        default: 'fast' as const,
        describe: 'trace reader: fast (the byte scanner), csv-parse (the reference reader, held to the scanner on every input)',
      })
      .option('lenient', { type: 'boolean', default: false, describe: 'skip bad rows (counted by reason) instead of stopping at the first' })
      .option('timeline', { type: 'boolean', default: false, describe: 'include the time-binned series in the JSON' })
      .option('progress', { type: 'boolean', default: true, describe: 'show a progress bar on stderr (--no-progress to hide)' })
      .option('open-loop', {
        type: 'boolean',
        default: false,
        describe: 'what-ifs with every socket call on its captured CPU only (no closed loop: threads never follow their packets; no ranges)',
      })
      .example('$0 replay traces/default.csv.gz', 'replay with the configuration recorded in the trace')
      .example('$0 replay t.csv.gz --entries 256,4096,32768 --json out.json', 'three global table sizes in one pass') as never,
  handler: async (a) => {
    await runContext(async (ctx) => {
      const cpus = intList('--cpus', a.cpus);
      const configs = crossProduct({
        entries: intList('--entries', a.entries),
        flowCnt: intList('--flow-cnt', a['flow-cnt']),
        cpus,
        kernels: kernelList(a.kernel),
        rpsCpus: a['rps-cpus'],
      }).map((c) => ({ ...c, timeline: a.timeline }));
      const progress = ctx.progress(a.progress);
      const result = await replayFile(a.trace, {
        configs,
        cpus: cpus?.[0],
        lenient: a.lenient,
        reader: a.reader,
        fifoNs: a['fifo-ns'],
        closedLoop: !a['open-loop'],
        onProgress: progress.update,
        signal: ctx.signal,
        command: ctx.command,
        hash: a.json !== undefined,
      });
      progress.stop();
      process.stdout.write(`${formatMsg.detected(result.trace.format)}\n${renderSummary(result)}\n`);
      // Agreement is shown only for the configuration the kernel ran (types/own-config.ts); say why the others have none.
      if (result.configs.some((c) => c.metrics.deliver_matched > 0 && c.metrics.agreement === null))
        process.stdout.write(`${replayNoteMsg.agreementOnlyOwn()}\n`);
      if (a.json) {
        writeFileAtomic(a.json, JSON.stringify(result, null, 2) + '\n');
        process.stdout.write(`\nJSON: ${a.json}\n`);
      }
    });
  },
};
