/**
 * Gzip inflated into two buffers in turn (src/ingest/inflate.ts) must give
 * exactly the bytes of Node's gunzip stream, the path the csv-parse reader
 * keeps, and fail where it fails: cut or damaged data, garbage after a
 * member. Every chunk size from zlib's smallest up, so that members,
 * padding and the file's end fall on and across the chunks' edges.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { open } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { UsageError } from '../../src/errors.js';
import { gunzipInTurns } from '../../src/ingest/inflate.js';
import { openSource } from '../../src/ingest/source.js';

const dir = mkdtempSync(join(tmpdir(), 'rfs-inflate-'));

/** Text that compresses to several deflate blocks (a PRNG's digits, not a repeated line). */
function text(lines: number, seed: number): Buffer {
  let x = seed >>> 0;
  const out: string[] = [];
  for (let i = 0; i < lines; i++) {
    x = (Math.imul(x, 1664525) + 1013904223) >>> 0;
    out.push(`${i},${x.toString(16)},${(x >>> 7) % 64},rx-${x % 16}`);
  }
  return Buffer.from(`${out.join('\n')}\n`);
}

const A = text(5_000, 1);
const B = text(1_500, 2);
const gzA = gzipSync(A, { level: 1 });
const gzB = gzipSync(B, { level: 9 });

const CASES: { name: string; bytes: Buffer; plain?: Buffer }[] = [
  { name: 'one member', bytes: gzA, plain: A },
  { name: 'two members', bytes: Buffer.concat([gzA, gzB]), plain: Buffer.concat([A, B]) },
  { name: 'an empty member between two', bytes: Buffer.concat([gzB, gzipSync(Buffer.alloc(0)), gzB]), plain: Buffer.concat([B, B]) },
  { name: 'zero padding after the member', bytes: Buffer.concat([gzB, Buffer.alloc(5000)]), plain: B },
  { name: 'a member cut short', bytes: gzA.subarray(0, gzA.length - 1000) },
  { name: 'a member without its trailer', bytes: gzB.subarray(0, gzB.length - 4) },
  { name: 'damage inside', bytes: Buffer.concat([gzA.subarray(0, 5000), Buffer.alloc(64, 0xff), gzA.subarray(5064)]) },
  { name: 'garbage after the member', bytes: Buffer.concat([gzB, Buffer.from('not gzip\n')]) },
];

async function drain(path: string, reuseBuffers: boolean, chunkSize: number): Promise<{ bytes?: Buffer; error?: string; hash: string }> {
  const src = openSource(path, { chunkSize, reuseBuffers, hash: true });
  const parts: Buffer[] = [];
  try {
    // A chunk lives until the second one after it: copy it at once.
    for await (const c of src.chunks) parts.push(Buffer.from(c));
  } catch (e) {
    expect(e).toBeInstanceOf(UsageError);
    return { error: (e as Error).message.replace(/byte \d+ of/, 'byte N of'), hash: '' };
  }
  return { bytes: Buffer.concat(parts), hash: src.sha256() };
}

describe('gzip inflated into reused buffers = the gunzip stream', () => {
  it('drives the zlib handle on this Node (no silent fallback to the stream)', async () => {
    const path = join(dir, 'probe.gz');
    writeFileSync(path, gzB);
    const file = await open(path, 'r');
    try {
      expect(gunzipInTurns(file, 4096, undefined, () => {})).not.toBeNull();
    } finally {
      await file.close();
    }
  });

  for (const c of CASES) {
    it(c.name, async () => {
      const path = join(dir, `${c.name.replace(/\W+/g, '-')}.gz`);
      writeFileSync(path, c.bytes);
      for (const chunkSize of [64, 1000, 4096, 65_536, 1 << 20]) {
        const turns = await drain(path, true, chunkSize);
        const stream = await drain(path, false, chunkSize);
        if (c.plain) {
          expect(turns.error, `chunk ${chunkSize}`).toBeUndefined();
          expect(turns.bytes!.equals(c.plain), `chunk ${chunkSize}`).toBe(true);
          expect(turns.hash).toBe(stream.hash);
        } else {
          expect(turns.error, `chunk ${chunkSize}`).toMatch(/gzip data ends early or is corrupt \(failed at or before compressed byte N of \d+\)$/);
        }
        expect(turns, `chunk ${chunkSize}`).toEqual(stream);
      }
    });
  }
});
