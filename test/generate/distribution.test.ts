/**
 * The workload settings show up in the generated rows with the asked-for
 * shape: Zipf rank/rate slope, churn and close-path shares, 4-tuple reuse,
 * thread migration, burst sizes, arrival rate and the limits.
 * Tolerances are several standard deviations of the sampling noise, with
 * fixed seeds, so the tests are exact-reproducible and still fail if a
 * setting is ignored or mis-scaled.
 */
import { describe, expect, it } from 'vitest';
import { START_TS } from '../../src/generate/generator.js';
import { TcpState } from '../../src/ingest/trace.js';
import { generate, parse, workload, type Row } from './helpers.js';

/** recvmsg rows in ESTABLISHED = requests. */
const requests = (rows: Row[]) => rows.filter((r) => r.event === 'recvmsg' && r.state === TcpState.Established);

function perHashCounts(rows: Row[]): number[] {
  const m = new Map<number, number>();
  for (const r of requests(rows)) m.set(r.rxhash, (m.get(r.rxhash) ?? 0) + 1);
  return [...m.values()].sort((a, b) => b - a);
}

/** Least-squares slope of log(count) against log(rank) over ranks 1..n. */
function logLogSlope(counts: number[], n: number): number {
  const xs = counts.slice(0, n).map((_, i) => Math.log(i + 1));
  const ys = counts.slice(0, n).map((c) => Math.log(c));
  const mx = xs.reduce((a, b) => a + b) / n;
  const my = ys.reduce((a, b) => a + b) / n;
  let num = 0;
  let den = 0;
  for (let i = 0; i < n; i++) {
    num += (xs[i] - mx) * (ys[i] - my);
    den += (xs[i] - mx) ** 2;
  }
  return num / den;
}

const harmonic = (n: number, s: number) => Array.from({ length: n }, (_, i) => (i + 1) ** -s).reduce((a, b) => a + b);

describe('flow rates', () => {
  // Persistent connections, one packet and one read per request: one hash per flow, requests = rate draws.
  const base = { flows: 1000, burst: 1, reply: 0, migration: 0, rows: 400_000 };

  it.each([1, 1.5])('Zipf exponent %s: rank/rate log-log slope is -s (ranks 1-50) and the top flow gets 1/H(1000,s) of requests', (s) => {
    const { rows } = parse(generate(workload({ ...base, zipf: s, seed: 21 })).text);
    const counts = perHashCounts(rows);
    const total = counts.reduce((a, b) => a + b);
    const slope = logLogSlope(counts, 50);
    expect(slope, `slope ${slope.toFixed(3)}`).toBeGreaterThan(-s - 0.1);
    expect(slope, `slope ${slope.toFixed(3)}`).toBeLessThan(-s + 0.1);
    const top = counts[0] / total;
    const want = 1 / harmonic(1000, s);
    expect(Math.abs(top / want - 1), `top share ${top.toFixed(4)} vs ${want.toFixed(4)}`).toBeLessThan(0.05);
  });

  it('uniform rates: every flow within 5 standard deviations of the mean', () => {
    const { rows } = parse(generate(workload({ ...base, rates: 'uniform', seed: 22 })).text);
    const counts = perHashCounts(rows);
    expect(counts.length).toBe(1000);
    const mean = counts.reduce((a, b) => a + b) / counts.length;
    for (const c of [counts[0], counts[counts.length - 1]]) expect(Math.abs(c - mean)).toBeLessThan(5 * Math.sqrt(mean));
  });
});

