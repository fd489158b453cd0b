/** `rfs-replay replay <trace>`: replay once over one or many configurations, print the summary, write JSON. */
import type { Argv, CommandModule } from 'yargs';
import { isSpooledStdin } from '../ingest/source.js';
import { writeFileAtomic } from '../io/atomic.js';
import { formatMsg, helpMsg, kernelMsg, replayNoteMsg } from '../messages.js';
import { replayFile } from '../replay/engine.js';
import { renderSummary } from '../replay/summary.js';
import { unchangedCpuWhatIfNotes } from '../report/cpu-whatif-notes.js';
import { wrapWords } from '../report/format.js';
import { profilesLine } from '../report/profiles.js';
import type { ReplayResult } from '../types/result.js';
import {
  cpuWhatIfs,
  crossProduct,
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
import { SAMPLE_SHIFT_DESCRIPTION, sampleRuleOption } from './sample-options.js';

interface ReplayArgs {
  trace: string;
  entries?: string;
  'flow-cnt'?: string;
  cpus?: string;
  'rps-cpus'?: string;
  kernel?: string;
  'fifo-ns'?: string;
  json?: string;
  reader: 'fast' | 'csv-parse';
  lenient: boolean;
  progress: boolean;
  timeline: boolean;
  'keep-sample'?: string;
  'sample-shift'?: string;
  'open-loop': boolean;
}

export const replayCommand: CommandModule<object, ReplayArgs> = {
  command: 'replay <trace>',
  describe: helpMsg.replay.command,
  builder: (y) => {
    let b: Argv<object> = y
      .positional('trace', { type: 'string', demandOption: true, describe: helpMsg.trace })
      .option('entries', { type: 'string', describe: helpMsg.replay.entries })
      .option('flow-cnt', { type: 'string', describe: helpMsg.replay.flowCnt })
      .option('cpus', { type: 'string', describe: helpMsg.cpus })
      .option('rps-cpus', { type: 'string', describe: helpMsg.replay.rpsCpus })
      .option('kernel', { type: 'string', describe: helpMsg.kernel });
    b = numberOption(b, 'fifo-ns', helpMsg.fifoNs);
    b = b
      .option('json', { type: 'string', requiresArg: true, describe: helpMsg.replay.json })
      .option('reader', { choices: ['fast', 'csv-parse'] as const, default: 'fast' as const, describe: helpMsg.replay.reader })
      .option('lenient', { type: 'boolean', default: false, describe: helpMsg.lenient })
      .option('timeline', { type: 'boolean', default: false, describe: helpMsg.replay.timeline })
      .option('keep-sample', {
        type: 'string',
        describe: helpMsg.keepSample,
      });
    b = numberOption(b, 'sample-shift', SAMPLE_SHIFT_DESCRIPTION);
    b = b.option('progress', { type: 'boolean', default: true, describe: helpMsg.progress }).option('open-loop', {
      type: 'boolean',
      default: false,
      describe: helpMsg.openLoop,
    });
    for (const [command, what] of helpMsg.replay.examples) b = example(b, command, what);
    return b as never;
  },
  handler: async (a) => {
    await runContext(async (ctx) => {
      const json = jsonOption(a.json);
      const cpus = cpuWhatIfs(a.cpus);
      const kernels = kernelList(a.kernel);
      const fifoNs = fifoOption(a['fifo-ns']);
      const configs = crossProduct({
        entries: intList('--entries', a.entries),
        flowCnt: intList('--flow-cnt', a['flow-cnt']),
        cpus,
        kernels: kernelProfiles(kernels),
        rpsCpus: a['rps-cpus'],
      }).map((c) => ({ ...c, timeline: a.timeline }));
      const trace = await traceFile(a.trace, ctx.signal);
      const progress = ctx.progress(a.progress);
      const replayed = await replayFile(trace, {
        configs,
        // The trace's own nr_cpu_ids when its header has none.
        cpus: cpus?.[0],
        lenient: a.lenient,
        reader: a.reader,
        fifoNs,
        keepSample: sampleRuleOption('--keep-sample', a['keep-sample'], a['sample-shift']),
        closedLoop: !a['open-loop'],
        onProgress: progress.update,
        signal: ctx.signal,
        command: ctx.command,
        hash: json !== undefined,
      });
      progress.stop();
      const result = asTyped(withoutRepeats(replayed), trace);
      // With the JSON on standard output, what people read goes to standard error.
      const text = json === JSON_TO_STDOUT ? process.stderr : process.stdout;
      const lines = [formatMsg.detected(result.trace.format)];
      const renamed = renamedKernels(kernels);
      if (renamed.length > 0) lines.push(kernelMsg.asked(renamed));
      lines.push(
        profilesLine(
          result.configs.map((c) => c.kernel),
          result.trace.header.kernel,
        ),
        renderSummary(result),
      );
      const notes: string[] = [];
      // Agreement is shown only for the configuration the kernel ran (types/own-config.ts); say why the others have none.
      if (result.configs.some((c) => c.metrics.deliver_matched > 0 && c.metrics.agreement === null)) notes.push(replayNoteMsg.agreementOnlyOwn());
      notes.push(...unchangedCpuWhatIfNotes(result));
      lines.push(...notes.flatMap((n) => wrapWords(n, terminalColumns(text))));
      text.write(`${lines.join('\n')}\n`);
      if (json === JSON_TO_STDOUT) process.stdout.write(`${JSON.stringify(result, null, 2)}\n`);
      else if (json !== undefined) {
        writeFileAtomic(json, `${JSON.stringify(result, null, 2)}\n`);
        text.write(`\nJSON: ${json}\n`);
      }
    });
  },
};

/**
 * A configuration asked for twice comes out once: the trace's own CPU count
 * among the --cpus what-ifs, or the one standing in for a header without
 * nr_cpu_ids, repeats the row that is always there.
 */
function withoutRepeats(r: ReplayResult): ReplayResult {
  const seen = new Set<string>();
  const configs = r.configs.filter((c) => {
    const key = JSON.stringify([c.label, c.rps_cpus, c.role]);
    return seen.has(key) ? false : (seen.add(key), true);
  });
  return { ...r, configs };
}

/** The trace as the user named it: standard input read from its temporary copy keeps the name "-". */
function asTyped(r: ReplayResult, read: string): ReplayResult {
  return isSpooledStdin(read) ? { ...r, trace: { ...r.trace, path: '-' } } : r;
}
