/**
 * The workload description behind a synthetic trace: the same keys on the
 * command line (kebab-case flags) and in a JSON workload file or named
 * scenario (camelCase keys). Every key has a default, so an empty description
 * is a valid workload. Layers apply in order: defaults, --scenario, --workload
 * file, then explicit flags.
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { UsageError } from '../errors.js';
import { parseHexMask, MAX_FLOW_CNT, MAX_SOCK_FLOW_ENTRIES } from '../ingest/v1/header.js';
import { generateMsg } from '../messages.js';

export interface Workload {
  /** PRNG seed, 0 .. 2^32-1. */
  seed: number;
  /** Name written to the trace header for provenance (scenarios set it). */
  scenario: string;
  /** Free text, JSON only. */
  description: string;

  // ---- machine and kernel configuration (the trace header) ----
  /** nr_cpu_ids. */
  cpus: number;
  /** RX queues, named eth0:0, eth0:1, ... */
  queues: number;
  /** rps_cpus of every queue as a sysfs hex mask; empty = every CPU. */
  rpsCpus: string;
  /** rps_flow_cnt of every queue. */
  flowCnt: number;
  /** net.core.rps_sock_flow_entries. */
  entries: number;
  /** Release string written to the header (informational). */
  kernel: string;

  // ---- flows and their rates ----
  /** Client endpoints ("flow slots"); each holds at most one connection at a time. */
  flows: number;
  /** Connections open at once, at most: slots beyond it wait for a close. 0 = flows. */
  active: number;
  /** How request rates spread over the flows. */
  rates: 'uniform' | 'zipf';
  /** Zipf exponent s: the k-th busiest flow sends in proportion to 1/k^s. */
  zipf: number;
  /** Requests per second over all flows (Poisson arrivals). */
  rate: number;
  /**
   * Trace time span in seconds; the trace ends at whichever of duration and rows
   * comes first. 0 = automatic: no time limit when rows is set, else 1 second.
   */
  duration: number;
  /** Stop after exactly this many rows; 0 = no row limit. */
  rows: number;
  /** Mean number of packets per request (geometric, at least 1). */
  burst: number;
  /** Probability that the server answers a request with sendmsg. */
  reply: number;

  // ---- connection churn ----
  /** Mean requests per connection before it closes (geometric); 0 = connections never close. */
  connRequests: number;
  /** Share of closes the server starts (FIN_WAIT1/FIN_WAIT2 path); the rest are CLOSE_WAIT/LAST_ACK. */
  activeClose: number;
  /** Share of reconnects that reuse the previous connection's 4-tuple, hence its hash. */
  reuse: number;

  // ---- consumer threads ----
  /** Threads serving each connection (requests alternate between them at random). */
  consumers: number;
  /** Probability, per request, that the serving thread moves to another CPU. */
  migration: number;

  // ---- hashing and RSS ----
  /** 'lowbits': random hashes, queue from the low bits; 'toeplitz': Toeplitz hash of generated IPv4 5-tuples. */
  rss: 'lowbits' | 'toeplitz';
  /** Random bits per hash (rss=lowbits): fewer than 32 models devices reporting short hashes. */
  hashBits: number;
  /** Also write deliver rows (claiming ideal steering to the consumer CPU), and the skb ids linking packets to them (empty without). */
  deliver: boolean;
}

export const DEFAULT_WORKLOAD: Readonly<Workload> = {
  seed: 1,
  scenario: 'custom',
  description: '',
  cpus: 8,
  queues: 1,
  rpsCpus: '',
  flowCnt: 4096,
  entries: 32768,
  kernel: '6.16.0-synthetic',
  flows: 1000,
  active: 0,
  rates: 'zipf',
  zipf: 1,
  rate: 50000,
  duration: 0,
  rows: 0,
  burst: 2,
  reply: 0.8,
  connRequests: 0,
  activeClose: 0.5,
  reuse: 0,
  consumers: 1,
  migration: 0.01,
  rss: 'lowbits',
  hashBits: 32,
  deliver: false,
};

type Kind =
  | { t: 'int'; min: number; max: number }
  | { t: 'num'; min: number; max: number; minExclusive?: boolean }
  | { t: 'enum'; values: readonly string[] }
  | { t: 'bool' }
  | { t: 'str'; pattern?: RegExp; hint?: string };

