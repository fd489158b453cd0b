/**
 * Child process for the benchmark: runs the real CLI in this process, then
 * reports its peak RSS on stderr.
 */
import { reportPeakRssOnExit } from './rss.js';

process.argv = [process.argv[0], new URL('../cli.js', import.meta.url).pathname, ...process.argv.slice(2)];
reportPeakRssOnExit();
await import('../cli.js');
