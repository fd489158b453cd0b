/**
 * Each importer on real tool output (test/fixtures/importers, see its
 * README): sniffing picks it, and the rows it reports are the ones the lines
 * say, in time order, and pass the same row validation v1 rows do.
 */
import { readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../../src/errors.js';
import { IMPORTERS } from '../../../src/ingest/importers/index.js';
import type { Importer } from '../../../src/ingest/importers/types.js';
import { newIdentities, RowBuilder, type TextRow } from '../../../src/ingest/rows.js';
import { sniffFormat } from '../../../src/ingest/sniff.js';
import { IMPORTER_FIXTURES } from '../../helpers/importer-fixtures.js';
import type { TraceHeader } from '../../../src/ingest/trace.js';

const FIXTURES = resolve(import.meta.dirname, '../../fixtures/importers');
const text = (name: string): string => readFileSync(join(FIXTURES, name), 'utf8');
const byFormat = (f: string): Importer => IMPORTERS.find((i) => i.format === f)!;

async function* linesOf(s: string): AsyncIterable<string> {
  const lines = s.split('\n');
  if (lines[lines.length - 1] === '') lines.pop();
  yield* lines;
}

async function runImporter(
  imp: Importer,
  content: string,
  file = 'fixture',
): Promise<{ header: TraceHeader; rows: (TextRow & { line: number })[]; built: number }> {
  let header: TraceHeader | null = null;
  const rows: (TextRow & { line: number })[] = [];
  let builder: RowBuilder | null = null;
  await imp.run(linesOf(content), {
    file,
    header(h) {
      expect(header, 'header is reported once').toBeNull();
      header = h;
      builder = new RowBuilder(file, h, h.nrCpuIds ?? 2, { header() {}, batch() {} }, newIdentities(), null);
    },
    row(r, line, cols) {
      expect(builder, 'header comes before the first row').not.toBeNull();
      rows.push({ ...r, line });
      builder!.add(r, line, cols); // throws on a row a v1 trace could not hold
    },
  });
  builder!.flush();
  return { header: header!, rows, built: builder!.rows };
}

function expectTimeOrder(rows: { ts: string }[]): void {
  for (let i = 1; i < rows.length; i++) expect(Number(rows[i].ts)).toBeGreaterThanOrEqual(Number(rows[i - 1].ts));
}

describe('sniffFormat', () => {
  it.each(IMPORTER_FIXTURES)('recognises %s as %s', (file, format) => {
    const got = sniffFormat(text(file).slice(0, 65536));
    expect(got === 'rfs-v1' ? got : got.format).toBe(format);
  });

  it('leaves v1 traces, with or without BOM, to the v1 reader', () => {
    expect(sniffFormat('# rfs-trace v1\n# nr_cpu_ids=2\nts,event\n')).toBe('rfs-v1');
    expect(sniffFormat('\ufeff# rfs-trace v1\n')).toBe('rfs-v1');
  });

  it('hands unrecognised text to the v1 reader, whose first-line check explains', () => {
    expect(sniffFormat('hello world\n1,2,3\n')).toBe('rfs-v1');
    // bpftrace JSON of some other script is not ours either.
    expect(sniffFormat('{"type": "printf", "data": "hello\\n"}\n')).toBe('rfs-v1');
  });
});

describe('perf script importer', () => {
  it('turns net/sock tracepoint lines into packet, deliver and record rows', async () => {
    const { header, rows } = await runImporter(byFormat('perf-script'), text('perf-script.txt'));
    expect(header.nrCpuIds).toBe(2); // "# nrcpus avail : 2"
    expect(header.implicitQueue).toBe(true);
    expectTimeOrder(rows);
    // "node 26533 [000]  1184.389296:        net:netif_rx_entry: dev=lo … skbaddr=0xffff888136b164e0 … hash=…"
    const first = rows.find((r) => r.event === 'packet')!;
    const line = text('perf-script.txt').split('\n')[first.line - 1];
    expect(line).toContain('net:netif_rx_entry:');
    expect(first.ts).toBe('1184389296000');
    expect(first.cpu).toBe('0');
    expect(first.skb).toBe('0xffff888136b164e0');
    expect(first.rxhash).toBe(/hash=(0x[0-9a-f]+)/.exec(line)![1]);
    const deliver = rows.find((r) => r.event === 'deliver' && r.skb === first.skb)!;
    expect(deliver.line).toBeGreaterThan(first.line);
    // Line 37 sock_send_length of 0xffff8881806a0000 is stamped at line 32's sys_enter_write (same tid 26533).
    const send = rows.find((r) => r.event === 'sendmsg' && r.line === 37)!;
    expect(send).toMatchObject({ socket: '0xffff8881806a0000', cpu: '0', ts: '1184395599000', rxhash: '0' });
    // AF_UNIX sends (family = 0x1) are not sock flow table records.
    expect(
      rows.filter((r) => r.event === 'sendmsg' || r.event === 'recvmsg').every((r) => /AF_INET/.test(text('perf-script.txt').split('\n')[r.line - 1])),
    ).toBe(true);
    // The print format of inet_sock_set_state names no socket: no state rows.
    expect(rows.some((r) => r.event === 'state')).toBe(false);
  });

  it('rejects a line that is not perf script output with file:line:column', async () => {
    const bad = text('perf-script.txt').split('\n').slice(0, 14).join('\n') + '\nthis is not perf output\n';
    await expect(runImporter(byFormat('perf-script'), bad, 'p.txt')).rejects.toThrow(/^p\.txt:15:1: expected a perf script line/);
  });
});

describe('ftrace / trace-cmd importer', () => {
  it('reads the tracefs trace file (hashed pointers, latency flags, sys_write( entries)', async () => {
    const { header, rows } = await runImporter(byFormat('ftrace'), text('ftrace-trace.txt'));
    expect(header.nrCpuIds).toBe(2); // "#P:2"
    expectTimeOrder(rows);
    const d = rows.find((r) => r.line === 15)!; // "node-26576 [001] ..s1. 1186.149618: netif_receive_skb: dev=lo skbaddr=000000008c2a8cc5 len=60"
    expect(d).toMatchObject({ event: 'deliver', cpu: '1', ts: '1186149618000', skb: '000000008c2a8cc5' });
    expect(rows.some((r) => r.event === 'packet' && r.skb === '000000008c2a8cc5')).toBe(true);
  });

  it('reads trace-cmd report and takes nr_cpu_ids from "cpus=2"', async () => {
    const { header, rows } = await runImporter(byFormat('ftrace'), text('trace-cmd-report.txt'));
    expect(header.nrCpuIds).toBe(2);
    expect(rows.filter((r) => r.event === 'packet').length).toBe(16);
    expect(rows.filter((r) => r.event === 'deliver').length).toBe(16);
    expect(rows.some((r) => r.event === 'recvmsg' || r.event === 'sendmsg')).toBe(true);
  });

  it('gets state rows only from raw output (trace-cmd report -R), which names the socket', async () => {
    const { rows } = await runImporter(byFormat('ftrace'), text('trace-cmd-report-raw.txt'));
    // line 7: "skaddr=0xffff88810b3d9bc0 oldstate=2 newstate=1" (SYN_SENT → ESTABLISHED)
    expect(rows.find((r) => r.line === 7)).toMatchObject({ event: 'state', socket: '0xffff88810b3d9bc0', state: '1', cpu: '0', ts: '1195187117000' });
    // raw netif_rx_entry prints name= instead of dev=, and still carries hash and skbaddr
    expect(rows.filter((r) => r.event === 'packet').every((r) => r.rxhash.startsWith('0x'))).toBe(true);
  });
});

describe('bpftrace output of the capture program', () => {
  it('reads -f json output: the snapshot header and the protocol rows', async () => {
    const { header, rows } = await runImporter(byFormat('bpftrace-json'), text('bpftrace-f-json.json'));
    expect(header).toMatchObject({ nrCpuIds: 2, rpsSockFlowEntries: 64, implicitQueue: false });
    expect(header.queues).toEqual([{ name: 'lo:0', rpsCpus: [0, 1], rpsCpusMask: '3', rpsFlowCnt: 16 }]);
    expectTimeOrder(rows);
    // {"type": "printf", "data": "pkt 1292828661388 0 x 0xffff888136b160e0 1786124923 0 1\n"}
    expect(rows.find((r) => r.event === 'packet')).toMatchObject({
      ts: '1292828661388',
      cpu: '0',
      skb: '0xffff888136b160e0',
      rxhash: '0x6a761a7b',
      queue: 'lo:0',
    });
    // {"type": "printf", "data": "st 1292828722982 0 0xffff8881806a40c0 2 1 238932371\n"}
    expect(rows).toContainEqual(expect.objectContaining({ event: 'state', socket: '0xffff8881806a40c0', state: '1', rxhash: '0x0e3dd193' }));
    expect(rows.filter((r) => r.event === 'packet')).toHaveLength(26);
    expect(rows.filter((r) => r.event === 'deliver')).toHaveLength(26);
  });

  it('reads text-mode output, skipping bpftrace\'s own "Attaching" line', async () => {
    const { header, rows } = await runImporter(byFormat('bpftrace-text'), text('bpftrace-text.txt'));
    expect(header.nrCpuIds).toBe(2);
    expect(rows.length).toBeGreaterThan(50);
    expectTimeOrder(rows);
  });

  it('counts "lost_events" records in the header', async () => {
    const content = text('bpftrace-f-json.json') + '{"type": "lost_events", "data": {"events": 12}}\n';
    const { header } = await runImporter(byFormat('bpftrace-json'), content);
    expect(header.extra.capture_lost_events).toBe('12');
  });

  it('rejects a malformed protocol line with its position', async () => {
    const content = '{"type": "printf", "data": "rfs-capture v1\\n"}\n{"type": "printf", "data": "pkt 12 0 x 0xff notahash 0 1\\n"}\n';
    const err = await runImporter(byFormat('bpftrace-json'), content, 'b.json').catch((e: unknown) => e);
    expect(err).toBeInstanceOf(InputError);
    expect((err as InputError).message).toMatch(/^b\.json:2:\d+: expected hash in the rfs-capture line, found "notahash"$/);
  });
});
