/**
 * Benchmark children report their peak RSS as they exit
 * (process.resourceUsage().maxRSS, in KiB): on stderr, or into the file
 * BENCH_RSS_FILE names when the child's stderr is the user's terminal (a
 * run that shows its progress bar).
 */
import { writeFileSync } from 'node:fs';

export function reportPeakRssOnExit(): void {
  process.on('exit', () => {
    const record = JSON.stringify({ maxRssKiB: process.resourceUsage().maxRSS });
    const file = process.env.BENCH_RSS_FILE;
    if (file) writeFileSync(file, record);
    else process.stderr.write(`\n@@bench ${record}\n`);
  });
}