describe('connection churn', () => {
  const { text, stats } = generate(workload({ seed: 31, flows: 2000, connRequests: 4, activeClose: 0.3, reuse: 0.4, migration: 0, rows: 300_000 }));
  const { rows } = parse(text);
  const closes = rows.filter((r) => r.event === 'state' && r.state === TcpState.Close);
  const established = rows.filter((r) => r.event === 'state' && r.state === TcpState.Established);

  it('closes one connection per connRequests=4 requests (geometric lifetime)', () => {
    const ratio = closes.length / requests(rows).length;
    expect(Math.abs(ratio - 0.25), `closes/requests ${ratio.toFixed(4)}`).toBeLessThan(0.01);
  });

  it('takes the FIN_WAIT path for activeClose=0.3 of closes and CLOSE_WAIT/LAST_ACK for the rest', () => {
    const prev = new Map<string, number>();
    let finWait = 0;
    let lastAck = 0;
    for (const r of rows) {
      if (r.event !== 'state') continue;
      if (r.state === TcpState.Close) {
        if (prev.get(r.socket) === TcpState.FinWait2) finWait++;
        else if (prev.get(r.socket) === TcpState.LastAck) lastAck++;
      }
      prev.set(r.socket, r.state);
    }
    expect(finWait + lastAck).toBe(closes.length);
    expect(finWait).toBe(stats.activeCloses);
    const share = finWait / closes.length;
    expect(Math.abs(share - 0.3), `FIN_WAIT share ${share.toFixed(4)}`).toBeLessThan(0.015);
  });

  it('reconnects with the previous 4-tuple (same hash) reuse=0.4 of the time', () => {
    // Every slot starts open, so every ESTABLISHED row is a reconnect; it reuses the 4-tuple
    // when its hash is one a closed connection had (a fresh random 32-bit hash repeating
    // an earlier one is negligibly rare).
    const closed = new Set<number>();
    let reused = 0;
    for (const r of rows) {
      if (r.event !== 'state') continue;
      if (r.state === TcpState.Established && closed.has(r.rxhash)) reused++;
      if (r.state === TcpState.Close) closed.add(r.rxhash);
    }
    expect(reused).toBe(stats.reuses);
    const share = reused / established.length;
    expect(Math.abs(share - 0.4), `reuse share ${share.toFixed(4)}`).toBeLessThan(0.015);
  });

  it('never has more than `active` connections open', () => {
    const w = workload({ seed: 32, flows: 1000, active: 50, connRequests: 2, rows: 50_000 });
    const { rows: r2 } = parse(generate(w).text);
    let open = 50;
    let max = open;
    for (const r of r2) {
      if (r.event !== 'state') continue;
      if (r.state === TcpState.SynRecv) open++;
      if (r.state === TcpState.Close) open--;
      max = Math.max(max, open);
    }
    expect(max).toBeLessThanOrEqual(50);
    expect(max).toBe(50);
  });
});

describe('consumer threads', () => {
  it('moves the serving thread to another CPU after migration=0.1 of requests', () => {
    const { text, stats } = generate(workload({ seed: 41, flows: 500, migration: 0.1, rows: 200_000 }));
    const last = new Map<number, number>();
    let pairs = 0;
    let moved = 0;
    for (const r of requests(parse(text).rows)) {
      const prev = last.get(r.rxhash);
      if (prev !== undefined) {
        pairs++;
        if (prev !== r.cpu) moved++;
      }
      last.set(r.rxhash, r.cpu);
    }
    const rate = moved / pairs;
    expect(Math.abs(rate - 0.1), `moves per request ${rate.toFixed(4)}`).toBeLessThan(0.006);
    expect(stats.migrations).toBeGreaterThanOrEqual(moved);
  });

  it('with 4 consumers per flow, reads spread over 4 CPUs per flow', () => {
    const { text } = generate(workload({ seed: 42, flows: 50, cpus: 64, consumers: 4, migration: 0, rows: 100_000 }));
    const cpus = new Map<number, Set<number>>();
    for (const r of requests(parse(text).rows)) {
      if (!cpus.has(r.rxhash)) cpus.set(r.rxhash, new Set());
      cpus.get(r.rxhash)!.add(r.cpu);
    }
    const sizes = [...cpus.values()].map((s) => s.size);
    // 4 threads on CPUs drawn from 64: usually 4 distinct CPUs, never more.
    expect(Math.max(...sizes)).toBe(4);
    expect(sizes.filter((n) => n >= 3).length / sizes.length).toBeGreaterThan(0.9);
  });
});

describe('packets, time and limits', () => {
  it('sends burst=4 packets per request on average', () => {
    const { stats, text } = generate(workload({ seed: 51, burst: 4, rows: 200_000 }));
    const ratio = stats.packets / requests(parse(text).rows).length;
    expect(Math.abs(ratio - 4), `packets/request ${ratio.toFixed(3)}`).toBeLessThan(0.08);
  });

  it('runs rate=20000 requests/s for duration=0.5 s of trace time', () => {
    const { text, stats } = generate(workload({ seed: 52, rate: 20_000, duration: 0.5 }));
    const n = requests(parse(text).rows).length;
    expect(Math.abs(n - 10_000), `requests ${n}`).toBeLessThan(5 * Math.sqrt(10_000));
    expect(stats.lastTs - START_TS).toBeLessThan(0.5e9 + 1e6);
    expect(stats.firstTs).toBeGreaterThan(START_TS);
  });

  it('stops at exactly rows=12345 data rows', () => {
    const { text, stats } = generate(workload({ seed: 53, rows: 12_345, connRequests: 2 }));
    expect(stats.rows).toBe(12_345);
    expect(parse(text).rows.length).toBe(12_345);
  });

  it('keeps hashes within hashBits=12 bits', () => {
    const { rows } = parse(generate(workload({ seed: 54, hashBits: 12, rows: 20_000 })).text);
    expect(rows.every((r) => r.rxhash < 4096)).toBe(true);
    expect(new Set(rows.filter((r) => r.event === 'packet').map((r) => r.rxhash)).size).toBeGreaterThan(500);
  });
});