/** Type and range of each key; also the list of keys a workload file may use. */
export const WORKLOAD_KEYS: Record<keyof Workload, Kind> = {
  seed: { t: 'int', min: 0, max: 0xffffffff },
  scenario: { t: 'str', pattern: /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/, hint: 'letters, digits, ".", "_" or "-"' },
  description: { t: 'str' },
  cpus: { t: 'int', min: 1, max: 65535 },
  queues: { t: 'int', min: 1, max: 1024 },
  rpsCpus: { t: 'str' },
  flowCnt: { t: 'int', min: 0, max: MAX_FLOW_CNT },
  entries: { t: 'int', min: 0, max: MAX_SOCK_FLOW_ENTRIES },
  kernel: { t: 'str', pattern: /^[^\s=,#]{1,64}$/, hint: 'a release string without spaces, "=", "," or "#"' },
  flows: { t: 'int', min: 1, max: 20_000_000 },
  active: { t: 'int', min: 0, max: 20_000_000 },
  rates: { t: 'enum', values: ['uniform', 'zipf'] },
  zipf: { t: 'num', min: 0, max: 10 },
  rate: { t: 'num', min: 0, max: 1e9, minExclusive: true },
  duration: { t: 'num', min: 0, max: 1e6 },
  rows: { t: 'int', min: 0, max: Number.MAX_SAFE_INTEGER },
  burst: { t: 'num', min: 1, max: 1e6 },
  reply: { t: 'num', min: 0, max: 1 },
  connRequests: { t: 'num', min: 0, max: 1e12 },
  activeClose: { t: 'num', min: 0, max: 1 },
  reuse: { t: 'num', min: 0, max: 1 },
  consumers: { t: 'int', min: 1, max: 64 },
  migration: { t: 'num', min: 0, max: 1 },
  rss: { t: 'enum', values: ['lowbits', 'toeplitz'] },
  hashBits: { t: 'int', min: 1, max: 32 },
  deliver: { t: 'bool' },
};

/** kebab-case flag name of a key, for messages (connRequests -> --conn-requests). */
export function flagName(key: string): string {
  return '--' + key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase());
}

/**
 * Checks one value against its key's type and range. `where` names the source
 * for messages: a flag (`--flows`) or a file key (`web.json: flows`).
 */
function checkValue(key: keyof Workload, value: unknown, where: string): Workload[keyof Workload] {
  const k = WORKLOAD_KEYS[key];
  switch (k.t) {
    case 'int':
    case 'num': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value;
      if (typeof n !== 'number' || !Number.isFinite(n)) throw new UsageError(generateMsg.notANumber(where, String(value)));
      if (k.t === 'int' && !Number.isInteger(n)) throw new UsageError(generateMsg.notAnInteger(where, String(value)));
      const low = k.t === 'num' && k.minExclusive ? n <= k.min : n < k.min;
      if (low || n > k.max) {
        throw new UsageError(generateMsg.outOfRange(where, n, k.min, k.max, k.t === 'num' && !!k.minExclusive));
      }
      return n;
    }
    case 'enum':
      if (typeof value !== 'string' || !k.values.includes(value)) {
        throw new UsageError(generateMsg.notOneOf(where, String(value), k.values));
      }
      return value;
    case 'bool':
      if (typeof value !== 'boolean') throw new UsageError(generateMsg.notABoolean(where, String(value)));
      return value;
    case 'str':
      if (typeof value !== 'string') throw new UsageError(generateMsg.notAString(where, JSON.stringify(value)));
      if (k.pattern && !k.pattern.test(value)) throw new UsageError(generateMsg.badString(where, value, k.hint ?? ''));
      return value;
  }
}

/** Applies a layer of settings on top of `base`; `where(key)` names the source of each key. */
export function applyLayer(base: Workload, layer: Record<string, unknown>, where: (key: string) => string): Workload {
  const out: Workload = { ...base };
  for (const [key, value] of Object.entries(layer)) {
    if (value === undefined) continue;
    if (!Object.hasOwn(WORKLOAD_KEYS, key)) throw new UsageError(generateMsg.unknownKey(where(key), key, Object.keys(WORKLOAD_KEYS)));
    (out as unknown as Record<string, unknown>)[key] = checkValue(key as keyof Workload, value, where(key));
  }
  return out;
}

