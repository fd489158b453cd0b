/** Benchmark children report their peak RSS on stderr as they exit (process.resourceUsage().maxRSS, in KiB). */
export function reportPeakRssOnExit(): void {
  process.on('exit', () => {
    process.stderr.write(`\n@@bench ${JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS })}\n`);
  });
}
