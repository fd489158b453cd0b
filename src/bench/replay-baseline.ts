/**
 * Child process for the benchmark: `replay TRACE` at the trace's own
 * configuration, as the CLI runs it, but read by the csv-parse-only baseline
 * (csv-stream-reader.ts) instead of the fast reader; prints the same summary
 * and its peak RSS. Usage: replay-baseline.js TRACE
 */
import { replayFile } from '../replay/engine.js';
import { renderSummary } from '../replay/summary.js';
import { readV1WithCsvParseStream } from './csv-stream-reader.js';
import { reportPeakRssOnExit } from './rss.js';

const [trace] = process.argv.slice(2);
reportPeakRssOnExit();
const result = await replayFile(trace, { configs: [{ role: 'configured' }], reader: readV1WithCsvParseStream });
process.stdout.write(renderSummary(result) + '\n');
