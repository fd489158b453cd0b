/**
 * The fast byte scanner and the csv-parse reference reader must produce the
 * same replay on every input, whatever the chunking (row boundaries falling
 * mid-chunk, even mid-field), line endings, BOM or quoting. The csv-parse
 * streaming baseline of the benchmark (src/bench/csv-stream-reader.ts) must
 * too, on these valid traces.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { readV1WithCsvParseStream } from '../../src/bench/csv-stream-reader.js';
import { InputError } from '../../src/errors.js';
import { readTrace } from '../../src/ingest/read.js';
import { replayFile } from '../../src/replay/engine.js';
import type { ReplayOptions } from '../../src/replay/options.js';
import type { ConfigResult } from '../../src/types/result.js';
import { generateToBuffer } from '../../src/generate/output.js';
import { applyLayer, DEFAULT_WORKLOAD, finishWorkload } from '../../src/generate/workload.js';
import { writeTrace } from '../helpers/trace.js';

const KERNEL_CAPTURES = new URL('../fixtures/kernel/', import.meta.url).pathname;
const HEAD = new URL('../fixtures/lo-rr-head3000.csv', import.meta.url).pathname;

async function both(path: string, extra: Partial<ReplayOptions> = {}) {
  const configs = [{}, { entries: 16 }, { kernel: '3.19' as const }, { entries: 0 }];
  const fast = await replayFile(path, { configs, reader: 'fast', ...extra });
  const ref = await replayFile(path, { configs, reader: 'csv-parse', ...extra });
  const stream = await replayFile(path, { configs, reader: readV1WithCsvParseStream, parallel: false, ...extra });
  return { fast, ref, stream };
}

function comparable(r: Awaited<ReturnType<typeof replayFile>>) {
  return { trace: r.trace, configs: r.configs };
}

describe('fast reader = csv-parse reader = csv-parse streaming baseline', () => {
  for (const name of ['lo-rr-e128-f64.csv.gz', 'lo-bulk-e1024-f1024.csv.gz']) {
    it(`on the real capture ${name}`, async () => {
      const { fast, ref, stream } = await both(KERNEL_CAPTURES + name);
      expect(fast.trace.rows).toBeGreaterThan(100_000);
      expect(comparable(fast)).toEqual(comparable(ref));
      expect(comparable(stream)).toEqual(comparable(ref));
    });
  }

  for (const chunkSize of [1, 2, 3, 7, 64, 4096]) {
    // 1-byte chunks are 200,000 reads per reader: 27 s here on a quiet machine, and
    // this machine has spells at half speed, past the suite's 60 s default.
    it(`with ${chunkSize}-byte chunks (rows straddle chunks)`, { timeout: 240_000 }, async () => {
      const whole = await replayFile(HEAD, { configs: [{}], reader: 'fast' });
      const { fast, ref, stream } = await both(HEAD, { chunkSize });
      expect(comparable(fast)).toEqual(comparable(ref));
      expect(comparable(stream)).toEqual(comparable(ref));
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
      .map((l, i) =>
        i > 3 && l
          ? l
              .split(',')
              .map((f, j) => (j === 1 || j === 3 ? `"${f}"` : f))
              .join(',')
          : l,
      )
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
        const { fast, ref, stream } = await both(path, { chunkSize });
        expect(fast.configs).toEqual(ref.configs);
        expect(stream.configs).toEqual(ref.configs);
        expect(stream.trace.rows).toBe(ref.trace.rows);
        expect(fast.configs[0].metrics).toEqual((await baseline).configs[0].metrics);
      }
    });
  }

  // The fast path finds rows' line ends itself (no search per line): a bad row
  // after thousands of good ones, in one chunk or many, must still be named by
  // its own line, with LF or CR LF endings, by both readers.
  for (const eol of ['\n', '\r\n']) {
    it(`names a bad row's line after ${eol === '\n' ? 'LF' : 'CR LF'} rows read by the fast path`, async () => {
      const lines = text.split('\n');
      const bad = lines.findIndex((l, i) => i > 2500 && /^\d+,packet,/.test(l));
      lines[bad] = lines[bad].replace(/,(0x[0-9a-f]+|\d+),([^,]*),([^,]*)$/, ',0xnothex,$2,$3');
      expect(lines[bad]).toContain('0xnothex');
      const path = writeTrace(lines.join(eol), `bad-row-${eol.length}.csv`);
      for (const reader of ['fast', 'csv-parse'] as const) {
        for (const chunkSize of [7, 1 << 20]) {
          const err = await replayFile(path, { configs: [{}], reader, chunkSize }).catch((e: unknown) => e);
          expect(err, `${reader}, ${chunkSize}-byte chunks`).toBeInstanceOf(InputError);
          expect((err as InputError).line, `${reader}, ${chunkSize}-byte chunks`).toBe(bad + 1);
        }
      }
    });
  }

  it('does not read a row cut short after its event on into the next line', async () => {
    // "ts,packet" then "1,,,0x1234,lo:0,": together they would be one valid row (nr_cpu_ids is 2).
    const lines = text.split('\n');
    const cut = lines.findIndex((l, i) => i > 1000 && /^\d+,packet,/.test(l));
    lines[cut] = lines[cut].split(',').slice(0, 2).join(',');
    lines[cut + 1] = '1,,,0x1234,lo:0,';
    const path = writeTrace(lines.join('\n'), 'cut-after-event.csv');
    for (const reader of ['fast', 'csv-parse'] as const) {
      const err = await replayFile(path, { configs: [{}], reader }).catch((e: unknown) => e);
      expect(err, reader).toBeInstanceOf(InputError);
      expect((err as InputError).line, reader).toBe(cut + 1);
    }
  });

  it('reads gzip by content, not by name', async () => {
    const gz = writeTrace('', 'no-gz-suffix.csv');
    const { writeFileSync } = await import('node:fs');
    writeFileSync(gz, gzipSync(readFileSync(HEAD)));
    const r = await replayFile(gz, { configs: [{}] });
    expect(r.trace.gzip).toBe(true);
    expect(r.configs[0].metrics).toEqual((await baseline).configs[0].metrics);
  });
});

const SWEEP = [{ explain: true, timeline: true }, { entries: 16 }, { kernel: '3.19' as const }, { entries: 0 }, { entries: 4096, kernel: '4.10' as const }];
const WIDE = [...SWEEP, ...[64, 256, 1024, 8192, 65536, 262144].map((entries) => ({ entries }))];

describe('parse worker or replay thread = one thread', () => {
  // parallel: true, 1 or 3 configurations: a parse worker reads, this thread numbers and replays;
  // 5: this thread reads into a shared ring, a replay thread replays; 11: this thread also replays
  // the first of them (replay/threads/plan.ts). Every one must replay exactly as one thread does,
  // on real captures with deliver rows (skb matching) and with text socket ids.
  for (const name of ['lo-rr-e128-f64.csv.gz', 'lo-bulk-e1024-f1024.csv.gz']) {
    const sweep = SWEEP;
    const wide = WIDE;
    for (const configs of [[{}], sweep.slice(0, 3), sweep, wide]) {
      it(`on ${name} with ${configs.length} configuration(s)`, async () => {
        const inline = await replayFile(KERNEL_CAPTURES + name, { configs, parallel: false });
        const worker = await replayFile(KERNEL_CAPTURES + name, { configs, parallel: true });
        expect(worker.trace).toEqual(inline.trace);
        expect(worker.configs).toEqual(inline.configs);
        expect(inline.configs[0].metrics.deliver_matched).toBeGreaterThan(20_000);
      });
    }
  }

  it('with text socket and skb identities', async () => {
    const text = readFileSync(HEAD, 'latin1').replace(/0xffff8881([0-9a-f]{8})/g, 'sk-$1');
    const path = writeTrace(text, 'text-ids.csv');
    for (const configs of [[{}], [{}, { entries: 16 }, { entries: 4096 }], SWEEP]) {
      const inline = await replayFile(path, { configs, parallel: false });
      const worker = await replayFile(path, { configs, parallel: true });
      expect(worker.configs).toEqual(inline.configs);
      expect(worker.trace.distinct_sockets).toBe(inline.trace.distinct_sockets);
    }
  });
});

describe('the shared batches of a sweep, through many turns of the ring', () => {
  // 300k generated rows through a ring of 2 slots of 1024 rows: this thread waits for
  // slots the replay thread frees, about 150 turns, as in the default ring after 16 slots of 32k.
  const w = finishWorkload(
    applyLayer(
      { ...DEFAULT_WORKLOAD },
      { rows: 300_000, deliver: true, connRequests: 50, migration: 0.05, queues: 4, cpus: 16, flows: 20_000, reuse: 0.3 },
      (k) => k,
    ),
  );
  const path = writeTrace(generateToBuffer(w).bytes, 'ring-turns.csv');
  const sizes = [256, 1024, 4096, 8192, 16384, 32768, 65536, 131072].map((entries) => ({ entries }));
  for (const [what, configs] of [
    ['8 sizes', sizes],
    ['11 configurations', WIDE],
  ] as const) {
    it(`replays ${what} as one thread does`, async () => {
      const inline = await replayFile(path, { configs: [...configs], parallel: false });
      const split = await replayFile(path, { configs: [...configs], parallel: true, sweepRing: { slots: 2, rows: 1024 } });
      expect(inline.trace.rows).toBe(300_000);
      expect(inline.configs[0].metrics.deliver_matched).toBeGreaterThan(50_000);
      expect(split.trace).toEqual(inline.trace);
      expect(split.configs).toEqual(inline.configs);
    });
  }

  // Worker threads inherit the process's Node options; --input-type (for code given by -e)
  // made them fail at start, and a sweep then waited for its replay thread for ever. The
  // trace (18 MB) takes the default path: a parse worker for one configuration, the ring for 8.
  it('runs its threads under node --input-type=module -e, as a library user may', async () => {
    const engine = new URL('../../dist/replay/engine.js', import.meta.url).href;
    const code = `const { replayFile } = await import(${JSON.stringify(engine)});
      const out = [];
      for (const configs of [[{}], ${JSON.stringify(sizes)}]) out.push((await replayFile(${JSON.stringify(path)}, { configs })).configs);
      console.log(JSON.stringify(out));`;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', code], { encoding: 'utf8', timeout: 60_000 });
    expect(child.stderr).toBe('');
    expect(child.status).toBe(0);
    const [one, eight] = JSON.parse(child.stdout) as ConfigResult[][];
    expect(one).toEqual((await replayFile(path, { configs: [{}], parallel: false })).configs);
    expect(eight).toEqual((await replayFile(path, { configs: sizes, parallel: false })).configs);
  });
});

describe('ReadOptions.pace', () => {
  it("is called with each chunk's size before its rows, then with null; its promise holds the reading", async () => {
    const calls: (number | null)[] = [];
    const calledWhileHeld: number[] = [];
    let held = false;
    let rows = 0;
    const r = await readTrace(
      HEAD,
      { header() {}, batch: (b) => void (rows += b.length) },
      {
        chunkSize: 4096,
        pace(bytes) {
          calls.push(bytes);
          if (held) calledWhileHeld.push(calls.length);
          if (calls.length % 2) return undefined;
          // Every second call holds the reading for a macrotask: the next chunk must wait for it.
          held = true;
          return new Promise<void>((resolve) =>
            setTimeout(() => {
              held = false;
              resolve();
            }, 1),
          );
        },
      },
    );
    expect(calls.at(-1)).toBeNull();
    expect(calls.slice(0, -1).reduce<number>((a, b) => a + b!, 0)).toBe(r.source.bytes);
    expect(calls.length).toBeGreaterThan(10);
    expect(rows).toBe(r.rows);
    expect(calledWhileHeld).toEqual([]);
  });

  it('a rejected pace stops the reading with its error', async () => {
    let n = 0;
    const err = await readTrace(
      HEAD,
      { header() {}, batch() {} },
      { chunkSize: 4096, pace: () => (++n === 3 ? Promise.reject(new Error('consumer gone')) : undefined) },
    ).catch((e: unknown) => e);
    expect((err as Error).message).toBe('consumer gone');
    expect(n).toBe(3);
  });
});

describe("importers, through the parse worker and the sweep's ring", () => {
  // Every importer writes its rows into the batches it is given (ReadOptions.takeBatch):
  // the parse worker's shared slots, or the ring this thread hands to the replay thread.
  const IMPORTERS = new URL('../fixtures/importers/', import.meta.url).pathname;
  for (const name of ['perf-script.txt', 'ftrace-trace.txt', 'trace-cmd-report.txt', 'trace-cmd-report-raw.txt', 'bpftrace-f-json.json', 'bpftrace-text.txt']) {
    for (const configs of [[{}], SWEEP]) {
      it(`${name}, ${configs.length} configuration(s)`, async () => {
        const inline = await replayFile(IMPORTERS + name, { configs, parallel: false });
        const split = await replayFile(IMPORTERS + name, { configs, parallel: true });
        expect(inline.configs[0].metrics.packets).toBeGreaterThan(0);
        expect(split.trace).toEqual(inline.trace);
        expect(split.configs).toEqual(inline.configs);
      });
    }
  }
});

describe('csv-parse streaming baseline on bad input', () => {
  // A benchmark baseline, not held to the hostile corpus; but it stops on bad rows with the
  // reference reader's one line (file:line:column), and on quote damage at the right line, column 1.
  const BAD = new URL('../fixtures/bad/', import.meta.url).pathname;
  const outcome = async (path: string, reader: ReplayOptions['reader'], extra: Partial<ReplayOptions> = {}) => {
    try {
      await replayFile(path, { configs: [{}], reader, parallel: false, ...extra });
      return 'accepted';
    } catch (e) {
      if (e instanceof InputError) return e.message;
      throw e;
    }
  };
  const same = [
    'unknown-event.csv',
    'rxhash-too-large.csv',
    'cpu-out-of-range.csv',
    'undeclared-queue.csv',
    'ts-above-2-53.csv',
    'nul-byte.csv',
    'missing-socket.csv',
    'missing-cpu.csv',
    'short-row.csv',
    'too-many-fields.csv',
    'concatenated-traces.csv',
    'repeated-header-row.csv',
    'header-only.csv',
    'duplicate-column.csv',
    'no-header-row.csv',
  ];
  for (const file of same) {
    it(`${file}: the reference reader's message`, async () => {
      const ref = await outcome(BAD + file, 'csv-parse');
      expect(ref).not.toBe('accepted');
      expect(await outcome(BAD + file, readV1WithCsvParseStream)).toBe(ref);
    });
  }
  it('--lenient: skips the same rows, and a trace with none left is an error', async () => {
    const file = BAD + 'all-rows-bad-lenient.csv';
    expect(await outcome(file, readV1WithCsvParseStream, { lenient: true })).toBe(await outcome(file, 'csv-parse', { lenient: true }));
    const text = readFileSync(HEAD, 'latin1').split('\n');
    text[10] = text[10].replace(/,packet,|,recvmsg,|,sendmsg,|,deliver,/, ',bogus,');
    text[20] = text[20] + ',extra';
    const path = writeTrace(text.join('\n'), 'lenient-stream.csv');
    const ref = await replayFile(path, { configs: [{}], reader: 'csv-parse', lenient: true });
    const stream = await replayFile(path, { configs: [{}], reader: readV1WithCsvParseStream, lenient: true, parallel: false });
    expect(ref.trace.skipped.total).toBe(2);
    expect(stream.trace).toEqual(ref.trace);
    expect(stream.configs).toEqual(ref.configs);
  });
  for (const [file, line] of [
    ['unterminated-quote.csv', 5],
    ['quote-inside-field.csv', 5],
    ['text-after-closing-quote.csv', 5],
  ] as const) {
    it(`${file}: quote damage at its line, column 1`, async () => {
      const ref = await outcome(BAD + file, 'csv-parse');
      const detail = ref.slice(ref.indexOf(': ') + 2);
      expect(await outcome(BAD + file, readV1WithCsvParseStream)).toBe(`${BAD}${file}:${line}:1: ${detail}`);
    });
  }
});
