/**
 * Opens a trace file as a stream of decompressed byte chunks. Gzip is
 * detected by content (magic 1f 8b), never by name. Counts compressed bytes
 * for progress and, when asked, hashes them (sha256 for provenance).
 */
import { createHash, type Hash } from 'node:crypto';
import { open } from 'node:fs/promises';
import { createReadStream, createWriteStream, mkdtempSync, openSync, readSync, closeSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pipeline } from 'node:stream/promises';
import { createGunzip, type ZlibOptions } from 'node:zlib';
import { UsageError } from '../errors.js';
import { gunzipInTurns } from './inflate.js';
import { msg, optMsg } from '../messages.js';

/**
 * The path that names standard input: the command line passes a lone "-"
 * trace on as this (cli.ts), and a user may type it too.
 */
export const STDIN_PATH = '/dev/stdin';
/** How standard input is named in messages, summaries and report names. */
export const STDIN_NAME = 'stdin';

let spooled: string | null = null;

/**
 * Copies standard input, as it comes (plain or gzip: openSource() tells them
 * apart by content like any file), to a private temporary file and returns
 * its path; the same path on a second call. A trace is read more than once
 * (the report's two passes, validate's header, a parse worker that opens the
 * file itself), which a pipe cannot do; the file is removed when the process
 * exits. Its name is "stdin", so summaries and report names say so.
 */
export async function spoolStdin(signal?: AbortSignal): Promise<string> {
  if (spooled !== null) return spooled;
  const dir = mkdtempSync(join(tmpdir(), 'rfs-replay-'));
  process.on('exit', () => rmSync(dir, { recursive: true, force: true }));
  const path = join(dir, STDIN_NAME);
  await pipeline(process.stdin, createWriteStream(path, { mode: 0o600 }), { signal });
  spooled = path;
  return path;
}

/** `text` with the spooled copy of standard input named as the user knows it. */
export function withStdinNamed(text: string): string {
  return spooled === null ? text : text.split(spooled).join(STDIN_NAME);
}

/** True for the spooled copy of standard input. */
export function isSpooledStdin(path: string): boolean {
  return spooled !== null && path === spooled;
}

export interface OpenedSource {
  path: string;
  bytes: number;
  gzip: boolean;
  chunks: AsyncIterable<Buffer>;
  /** sha256 of the file's bytes, once `chunks` has been read to the end (empty when not asked). */
  sha256(): string;
  /** Compressed bytes read so far. */
  bytesRead(): number;
}

export interface OpenOptions {
  chunkSize?: number;
  hash?: boolean;
  signal?: AbortSignal;
  /**
   * A plain file's chunks are read into two buffers in turn (inTurns()): a
   * chunk stays as it is only until the second chunk after it is asked for.
   * False for a reader that keeps views of earlier chunks (csv-parse does).
   */
  reuseBuffers?: boolean;
}

/**
 * A file's bytes in chunks read into two buffers in turn. Fresh memory is
 * dear on this project's machines (about 3 ns a byte to touch for the first
 * time: a stream's new buffer per chunk made reading a 111 MB file take
 * 250 ms, these two 40 ms).
 */
async function* inTurns(path: string, size: number, signal: AbortSignal | undefined, seen: (b: Buffer) => void): AsyncGenerator<Buffer> {
  const file = await open(path, 'r');
  try {
    const buffers = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
    for (let k = 0; ; k ^= 1) {
      signal?.throwIfAborted();
      const { bytesRead } = await file.read(buffers[k], 0, size, null);
      if (bytesRead === 0) return;
      const chunk = buffers[k].subarray(0, bytesRead);
      seen(chunk);
      yield chunk;
    }
  } finally {
    await file.close();
  }
}

/** zlib's complaint about the compressed bytes (cut, damaged), not an abort or a failure of the machine. */
function isGzipDataError(e: unknown): boolean {
  const err = e as NodeJS.ErrnoException;
  if (err?.name === 'AbortError') return false;
  return err?.code?.startsWith('Z_') === true || /unexpected end of file|incorrect header|invalid/i.test(err?.message ?? '');
}

export function openSource(path: string, opts: OpenOptions = {}): OpenedSource {
  let size: number;
  try {
    const st = statSync(path);
    if (st.isDirectory()) throw new UsageError(optMsg.notAFile(path));
    size = st.size;
  } catch (e) {
    if (e instanceof UsageError) throw e;
    const code = (e as NodeJS.ErrnoException).code;
    throw new UsageError(code === 'ENOENT' ? optMsg.noSuchFile(path) : optMsg.unreadable(path, code ?? String(e)));
  }
  const magic = Buffer.alloc(2);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UsageError(optMsg.unreadable(path, (e as NodeJS.ErrnoException).code ?? String(e)));
  }
  const got = readSync(fd, magic, 0, 2, 0);
  closeSync(fd);
  const gzip = got === 2 && magic[0] === 0x1f && magic[1] === 0x8b;
  const chunkSize = opts.chunkSize ?? 1 << 20;
  const hash: Hash | null = opts.hash ? createHash('sha256') : null;
  let read = 0;

  const seen = (b: Buffer) => {
    read += b.length;
    hash?.update(b);
  };
  // `read`: compressed bytes read when the decompressor failed. For a cut
  // file that is where it ends; for damage inside, the read runs ahead of
  // the decompressor by up to a chunk, hence "at or before".
  const gzipDamaged = () => new UsageError(`${path}: ${msg.truncatedGzip(read, size)}`);

  async function* chunks(): AsyncGenerator<Buffer> {
    if (!gzip && opts.reuseBuffers !== false) {
      yield* inTurns(path, Math.max(chunkSize, 1), opts.signal, seen);
      return;
    }
    if (gzip && opts.reuseBuffers !== false) {
      const file = await open(path, 'r');
      try {
        const inflated = gunzipInTurns(file, Math.max(chunkSize, 64), opts.signal, seen);
        if (inflated !== null) {
          try {
            yield* inflated;
          } catch (e) {
            throw isGzipDataError(e) ? gzipDamaged() : e;
          }
          return;
        }
      } finally {
        await file.close();
      }
    }
    const file = createReadStream(path, { highWaterMark: Math.max(chunkSize, 1), signal: opts.signal });
    file.on('data', (b) => seen(b as Buffer));
    if (!gzip) {
      yield* file as AsyncIterable<Buffer>;
      return;
    }
    // Room for a few chunks of output (a stream option its type leaves out): inflating, on the thread pool,
    // then runs ahead of the reader instead of in turns with it.
    const gunzip = createGunzip({ chunkSize: Math.max(chunkSize, 64), readableHighWaterMark: 4 * Math.max(chunkSize, 64) } as ZlibOptions);
    file.pipe(gunzip);
    file.on('error', (e) => gunzip.destroy(e));
    try {
      for await (const chunk of gunzip as AsyncIterable<Buffer>) yield chunk;
      // Padding after the data: the file's hash and byte count still cover it.
      file.unpipe(gunzip);
      for await (const _ of file) {
      }
    } catch (e) {
      throw isGzipDataError(e) ? gzipDamaged() : e;
    } finally {
      file.destroy();
    }
  }

  return {
    path,
    bytes: size,
    gzip,
    chunks: chunks(),
    sha256: () => (hash ? hash.digest('hex') : ''),
    bytesRead: () => read,
  };
}
