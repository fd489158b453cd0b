/**
 * Every generated row is valid per the trace contract (the project's own
 * readers accept the whole trace in strict mode), the header declares what
 * the contract requires, and the rows tell a consistent story: packets on
 * the IRQ CPU of the queue RSS picks from the hash's low bits, sockets
 * walking legal TCP state paths, records only from open sockets.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readV1WithCsvParseStream } from '../../src/bench/csv-stream-reader.js';
import { readTrace } from '../../src/ingest/read.js';
import { TcpState, type TraceSink } from '../../src/ingest/trace.js';
import { HeaderParser } from '../../src/ingest/v1/header.js';
import { defaultIndirection } from '../../src/generate/toeplitz.js';
import { listScenarios, type Workload } from '../../src/generate/workload.js';
import { generate, parse, RECORD_EVENTS, scenarioWorkload, workload } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'rfs-gen-contract-'));

const CASES: [string, Workload][] = [
  ['defaults', workload({ rows: 30_000 })],
  [
    'churn, reuse, 2 consumers, deliver rows, 3 queues',
    workload({ seed: 2, flows: 200, cpus: 6, queues: 3, connRequests: 2, reuse: 0.5, consumers: 2, migration: 0.2, deliver: true, rows: 20_000 }),
  ],
  ['toeplitz, concurrency cap', workload({ seed: 5, rss: 'toeplitz', flows: 500, active: 40, connRequests: 3, reuse: 0.3, rows: 30_000 })],
  ['72 CPUs (comma-grouped mask), 1 CPU in the RPS map', workload({ seed: 6, cpus: 72, queues: 5, rpsCpus: '1', rows: 10_000 })],
  ...listScenarios().map((name): [string, Workload] => [`scenario ${name}`, scenarioWorkload(name, { rows: 15_000 })]),
];

function headerOf(text: string) {
  const p = new HeaderParser('gen.csv');
  const lines = text.split('\n');
  p.magic(lines[0]);
  for (let i = 1; lines[i].startsWith('#'); i++) p.comment(lines[i], i + 1);
  return p.finish();
}

describe.each(CASES)('generated trace: %s', (_name, w) => {
  const { text, stats } = generate(w);
  const { rows, columns } = parse(text);

  it('is read whole, in strict mode, by both readers (and the csv-parse streaming baseline)', async () => {
    const path = join(dir, `${w.scenario}-${w.seed}-${w.rows}.csv`);
    writeFileSync(path, text);
    for (const [name, reader] of [
      ['fast', 'fast'],
      ['csv-parse', 'csv-parse'],
      ['csv-parse streaming baseline', readV1WithCsvParseStream],
    ] as const) {
      let n = 0;
      const sink: TraceSink = { header: () => {}, batch: (b) => void (n += b.length) };
      const r = await readTrace(path, sink, { reader });
      expect(r.skipped.total, name).toBe(0);
      expect(n, name).toBe(stats.rows);
    }
  });

  it('declares nr_cpu_ids, rps_sock_flow_entries, kernel and one queue line per queue', () => {
    const h = headerOf(text);
    expect(h.nrCpuIds).toBe(w.cpus);
    expect(h.rpsSockFlowEntries).toBe(w.entries);
    expect(h.kernel).toBe(w.kernel);
    expect(h.implicitQueue).toBe(false);
    expect(h.queues.map((q) => q.name)).toEqual(Array.from({ length: w.queues }, (_, q) => `eth0:${q}`));
    const mapCpus = w.rpsCpus === '' ? Array.from({ length: w.cpus }, (_, c) => c) : null;
    for (const q of h.queues) {
      expect(q.rpsFlowCnt).toBe(w.flowCnt);
      if (mapCpus) expect(q.rpsCpus).toEqual(mapCpus);
    }
    expect(h.extra.seed).toBe(String(w.seed));
    expect(h.extra['gen.flows']).toBe(String(w.flows));
    expect(columns).toBe('ts,event,cpu,socket,state,rxhash,queue,skb');
  });

  it('has strictly increasing timestamps and CPUs below nr_cpu_ids', () => {
    for (let i = 1; i < rows.length; i++) if (!(rows[i].ts > rows[i - 1].ts)) throw new Error(`line ${rows[i].line}: ts does not increase`);
    for (const r of rows) if (!(r.cpu >= 0 && r.cpu < w.cpus)) throw new Error(`line ${r.line}: cpu ${r.cpu}`);
  });

  it("puts each packet on the IRQ CPU of the queue the default indirection table picks from the hash's low bits", () => {
    let size = 128;
    while (size < w.queues) size *= 2;
    const indir = defaultIndirection(w.queues, size);
    for (const r of rows) {
      if (r.event !== 'packet' && r.event !== 'deliver') continue;
      const q = indir[r.rxhash & (size - 1)];
      if (r.queue !== `eth0:${q}`) throw new Error(`line ${r.line}: hash ${r.rxhash} on ${r.queue}, expected eth0:${q}`);
      if (r.event === 'packet' && r.cpu !== q % w.cpus) throw new Error(`line ${r.line}: packet on cpu ${r.cpu}, IRQ CPU is ${q % w.cpus}`);
      if (r.rxhash === 0 || r.rxhash > 2 ** w.hashBits - 1) throw new Error(`line ${r.line}: hash ${r.rxhash} outside 1..2^${w.hashBits}-1`);
    }
  });

  it('walks every socket through a legal TCP state path, with records only while it is open', () => {
    // Allowed next states; a socket open when the capture starts has no state rows before its records.
    const next: Record<number, number[]> = {
      [TcpState.Close]: [TcpState.SynRecv],
      [TcpState.SynRecv]: [TcpState.Established],
      [TcpState.Established]: [TcpState.FinWait1, TcpState.CloseWait],
      [TcpState.FinWait1]: [TcpState.FinWait2],
      [TcpState.FinWait2]: [TcpState.Close],
      [TcpState.CloseWait]: [TcpState.LastAck],
      [TcpState.LastAck]: [TcpState.Close],
    };
    const state = new Map<string, number>();
    const hash = new Map<string, number>();
    for (const r of rows) {
      if (r.event === 'state') {
        const from = state.get(r.socket) ?? (r.state === TcpState.SynRecv ? TcpState.Close : TcpState.Established);
        if (!next[from]?.includes(r.state)) throw new Error(`line ${r.line}: ${r.socket} goes ${from} -> ${r.state}`);
        state.set(r.socket, r.state);
        if (r.state === TcpState.Established) hash.set(r.socket, r.rxhash);
        if (r.state === TcpState.SynRecv) hash.delete(r.socket);
        else if (r.state !== TcpState.Established && r.rxhash !== hash.get(r.socket)) throw new Error(`line ${r.line}: state row hash changed`);
      } else if (RECORD_EVENTS.has(r.event)) {
        const s = state.get(r.socket) ?? TcpState.Established;
        if (r.state !== s) throw new Error(`line ${r.line}: record says state ${r.state}, socket is in ${s}`);
        const ok = s === TcpState.Established || (s === TcpState.CloseWait && r.event === 'recvmsg');
        if (!ok) throw new Error(`line ${r.line}: ${r.event} in state ${s}`);
        if (!hash.has(r.socket)) hash.set(r.socket, r.rxhash);
        if (hash.get(r.socket) !== r.rxhash) throw new Error(`line ${r.line}: socket hash changed while open`);
      }
    }
  });

  it(
    w.deliver
      ? 'follows every packet with its deliver row (same skb, same hash), and every packet and deliver row has an skb'
      : 'has no deliver rows (off by default) and no skb values (the skb only links a packet to its deliver row)',
    () => {
      if (!w.deliver) {
        expect(rows.some((r) => r.event === 'deliver')).toBe(false);
        for (const r of rows) if (r.skb !== '') throw new Error(`line ${r.line}: ${r.event} row has skb ${r.skb}`);
        // Packet rows end ",eth0:N," with the skb field empty: still the 8-column layout.
        const packet = text.split('\n').find((l) => l.includes(',packet,'))!;
        expect(packet).toMatch(/^\d+,packet,\d+,,,0x[0-9a-f]{8},eth0:\d+,$/);
        return;
      }
      for (const r of rows) {
        if (r.event === 'packet' || r.event === 'deliver') {
          if (!/^0x[0-9a-f]{16}$/.test(r.skb)) throw new Error(`line ${r.line}: ${r.event} row has skb "${r.skb}"`);
        } else if (r.skb !== '') throw new Error(`line ${r.line}: ${r.event} row has skb ${r.skb}`);
      }
      // The exact row limit may cut the last packet's deliver row off, as a capture ending mid-pair would.
      for (let i = 0; i < rows.length - 1; i++) {
        if (rows[i].event !== 'packet') continue;
        const d = rows[i + 1];
        if (!d || d.event !== 'deliver' || d.skb !== rows[i].skb || d.rxhash !== rows[i].rxhash) throw new Error(`line ${rows[i].line}: no deliver row`);
      }
      expect(stats.packets - stats.delivers).toBeLessThanOrEqual(1);
      // Every deliver row follows a packet with the same skb.
      for (let i = 0; i < rows.length; i++) {
        if (rows[i].event !== 'deliver') continue;
        if (rows[i - 1]?.event !== 'packet' || rows[i - 1].skb !== rows[i].skb) throw new Error(`line ${rows[i].line}: deliver row without its packet`);
      }
    },
  );

  it('counts its rows by kind', () => {
    const count = (pred: (e: string) => boolean) => rows.filter((r) => pred(r.event)).length;
    expect(rows.length).toBe(stats.rows);
    expect(count((e) => e === 'packet')).toBe(stats.packets);
    expect(count((e) => RECORD_EVENTS.has(e))).toBe(stats.records);
    expect(count((e) => e === 'state')).toBe(stats.states);
  });
});
