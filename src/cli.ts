#!/usr/bin/env node
/** The command line: a thin layer of yargs over the library (src/index.ts). */
import yargs from 'yargs';
import { hideBin } from 'yargs/helpers';
import { EXIT_BAD_INPUT } from './errors.js';
import { replayCommand } from './commands/replay.js';
import { TOOL_VERSION } from './version.js';

await yargs(hideBin(process.argv))
  .scriptName('rfs-replay')
  .usage('$0 <command> [options]\n\nReplay Linux Receive Flow Steering traces through a faithful model of the kernel\'s flow tables.')
  .command(replayCommand)
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
