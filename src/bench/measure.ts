/**
 * Child process for the benchmark: runs the real CLI in this process, then
 * reports its peak RSS on stderr (process.resourceUsage().maxRSS, in KiB).
 */
process.argv = [process.argv[0], new URL('../cli.js', import.meta.url).pathname, ...process.argv.slice(2)];
process.on('exit', () => {
  process.stderr.write(`\n@@bench ${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })}\n`);
});
await import('../cli.js');
