/** Writes small v1 traces to real files for tests, and replays them. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { replayFile } from '../../src/replay/engine.js';
import type { ReplayOptions } from '../../src/replay/options.js';
import type { ConfigRequest } from '../../src/types/config-request.js';
import type { ConfigResult } from '../../src/types/result.js';

const dir = mkdtempSync(join(tmpdir(), 'rfs-test-'));
let n = 0;

export function writeTrace(text: string | Uint8Array, name = `t${n++}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

export interface HeaderSpec {
  cpus: number;
  entries: number;
  queues?: string[]; // e.g. ['queue=q0 rps_cpus=3 rps_flow_cnt=64']
}

export function header(h: HeaderSpec): string {
  const lines = ['# rfs-trace v1', `# nr_cpu_ids=${h.cpus} rps_sock_flow_entries=${h.entries} kernel=test`];
  for (const q of h.queues ?? []) lines.push(`# ${q}`);
  lines.push('ts,event,cpu,socket,state,rxhash,queue,skb');
  return lines.join('\n') + '\n';
}

/** Rows as "event,cpu,socket,state,rxhash,queue,skb"; ts is assigned 1000, 2000, ... */
export function rows(...r: string[]): string {
  return r.map((row, i) => `${(i + 1) * 1000},${row}`).join('\n') + '\n';
}

export async function replayText(text: string, configs: ConfigRequest[] = [{}], opts: Partial<ReplayOptions> = {}): Promise<ConfigResult[]> {
  const path = writeTrace(text);
  const r = await replayFile(path, { configs, ...opts });
  return r.configs;
}

export async function replayOne(text: string, config: ConfigRequest = {}, opts: Partial<ReplayOptions> = {}): Promise<ConfigResult> {
  return (await replayText(text, [config], opts))[0];
}
