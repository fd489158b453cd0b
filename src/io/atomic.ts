/**
 * Outputs are written whole or not at all: a temporary file in the same
 * folder, fsync'd, then renamed over the target, so an interrupted run leaves
 * either the old file or the new one, never a partial one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

const pending = new Set<string>();

/** Temporary files not yet renamed; removed on exit or interrupt. */
export function removePendingTemporaries(): void {
  for (const p of pending) rmSync(p, { force: true });
  pending.clear();
}

export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path);
  mkdirSync(dir, { recursive: true });
  const tmp = join(dir, `.rfs-tmp-${process.pid}-${Math.random().toString(36).slice(2)}-${basename(path)}`);
  pending.add(tmp);
  try {
    const fd = openSync(tmp, 'w', 0o644);
    try {
      const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data;
      let off = 0;
      while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off);
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
    renameSync(tmp, path);
  } catch (e) {
    rmSync(tmp, { force: true });
    throw e;
  } finally {
    pending.delete(tmp);
  }
}
