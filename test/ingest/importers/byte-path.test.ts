/**
 * The importers' byte path (readChunks(): lines read in place from the
 * chunks, the common event lines parsed by char codes) against their text
 * path (run(): each line a string, read by the patterns), on every fixture,
 * cut into chunks at every kind of place, and on lines changed the ways
 * that must send a line the text way: the same rows, columns and header, or
 * the same error at the same position.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { forEachLine } from '../../../src/ingest/importers/chunk-lines.js';
import { IMPORTERS } from '../../../src/ingest/importers/index.js';
import { BodyFields, fieldsOf } from '../../../src/ingest/importers/tracepoint-text.js';
import type { ImportContext, Importer } from '../../../src/ingest/importers/types.js';
import { IMPORTER_FIXTURES } from '../../helpers/importer-fixtures.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/importers');
const byFormat = (f: string): Importer => IMPORTERS.find((i) => i.format === f)!;

/** Lines as the reader's text path gives them (src/ingest/read.ts lines()). */
function textLines(text: string): string[] {
  const t = text.startsWith('\xef\xbb\xbf') ? text.slice(3) : text;
  const lines = t.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  return lines.map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l));
}

async function* chunked(bytes: Buffer, size: number): AsyncIterable<Buffer> {
  for (let i = 0; i < bytes.length; i += size) yield bytes.subarray(i, i + size);
}

async function* asLines(lines: string[]): AsyncIterable<string> {
  yield* lines;
}

/** What an importer reports: header, rows with their lines and columns; or its error. */
async function outcome(run: (ctx: ImportContext) => Promise<void>): Promise<unknown> {
  const out: unknown[] = [];
  try {
    await run({
      file: 'f',
      header: (h) => out.push(JSON.parse(JSON.stringify(h))),
      row: (r, line, cols) => out.push({ ...r, line, cols: { ...cols } }),
    });
  } catch (e) {
    out.push(String(e));
  }
  return out;
}

describe('forEachLine gives the lines the text path gives', () => {
  const text = '\xef\xbb\xbffirst\r\nsecond\n\nthird\r\n\r\n\rx\r\nlast\r';
  for (const size of [1, 2, 3, 4, 5, 7, 64]) {
    it(`in chunks of ${size} bytes`, async () => {
      const got: string[] = [];
      await forEachLine(chunked(Buffer.from(text, 'latin1'), size), (buf, s, e, n) => {
        expect(n).toBe(got.length + 1);
        got.push(buf.toString('latin1', s, e));
      });
      expect(got).toEqual(textLines(text));
    });
  }
});

describe('BodyFields finds the pairs the pattern finds', () => {
  it('on random bodies of the characters that matter', () => {
    const alphabet = ['a', 'b', '_', '1', ' ', ' ', '\t', '=', '=', ',', 'x', '0', 'A', '-', 'sk address'];
    let seed = 12345;
    const rand = (n: number) => {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      return (seed >>> 8) % n;
    };
    const f = new BodyFields();
    for (let k = 0; k < 20_000; k++) {
      let body = '';
      const len = rand(40);
      for (let i = 0; i < len; i++) body += alphabet[rand(alphabet.length)];
      const expected = fieldsOf(body, 5);
      const buf = Buffer.from(`##${body}##`, 'latin1');
      f.read(buf, 2, 2 + body.length);
      for (const [name, { value, column }] of expected) {
        const p = f.find(name);
        expect(p, JSON.stringify(body)).toBeGreaterThanOrEqual(0);
        expect([f.value(p), 5 + f.at(p)], JSON.stringify(body)).toEqual([value, column]);
      }
      for (const name of ['a', 'b', 'ab', 'sk address', 'x', 'a b']) if (!expected.has(name)) expect(f.find(name), JSON.stringify(body)).toBe(-1);
    }
  });
});

const cases = IMPORTER_FIXTURES;

/** Changes to one event line each: the byte path must read it as the text path does, or leave it to it. */
const TWEAKS: [string, (l: string) => string][] = [
  ['as is', (l) => l],
  ['CR LF', (l) => `${l}\r`],
  ['a CR inside', (l) => l.replace(': ', ':\r ')],
  ['tabs', (l) => l.replace(' [', '\t[')],
  ['a bracket in the command name', (l) => l.replace(/^(\s*)(\S)/, '$1[$2')],
  ['ten decimals', (l) => l.replace(/(\d+\.\d+):/, '$10:')],
  ['a short timestamp', (l) => l.replace(/\d+\.\d+:/, '1.5:')],
  ['no space after the timestamp', (l) => l.replace(/(\d+\.\d+): +/, '$1:')],
  ['pid/tid', (l) => l.replace(/ (\d+) +\[/, ' 7/$1 [')],
  ['a period', (l) => l.replace(/(\d+\.\d+): +/, '$1: 250000 ')],
  ['a 0X socket', (l) => l.replace(/0xffff/g, '0Xffff')],
  ['an upper-case hash', (l) => l.replace(/hash=0x([0-9a-f]+)/, (_m, h: string) => `hash=0x${h.toUpperCase()}`)],
  ['a hash of 33 bits', (l) => l.replace(/hash=0x[0-9a-f]+/, 'hash=0x1ffffffff')],
  ['a bad hash', (l) => l.replace(/hash=0x[0-9a-f]+/, 'hash=zz')],
  ['no skbaddr', (l) => l.replace(/skbaddr=\S+/, '')],
  ['a key with a space', (l) => l.replace(/ (hash|skbaddr)=/, ' x $1=')],
  ['a tab in the body', (l) => l.replace(/ (skbaddr|sk address|skaddr)/, '\t$1')],
  ['spaces around "="', (l) => l.replace(/(skbaddr|sk address|skaddr)=/, '$1 = ')],
  ['a cut line', (l) => l.slice(0, 30)],
];

describe('the byte path reads every fixture as the text path does', () => {
  for (const [file, format] of cases) {
    const bytes = readFileSync(join(FIXTURES, file));
    const imp = byFormat(format);
    it(`${file}, in chunks of several sizes`, async () => {
      const expected = await outcome((ctx) => imp.run(asLines(textLines(bytes.toString('latin1'))), ctx));
      for (const size of [7, 100, 4096, 1 << 20]) {
        expect(await outcome((ctx) => imp.readChunks!(chunked(bytes, size), ctx)), `chunks of ${size}`).toEqual(expected);
      }
    });
    if (format === 'perf-script' || format === 'ftrace') {
      it(`${file}, each event line changed`, async () => {
        const lines = textLines(bytes.toString('latin1'));
        const at = lines.findIndex(
          (l, i) => i > 0 && /(netif_receive_skb_entry|netif_rx_entry|sock_recv_length|sock_send_length|inet_sock_set_state):/.test(l),
        );
        for (const [what, tweak] of TWEAKS) {
          for (const k of [at, at + 1, at + 2]) {
            const changed = [...lines];
            changed[k] = tweak(changed[k]);
            const text = changed.join('\n') + '\n';
            const expected = await outcome((ctx) => imp.run(asLines(textLines(text)), ctx));
            expect(await outcome((ctx) => imp.readChunks!(chunked(Buffer.from(text, 'latin1'), 4096), ctx)), `${what}, line ${k + 1}`).toEqual(expected);
          }
        }
      });
    }
  }
});
