/**
 * The fast byte scanner and the csv-parse reference reader must produce the
 * same replay on every input, whatever the chunking (row boundaries falling
 * mid-chunk, even mid-field), line endings, BOM or quoting.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { replayFile } from '../../src/replay/engine.js';
import type { ReplayOptions } from '../../src/replay/options.js';
import { writeTrace } from '../helpers/trace.js';

const SHARED = new URL('../../../shared/traces/', import.meta.url).pathname;
const HEAD = new URL('../fixtures/lo-rr-head3000.csv', import.meta.url).pathname;

async function both(path: string, extra: Partial<ReplayOptions> = {}) {
  const configs = [{}, { entries: 16 }, { kernel: '3.19' as const }, { entries: 0 }];
  const fast = await replayFile(path, { configs, reader: 'fast', ...extra });
  const ref = await replayFile(path, { configs, reader: 'csv-parse', ...extra });
  return { fast, ref };
}

function comparable(r: Awaited<ReturnType<typeof replayFile>>) {
  return { trace: r.trace, configs: r.configs };
}

describe('fast reader = csv-parse reader', () => {
  for (const name of ['lo-rr-e128-f64.csv.gz', 'lo-bulk-e1024-f1024.csv.gz']) {
    it(`on the real capture ${name}`, async () => {
      const { fast, ref } = await both(SHARED + name);
      expect(fast.trace.rows).toBeGreaterThan(100_000);
      expect(comparable(fast)).toEqual(comparable(ref));
    });
  }

  for (const chunkSize of [1, 2, 3, 7, 64, 4096]) {
    it(`with ${chunkSize}-byte chunks (rows straddle chunks)`, async () => {
      const whole = await replayFile(HEAD, { configs: [{}], reader: 'fast' });
      const { fast, ref } = await both(HEAD, { chunkSize });
      expect(comparable(fast)).toEqual(comparable(ref));
      expect(fast.configs[0].metrics).toEqual(whole.configs[0].metrics);
    });
  }

  const text = readFileSync(HEAD, 'latin1');
  const variants: Record<string, string> = {
    'CRLF line endings': text.replace(/\n/g, '\r\n'),
    'a UTF-8 BOM': '\ufeff' + text,
    'blank lines and trailing commas': text
      .split('\n')
      .map((l, i) => (i > 4 && i % 10 === 0 ? `${l},\n` : l))
      .join('\n'),
    'quoted fields': text
      .split('\n')
      .map((l, i) => (i > 3 && l ? l.split(',').map((f, j) => (j === 1 || j === 3 ? `"${f}"` : f)).join(',') : l))
      .join('\n'),
    'columns in another order with an unknown column': text
      .split('\n')
      .map((l) => {
        if (!l || l.startsWith('#')) return l;
        const f = l.split(',');
        return [f[5], f[1], 'x', f[0], f[2], f[7], f[3], f[4], f[6]].join(',');
      })
      .join('\n')
      .replace('rxhash,event,x,ts,cpu,skb,socket,state,queue', 'rxhash,event,comment,ts,cpu,skb,socket,state,queue'),
  };
  const baseline = replayFile(HEAD, { configs: [{}], reader: 'csv-parse' });
  for (const [what, body] of Object.entries(variants)) {
    it(`with ${what}`, async () => {
      const path = writeTrace(body.replace('\ufeff', ''), `variant-${what.replace(/\W+/g, '-')}.csv`);
      if (what.includes('BOM')) {
        // Write the BOM as its UTF-8 bytes.
        const { writeFileSync } = await import('node:fs');
        writeFileSync(path, Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from(body.slice(1), 'latin1')]));
      }
      for (const chunkSize of [5, 1 << 20]) {
        const { fast, ref } = await both(path, { chunkSize });
        expect(fast.configs).toEqual(ref.configs);
        expect(fast.configs[0].metrics).toEqual((await baseline).configs[0].metrics);
      }
    });
  }

  it('reads gzip by content, not by name', async () => {
    const gz = writeTrace('', 'no-gz-suffix.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(gz, gzipSync(readFileSync(HEAD)));
    const r = await replayFile(gz, { configs: [{}] });
    expect(r.trace.gzip).toBe(true);
    expect(r.configs[0].metrics).toEqual((await baseline).configs[0].metrics);
  });
});

describe('parse worker = in-thread reading', () => {
  // One or two configurations: the worker defers identity interning to the main thread;
  // three or more: the worker interns. Both must replay exactly as reading in-thread,
  // on real captures with deliver rows (skb matching) and with text socket ids.
  for (const name of ['lo-rr-e128-f64.csv.gz', 'lo-bulk-e1024-f1024.csv.gz']) {
    const sweep = [{ explain: true, timeline: true }, { entries: 16 }, { kernel: '3.19' as const }, { entries: 0 }, { entries: 4096, kernel: '4.10' as const }];
    // 1: main thread interns for the worker; 3: worker interns; 5: a second replay thread takes half.
    for (const configs of [[{}], sweep.slice(0, 3), sweep]) {
      it(`on ${name} with ${configs.length} configuration(s)`, async () => {
        const inline = await replayFile(SHARED + name, { configs, parallel: false });
        const worker = await replayFile(SHARED + name, { configs, parallel: true });
        expect(worker.trace).toEqual(inline.trace);
        expect(worker.configs).toEqual(inline.configs);
        expect(inline.configs[0].metrics.deliver_matched).toBeGreaterThan(20_000);
      });
    }
  }

  it('with text socket and skb identities', async () => {
    const text = readFileSync(HEAD, 'latin1').replace(/0xffff8881([0-9a-f]{8})/g, 'sk-$1');
    const path = writeTrace(text, 'text-ids.csv');
    for (const configs of [[{}], [{}, { entries: 16 }, { entries: 4096 }]]) {
      const inline = await replayFile(path, { configs, parallel: false });
      const worker = await replayFile(path, { configs, parallel: true });
      expect(worker.configs).toEqual(inline.configs);
      expect(worker.trace.distinct_sockets).toBe(inline.trace.distinct_sockets);
    }
  });
});
