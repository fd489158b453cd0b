#!/usr/bin/env node
/** The command line: a thin layer of yargs over the library (src/index.ts). */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_BAD_INPUT } from './errors.js';
import { captureCommand } from './commands/capture.js';
import { generateCommand } from './commands/generate.js';
import { replayCommand } from './commands/replay.js';
import { reportCommand } from './commands/report.js';
import { validateCommand } from './commands/validate.js';
import { TOOL_VERSION } from './version.js';
import { setProgressFactory } from './commands/run-context.js';
import { createProgress } from './progress.js';

setProgressFactory((enabled) => createProgress(enabled));
// `rfs-replay report … | head` closes our stdout early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

await yargs(hideBin(process.argv))
  .scriptName('rfs-replay')
  .usage("$0 <command> [options]\n\nReplay Linux Receive Flow Steering traces through a faithful model of the kernel's flow tables.")
  .command(replayCommand)
  .command(reportCommand)
  .command(generateCommand)
  .command(validateCommand)
  .command(captureCommand)
  .demandCommand(1, 'Name a command: replay, report, validate, capture or generate (see --help).')
  .strict()
  .version(TOOL_VERSION)
  .help()
  .alias('h', 'help')
  .wrap(Math.min(110, process.stdout.columns || 100))
  .fail((message, err) => {
    if (err) throw err;
    process.stderr.write(`rfs-replay: ${message} (see rfs-replay --help)\n`);
    process.exit(EXIT_BAD_INPUT);
  })
  .parseAsync();
