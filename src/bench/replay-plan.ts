/**
 * Child process for the benchmark: replays exactly the configurations
 * `report` would plan for these options, in its two passes (the configured
 * setting with its timeline and disagreement classes, the global sweep and
 * plain RPS; then the per-queue sweep at the advised global size), and
 * nothing else: no hash, no HTML. Timing `report`
 * against this isolates what the report adds on top of the replay of the same
 * sweep. Usage: replay-plan.js TRACE [--entries A,B,...] [--flow-cnt C,...]
 */
import { planReport } from '../analyze/sweep.js';
import { replayFile } from '../replay/engine.js';
import { replayForReport } from '../report/run.js';
import { reportPeakRssOnExit } from './rss.js';

const [trace, ...rest] = process.argv.slice(2);
const list = (flag: string) => {
  const i = rest.indexOf(flag);
  return i >= 0 ? rest[i + 1].split(',').map(Number) : undefined;
};
reportPeakRssOnExit();
const plan = planReport({ entries: list('--entries'), flowCnt: list('--flow-cnt') });
const { result } = await replayForReport(trace, plan, (path, options) => replayFile(path, { ...options, hash: false }), {});
process.stderr.write(`replayed ${result.trace.rows} rows in ${result.configs.length} configurations\n`);
