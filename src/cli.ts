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
import { helpWidth, stdinArgs } from './commands/common.js';
import { cliMsg } from './messages.js';
import { createProgress } from './progress.js';

setProgressFactory((enabled) => createProgress(enabled));
// `rfs-replay report … | head` closes our stdout early: that is not an error.
process.stdout.on('error', (e: NodeJS.ErrnoException) => {
  if (e.code === 'EPIPE') process.exit(0);
  throw e;
});

await yargs(stdinArgs(hideBin(process.argv)))
  .scriptName('rfs-replay')
  .usage(`$0 <command> [options]\n\n${cliMsg.tagline()}`)
  .command(replayCommand)
  .command(reportCommand)
  .command(generateCommand)
  .command(validateCommand)
  .command(captureCommand)
  .demandCommand(1, cliMsg.nameACommand())
  .strict()
  .version(TOOL_VERSION)
  .help()
  .alias('h', 'help')
  .wrap(helpWidth())
  .fail((message, err) => {
    // yargs' own errors (a missing value, an unknown option) are usage errors; anything else is a bug.
    if (err && err.name !== 'YError') throw err;
    const needsValue = /^Not enough arguments following: (.+)$/.exec(message ?? '');
    process.stderr.write(`rfs-replay: ${needsValue ? cliMsg.optionNeedsValue(needsValue[1]) : message} (see rfs-replay --help)\n`);
    process.exit(EXIT_BAD_INPUT);
  })
  .parseAsync();
