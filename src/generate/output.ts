/**
 * Writes a generated trace to a file (whole or not at all: a temporary file
 * in the same folder, fsync'd, renamed over the target) or to standard
 * output. A name ending in .gz is gzip-compressed. Memory stays bounded: one
 * chunk is generated while the previous one is written.
 */
import { once } from 'node:events';
import { closeSync, createWriteStream, fsyncSync, mkdirSync, openSync, renameSync, rmSync, write } from 'node:fs';
import { promisify } from 'node:util';
import { basename, dirname, join } from 'node:path';
import { finished } from 'node:stream/promises';
import { createGzip, constants as zlibConstants } from 'node:zlib';
import type { Writable } from 'node:stream';
import { UsageError } from '../errors.js';
import { generateMsg } from '../messages.js';
import { DEFAULT_CHUNK_BYTES, TraceGenerator, type GenerateStats } from './generator.js';
import type { Workload } from './workload.js';

const writeAsync = promisify(write);

export interface WriteOptions {
  chunkBytes?: number;
  /** gzip level for .gz outputs (default 6, zlib's default). */
  gzipLevel?: number;
  signal?: AbortSignal;
}

/** Temporaries still being written; removed if the process exits before the rename. */
const pending = new Set<string>();
function removePending(): void {
  for (const p of pending) rmSync(p, { force: true });
  pending.clear();
}

/**
 * Generates `w` into `path` (null or "-" = standard output). Output bytes are
 * the same for the same workload; with .gz the compressed bytes depend on the
 * zlib build, the decompressed text does not.
 */
export async function writeTrace(w: Workload, path: string | null, opts: WriteOptions = {}): Promise<GenerateStats> {
  const gen = new TraceGenerator(w, opts.chunkBytes ?? DEFAULT_CHUNK_BYTES);
  const gzip = path !== null && path !== '-' && path.endsWith('.gz');
  if (path === null || path === '-') {
    await pump(gen, process.stdout, opts.signal);
    return gen.stats;
  }

  const dir = dirname(path);
  const tmp = join(dir, `.rfs-tmp-${process.pid}-${basename(path)}`);
  let fd: number;
  try {
    mkdirSync(dir, { recursive: true });
    fd = openSync(tmp, 'w', 0o644);
  } catch (e) {
    throw new UsageError(generateMsg.cannotWrite(path, (e as NodeJS.ErrnoException).code ?? String(e)));
  }
  pending.add(tmp);
  if (pending.size === 1) process.on('exit', removePending);
  try {
    if (gzip) {
      const gz = createGzip({ level: opts.gzipLevel ?? zlibConstants.Z_DEFAULT_COMPRESSION, chunkSize: 1 << 16 });
      const file = createWriteStream('', { fd, autoClose: false });
      gz.pipe(file);
      await pump(gen, gz, opts.signal);
      await finished(file);
    } else {
      // Plain text: each chunk is written by the thread pool while the next one is
      // generated (one write in flight: memory stays at two chunks).
      let inFlight: Promise<void> = Promise.resolve();
      let position = 0;
      for (const chunk of gen.chunks()) {
        if (opts.signal?.aborted) throw opts.signal.reason ?? new Error('aborted');
        await inFlight;
        inFlight = writeAll(fd, chunk, position);
        position += chunk.length;
      }
      await inFlight;
    }
    fsyncSync(fd);
    closeSync(fd);
    renameSync(tmp, path);
  } catch (e) {
    try {
      closeSync(fd);
    } catch {
      // already closed
    }
    rmSync(tmp, { force: true });
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    if (code) throw new UsageError(generateMsg.cannotWrite(path, code));
    throw e;
  } finally {
    pending.delete(tmp);
    if (pending.size === 0) process.off('exit', removePending);
  }
  return gen.stats;
}

/** Writes all of `chunk` at `position` of `fd` (fs.write may write less than asked). */
async function writeAll(fd: number, chunk: Uint8Array, position: number): Promise<void> {
  let off = 0;
  while (off < chunk.length) {
    const { bytesWritten } = await writeAsync(fd, chunk, off, chunk.length - off, position + off);
    off += bytesWritten;
  }
}

/** Writes every chunk to a stream, waiting for 'drain' when it is full; ends the stream unless it is stdout. */
async function pump(gen: TraceGenerator, out: Writable, signal?: AbortSignal): Promise<void> {
  for (const chunk of gen.chunks()) {
    if (signal?.aborted) throw signal.reason ?? new Error('aborted');
    if (!out.write(chunk)) await once(out, 'drain');
  }
  if (out !== process.stdout) {
    out.end();
    await finished(out);
  }
}

/** The whole trace in memory (tests and small traces). */
export function generateToBuffer(w: Workload, chunkBytes = DEFAULT_CHUNK_BYTES): { bytes: Buffer; stats: GenerateStats } {
  const gen = new TraceGenerator(w, chunkBytes);
  const parts: Uint8Array[] = [];
  for (const c of gen.chunks()) parts.push(c);
  return { bytes: Buffer.concat(parts), stats: gen.stats };
}
