/**
 * Outputs are written whole or not at all: a temporary file in the same
 * folder, fsync'd, then renamed over the target, so an interrupted run leaves
 * either the old file or the new one, never a partial one.
 */
import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UsageError } from '../errors.js';
import { optMsg } from '../messages.js';

const pending = new Set<string>();

/** Temporary files not yet renamed; removed on exit or interrupt. */
export function removePendingTemporaries(): void {
  for (const p of pending) rmSync(p, { force: true });
  pending.clear();
}

/** Why a write failed, in words (the errno code alone means little to most users). */
const WHY: Record<string, string> = {
  ENOENT: 'no such directory',
  ENOTDIR: 'a part of the path is not a directory',
  EEXIST: 'a part of the path is not a directory', // what mkdir -p says when a file sits where a folder should be
  EISDIR: 'it is a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'read-only file system',
  ENOSPC: 'no space left on device',
  EDQUOT: 'disk quota exceeded',
  ENAMETOOLONG: 'file name too long',
  EFBIG: 'file too large',
  EIO: 'input/output error',
};

/**
 * Writes `path` whole or not at all. A failure (missing or read-only folder,
 * full disk) leaves the old file as it was and throws a UsageError naming the
 * path: one line, exit status 2.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  try {
    writeAtomic(path, data);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (typeof code !== 'string') throw e;
    throw new UsageError(optMsg.cannotWriteOutput(path, WHY[code] ?? code));
  }
}

function writeAtomic(path: string, data: string | Uint8Array): void {
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
