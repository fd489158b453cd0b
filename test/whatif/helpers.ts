/** Generates a scenario's trace into a temporary file (synchronously, so test names can quote its numbers) and replays it. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { GenerateStats } from '../../src/generate/generator.js';
import { generateToBuffer } from '../../src/generate/output.js';
import { applyLayer, DEFAULT_WORKLOAD, finishWorkload, readScenario, type Workload } from '../../src/generate/workload.js';
import { replayFile } from '../../src/replay/engine.js';
import type { ConfigRequest } from '../../src/types/config-request.js';
import type { ConfigResult } from '../../src/types/result.js';

const dir = mkdtempSync(join(tmpdir(), 'rfs-whatif-'));

export interface Generated {
  path: string;
  w: Workload;
  stats: GenerateStats;
}

export function scenarioTrace(name: string, settings: Partial<Workload> = {}): Generated {
  const base = applyLayer({ ...DEFAULT_WORKLOAD, scenario: name }, readScenario(name), (k) => k);
  const w = finishWorkload(applyLayer(base, settings, (k) => k));
  const { bytes, stats } = generateToBuffer(w);
  const path = join(dir, `${name}-${Object.keys(settings).length}-${w.seed}-${w.rss}-${w.hashBits}.csv`);
  writeFileSync(path, bytes);
  return { path, w, stats };
}

export async function replay(path: string, configs: ConfigRequest[], options: { parallel?: boolean } = {}): Promise<ConfigResult[]> {
  const r = await replayFile(path, { configs, ...options });
  return r.configs;
}