/** Reads a JSON workload file into a layer (an object of known keys, checked later by applyLayer). */
export function readWorkloadFile(path: string): Record<string, unknown> {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? generateMsg.noWorkloadFile(path) : generateMsg.unreadableWorkload(path, code ?? String(e)));
  }
  let parsed: unknown;
  try {
    parsed = JSON.parse(text);
  } catch (e) {
    throw new UsageError(generateMsg.badWorkloadJson(path, (e as Error).message));
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new UsageError(generateMsg.workloadNotObject(path));
  }
  return parsed as Record<string, unknown>;
}

/** traces/scenarios/ of the installed package (dist/generate/ -> ../../traces/scenarios). */
export function scenarioDir(): string {
  return resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', 'traces', 'scenarios');
}

/** Reads the named scenario's workload file. */
export function readScenario(name: string, dir = scenarioDir()): Record<string, unknown> {
  if (!/^[A-Za-z0-9][A-Za-z0-9._-]*$/.test(name)) throw new UsageError(generateMsg.unknownScenario(name, listScenarios(dir)));
  const path = join(dir, `${name}.json`);
  if (!existsSync(path)) throw new UsageError(generateMsg.unknownScenario(name, listScenarios(dir)));
  return readWorkloadFile(path);
}

export function listScenarios(dir = scenarioDir()): string[] {
  try {
    return readdirSync(dir)
      .filter((f) => f.endsWith('.json'))
      .map((f) => f.slice(0, -5))
      .sort();
  } catch {
    return [];
  }
}

export const MAX_FLOW_THREADS = 1 << 26;

/** Cross-key checks once every layer is applied; returns the workload with derived defaults filled in. */
export function finishWorkload(w: Workload): Workload {
  const out = { ...w };
  if (out.active === 0 || out.active > out.flows) {
    if (out.active > out.flows) throw new UsageError(generateMsg.activeAboveFlows(out.active, out.flows));
    out.active = out.flows;
  }
  if (out.rpsCpus !== '') {
    const cpus = parseHexMask(out.rpsCpus);
    if (!cpus) throw new UsageError(generateMsg.badRpsCpus(out.rpsCpus));
    const beyond = cpus.find((c) => c >= out.cpus);
    if (beyond !== undefined) throw new UsageError(generateMsg.rpsCpusBeyond(out.rpsCpus, beyond, out.cpus));
  }
  // One consumer CPU per (flow, thread): keep that table within a few hundred MB.
  if (out.flows * out.consumers > MAX_FLOW_THREADS) throw new UsageError(generateMsg.tooManyThreads(out.flows, out.consumers, MAX_FLOW_THREADS));
  if (out.rss === 'toeplitz' && out.hashBits !== 32) throw new UsageError(generateMsg.hashBitsWithToeplitz(out.hashBits));
  if (out.rss === 'toeplitz' && out.flows > 1 << 24) throw new UsageError(generateMsg.tooManyToeplitzClients(out.flows, 1 << 24));
  return out;
}

/** The sysfs form of "every CPU below n": groups of 8 hex digits, most significant first. */
export function allCpusMask(n: number): string {
  const groups: string[] = [];
  for (let base = 0; base < n; base += 32) {
    const bits = Math.min(32, n - base);
    const v = bits === 32 ? 0xffffffff : 2 ** bits - 1;
    groups.unshift(v.toString(16));
  }
  // Every group but the most significant is zero-padded to 8 digits, as bitmap_print_to_pagebuf() does.
  return groups.map((g, i) => (i === 0 ? g : g.padStart(8, '0'))).join(',');
}

/** Seconds of trace time the generator runs for (Infinity: only the row limit ends it). */
export function effectiveDuration(w: Workload): number {
  if (w.duration > 0) return w.duration;
  return w.rows > 0 ? Infinity : 1;
}

/**
 * A workload built in code (not through flags or files) checked by the same
 * rules, with derived defaults filled in; idempotent, so the generator applies
 * it to whatever it is given.
 */
export function normalizeWorkload(w: Workload): Workload {
  return finishWorkload(applyLayer({ ...DEFAULT_WORKLOAD }, w as unknown as Record<string, unknown>, (k) => `workload ${k}`));
}
