/**
 * `rfs-replay generate`: deterministic synthetic v1 traces for what-if
 * studies and benchmarks. Numeric flags are taken as the text typed (listed
 * as [number]) and checked by the workload rules, so every bad value gets the
 * same one-line message whether it came from a flag, a workload file or a
 * scenario.
 */
import { statSync } from 'node:fs';
import type { Argv, CommandModule } from 'yargs';
import { generateMsg } from '../messages.js';
import { writeTrace } from '../generate/output.js';
import { numberOption } from './common.js';
import { runContext } from './run-context.js';
import {
  applyLayer,
  DEFAULT_WORKLOAD,
  finishWorkload,
  flagName,
  listScenarios,
  readScenario,
  readWorkloadFile,
  WORKLOAD_KEYS,
  type Workload,
} from '../generate/workload.js';

/** Workload keys that are flags (description is JSON-only; scenario has its own flag). */
const FLAG_KEYS = (Object.keys(WORKLOAD_KEYS) as (keyof Workload)[]).filter((k) => k !== 'description' && k !== 'scenario');

export interface GenerateArgs {
  output?: string;
  workload?: string;
  scenario?: string;
  listScenarios?: boolean;
  quiet?: boolean;
  [key: string]: unknown;
}

/**
 * Defaults, then the scenario, then the workload file, then explicit flags.
 * `flags` holds the camelCase flag values as given (undefined = not given).
 */
export function buildWorkload(opts: { scenario?: string; workload?: string; flags: Record<string, unknown>; scenarioDir?: string }): Workload {
  let w: Workload = { ...DEFAULT_WORKLOAD };
  if (opts.scenario !== undefined) {
    const layer = readScenario(opts.scenario, opts.scenarioDir);
    w = applyLayer(w, layer, (k) => `scenario ${opts.scenario}: ${k}`);
    w.scenario = opts.scenario;
  }
  if (opts.workload !== undefined) {
    const file = opts.workload;
    w = applyLayer(w, readWorkloadFile(file), (k) => `${file}: ${k}`);
  }
  const given: Record<string, unknown> = {};
  for (const k of FLAG_KEYS) if (opts.flags[k] !== undefined) given[k] = opts.flags[k];
  w = applyLayer(w, given, flagName);
  return finishWorkload(w);
}

export const generateCommand: CommandModule<object, GenerateArgs> = {
  command: 'generate',
  describe: generateMsg.help.command,
  builder: (y: Argv<object>) => {
    let b = y
      .option('output', { alias: 'o', type: 'string', requiresArg: true, describe: generateMsg.help.output })
      .option('workload', { type: 'string', requiresArg: true, describe: generateMsg.help.workload })
      .option('scenario', { type: 'string', requiresArg: true, describe: generateMsg.help.scenario })
      .option('list-scenarios', { type: 'boolean', describe: generateMsg.help.listScenarios })
      .option('quiet', { alias: 'q', type: 'boolean', describe: generateMsg.help.quiet });
    for (const key of FLAG_KEYS) {
      const kind = WORKLOAD_KEYS[key];
      const help = (generateMsg.help as Record<string, string>)[key];
      const name = flagName(key).slice(2);
      // The workload rules check numbers and enums, with one clear message each, echoing the text typed.
      if (kind.t === 'int' || kind.t === 'num') b = numberOption(b, name, help);
      else b = b.option(name, { type: kind.t === 'bool' ? 'boolean' : 'string', describe: help, requiresArg: kind.t !== 'bool' });
    }
    return b as unknown as Argv<GenerateArgs>;
  },
  handler: async (args) => {
    await runContext(async (ctx) => {
      if (args.listScenarios) {
        for (const name of listScenarios()) {
          const layer = readScenario(name);
          process.stdout.write(generateMsg.scenarioLine(name, typeof layer.description === 'string' ? layer.description : '') + '\n');
        }
        return;
      }
      const flags: Record<string, unknown> = {};
      for (const k of FLAG_KEYS) flags[k] = (args as Record<string, unknown>)[k];
      const w = buildWorkload({ scenario: args.scenario, workload: args.workload, flags });
      const out = args.output === undefined || args.output === '-' ? null : args.output;
      const t0 = process.hrtime.bigint();
      const stats = await writeTrace(w, out, { signal: ctx.signal });
      const secs = Number(process.hrtime.bigint() - t0) / 1e9;
      // A .gz file is smaller than the text generated: say both.
      const onDisk = out === null ? stats.bytes : statSync(out).size;
      if (!args.quiet && out !== null) process.stderr.write(`${generateMsg.wrote(stats.rows, onDisk, stats.bytes, secs, out)}\n`);
    });
  },
};
