/**
 * A gzip file's decompressed bytes in chunks inflated into two buffers in
 * turn, on the calling thread. Node's gunzip stream hands out a new buffer
 * for every chunk it inflates, and fresh memory is dear on this project's
 * machines (about 3 ns a byte to touch for the first time); it also runs on
 * the thread pool, a third thread on two cores beside the parse worker and
 * the replay. Inflating the bench's 514 MB into reused buffers took 0.66 s of
 * CPU against the stream's 1.34 s (bench/README.md).
 *
 * Node has no public call that inflates into a buffer the caller owns, so
 * this drives the stream's own zlib handle synchronously, as Node's
 * gunzipSync() does internally (lib/zlib.js processChunkSync(): writeSync()
 * on `_handle`, the amounts left in `_writeState`). The C++ side is the
 * stream's: concatenated members, trailing zero bytes and every error (the
 * stream's own Error, thrown) behave as with the stream. Where a Node lacks that handle, gunzipInTurns() returns
 * null and source.ts uses the stream.
 */
import type { FileHandle } from 'node:fs/promises';
import { constants, createGunzip, type Gunzip } from 'node:zlib';

interface ZlibHandle {
  writeSync(flush: number, input: Buffer, inOff: number, inLen: number, out: Buffer, outOff: number, outLen: number): void;
}

/** The stream's handle and its [out left, in left] after each write, or null where Node has neither. */
function syncHandle(gunzip: Gunzip): { handle: ZlibHandle; left: Uint32Array } | null {
  const inner = gunzip as unknown as { _handle?: Partial<ZlibHandle>; _writeState?: unknown };
  const handle = inner._handle;
  const left = inner._writeState;
  if (typeof handle?.writeSync !== 'function' || !(left instanceof Uint32Array) || left.length !== 2) return null;
  return { handle: handle as ZlibHandle, left };
}

/**
 * The inflated chunks of the gzip file open as `file`, each up to `size`
 * bytes; a chunk stays as it is only until the second chunk after it is
 * asked for. `seen` gets each compressed chunk as it is read. Null where the
 * zlib handle cannot be driven (see above).
 */
export function gunzipInTurns(file: FileHandle, size: number, signal: AbortSignal | undefined, seen: (b: Buffer) => void): AsyncGenerator<Buffer> | null {
  const gunzip = createGunzip();
  const sync = syncHandle(gunzip);
  if (sync === null) {
    gunzip.destroy();
    return null;
  }
  // An error destroys the stream (lib/zlib.js zlibOnError()), which sets
  // `errored` at once and emits 'error' later: heard here, read below.
  gunzip.on('error', () => {});
  return chunks(gunzip, sync.handle, sync.left);

  async function* chunks(gunzip: Gunzip, handle: ZlibHandle, left: Uint32Array): AsyncGenerator<Buffer> {
    try {
      const input = Buffer.allocUnsafeSlow(size);
      const outputs = [Buffer.allocUnsafeSlow(size), Buffer.allocUnsafeSlow(size)];
      let inOff = 0;
      let inLen = 0;
      let ended = false;
      let done = false;
      for (let k = 0; ; k ^= 1) {
        const out = outputs[k];
        let filled = 0;
        while (filled < size) {
          signal?.throwIfAborted();
          if (inLen === 0 && !ended) {
            const { bytesRead } = await file.read(input, 0, size, null);
            if (bytesRead === 0) ended = true;
            else seen(input.subarray(0, bytesRead));
            inOff = 0;
            inLen = bytesRead;
          }
          handle.writeSync(ended ? constants.Z_FINISH : constants.Z_NO_FLUSH, input, inOff, inLen, out, filled, size - filled);
          if (gunzip.errored) throw gunzip.errored;
          const outLeft = left[0];
          const inLeft = left[1];
          inOff += inLen - inLeft;
          inLen = inLeft;
          filled = size - outLeft;
          // Room left over: inflate stopped for want of input (read more), or the
          // data has ended: at the file's end (Z_FINISH), or before it, where
          // what follows is padding the stream ignores too.
          if (outLeft !== 0 && (ended || inLen !== 0)) {
            done = true;
            break;
          }
        }
        if (filled > 0) yield out.subarray(0, filled);
        if (done) break;
      }
      // Padding after the data: the file's hash and byte count still cover it.
      while (!ended) {
        signal?.throwIfAborted();
        const { bytesRead } = await file.read(input, 0, size, null);
        if (bytesRead === 0) ended = true;
        else seen(input.subarray(0, bytesRead));
      }
    } finally {
      gunzip.destroy();
    }
  }
}
