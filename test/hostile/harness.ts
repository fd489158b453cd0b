/**
 * Runs one input through both v1 readers and says what each made of it: the
 * error (as the CLI would print it) or the replay. The two must agree on
 * every input, good or bad; that is the contract these tests hold them to.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { InputError, UsageError } from '../../src/errors.js';
import { replayFile } from '../../src/replay/engine.js';
import type { ReplayOptions } from '../../src/replay/options.js';
import type { ConfigRequest } from '../../src/types/config-request.js';
import type { ReplayResult } from '../../src/types/result.js';

export const READERS = ['fast', 'csv-parse'] as const;
export type Reader = (typeof READERS)[number];

export type Outcome = { ok: true; result: ReplayResult } | { ok: false; error: InputError | UsageError; line: string };

const dir = mkdtempSync(join(tmpdir(), 'rfs-hostile-'));
let n = 0;

export function writeInput(content: string | Uint8Array, name = `in${n++}.csv`): string {
  const path = join(dir, name);
  writeFileSync(path, typeof content === 'string' ? Buffer.from(content, 'latin1') : content);
  return path;
}

/** The one stderr line the CLI prints for an error (run-context.ts). */
export function cliLine(e: InputError | UsageError): string {
  return e instanceof InputError ? e.message : `rfs-replay: ${e.message}`;
}

/**
 * Replays `path` with one reader. Only InputError and UsageError count as a
 * verdict on the input; anything else is rethrown (a bug: the CLI would print
 * "internal error").
 */
export async function replayWith(path: string, reader: Reader, opts: Partial<ReplayOptions> = {}, configs: ConfigRequest[] = [{}]): Promise<Outcome> {
  try {
    // parallel: false keeps the scanner in this thread, so a stack trace from it surfaces here.
    const result = await replayFile(path, { configs, reader, parallel: false, ...opts } as ReplayOptions);
    return { ok: true, result };
  } catch (e) {
    if (e instanceof InputError || e instanceof UsageError) return { ok: false, error: e, line: cliLine(e) };
    throw e;
  }
}

/** What two runs must share: the error line, or the whole trace summary and every config's results. */
export function verdict(o: Outcome): unknown {
  return o.ok ? { trace: { ...o.result.trace }, configs: o.result.configs } : o.line;
}

export async function bothReaders(path: string, opts: Partial<ReplayOptions> = {}, configs: ConfigRequest[] = [{}]): Promise<{ fast: Outcome; ref: Outcome }> {
  const fast = await replayWith(path, 'fast', opts, configs);
  const ref = await replayWith(path, 'csv-parse', opts, configs);
  return { fast, ref };
}
