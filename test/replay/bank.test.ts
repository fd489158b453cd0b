/**
 * One pass replays every configuration as lanes of one FlowTableBank, which
 * share the trace-derived socket state and lane-interleaved tables (pending
 * packets per flow, per-queue flow table entries, the deliver window). Each
 * lane must end exactly as if its configuration had been replayed alone: any
 * leak between lanes (a wrong stride, a shared counter, a lane reading its
 * neighbour's entry) shows up as a difference here.
 */
import { describe, expect, it } from 'vitest';
import { readTrace } from '../../src/ingest/read.js';
import type { TraceBatch, TraceHeader } from '../../src/ingest/trace.js';
import { resolveConfig } from '../../src/model/config.js';
import { FlowTableBank } from '../../src/model/flow-tables.js';
import { CTL_BLOCKS_USED, CTL_NODES_USED, L_SOCK, L_TABLE_LEAD, LANE_WORDS, LANES_AT } from '../../src/model/lane-layout.js';
import type { WasmLanes } from '../../src/model/wasm-lanes.js';
import { planLaneMemory } from '../../src/model/lane-memory.js';
import { DeliverMatcher } from '../../src/replay/deliver-matching.js';
import { replayFile } from '../../src/replay/engine.js';
import type { ConfigRequest } from '../../src/types/config-request.js';

const KERNEL_CAPTURES = new URL('../fixtures/kernel/', import.meta.url).pathname;
const SCENARIOS = new URL('../../traces/scenarios/', import.meta.url).pathname;

// Different kernels, table sizes (so different per-lane strides into the shared
// per-queue tables), CPU counts (a wider CPU mask M: fewer hash bits checked), RPS maps, and the explain/timeline extras.
const LANES: ConfigRequest[] = [
  { explain: true, timeline: true },
  { entries: 16 },
  { kernel: '3.19' },
  { entries: 0 },
  { entries: 4096, kernel: '4.10', flowCnt: 8 },
  { cpus: 96, kernel: '6.15' },
  { flowCnt: 1 },
  { entries: 65536, flowCnt: 32768, kernel: '4.0' },
  { rpsCpus: '1', timeline: true },
];

// A size sweep of eight lanes, out of order, with a repeated size and RFS off: the vector path.
const SWEEP_8: ConfigRequest[] = [4096, 16, 0, 65536, 256, 256, 1024, 8].map((entries) => ({ entries }));

describe('a bank of lanes = each configuration replayed alone', () => {
  const traces = [
    KERNEL_CAPTURES + 'lo-rr-e128-f64.csv.gz', // deliver rows: the shared deliver window
    KERNEL_CAPTURES + 'lo-bulk-e1024-f1024.csv.gz',
    SCENARIOS + 'web-short.csv.gz', // connection churn: state rows, deletes, 3.19 rehash
    SCENARIOS + 'many-queues.csv.gz',
  ];
  for (const path of traces) {
    it(path.split('/').pop()!, async () => {
      const together = await replayFile(path, { configs: LANES, parallel: false });
      expect(together.configs).toHaveLength(LANES.length);
      for (let i = 0; i < LANES.length; i++) {
        const alone = await replayFile(path, { configs: [LANES[i]], parallel: false });
        expect(together.configs[i], `lane ${i}: ${JSON.stringify(LANES[i])}`).toEqual(alone.configs[0]);
      }
      // The lanes did differ, so equality above is not the trivial kind.
      const hits = new Set(together.configs.map((c) => c.metrics.hits));
      expect(hits.size).toBeGreaterThan(3);
    });
  }
});

describe('a mixed bank with a vector group = each configuration replayed alone', () => {
  // As in the report's sweep: the configured setting with its timeline and explaining,
  // global sizes (five: a group of four on the vector path, one left to the scalar
  // path), a per-queue size and plain RPS, all in one bank.
  const MIXED: ConfigRequest[] = [
    { explain: true, timeline: true },
    ...[16, 256, 4096, 65536, 1024].map((entries) => ({ entries })),
    { flowCnt: 8 },
    { entries: 0, timeline: true },
  ];
  for (const path of [KERNEL_CAPTURES + 'lo-rr-e128-f64.csv.gz', SCENARIOS + 'web-short.csv.gz', SCENARIOS + 'many-queues.csv.gz']) {
    it(path.split('/').pop()!, async () => {
      const together = await replayFile(path, { configs: MIXED, parallel: false });
      for (let i = 0; i < MIXED.length; i++) {
        const alone = await replayFile(path, { configs: [MIXED[i]], parallel: false });
        expect(together.configs[i], `lane ${i}: ${JSON.stringify(MIXED[i])}`).toEqual(alone.configs[0]);
      }
      expect(new Set(together.configs.map((c) => c.metrics.hits)).size).toBeGreaterThan(3);
    });
  }
});

describe('lanes alike in global size and record rules share one table, and count as each alone', () => {
  // The report's second pass: per-queue sizes at one global size, here for three kernels
  // (6.16 deletes on close, 3.19 resets on close and on a changed rxhash, 4.10 does neither),
  // with a CPU-count what-if and a timeline among them (the table is shared, the lane is not).
  const QUEUE_SWEEP: ConfigRequest[] = [
    ...[8, 64, 1024].flatMap((flowCnt) => (['6.16', '3.19', '4.10'] as const).map((kernel) => ({ entries: 4096, flowCnt, kernel }))),
    { entries: 4096, flowCnt: 8, kernel: '6.16', cpus: 96 },
    { entries: 4096, kernel: '6.16', timeline: true, explain: true },
    { entries: 256, flowCnt: 64 },
  ];
  it('holds one table per size, kernel and CPU count', async () => {
    let header: TraceHeader | null = null;
    let nr = 0;
    await readTrace(SCENARIOS + 'web-short.csv.gz', { header: (h, n) => ((header = h), (nr = n)), batch: () => {} });
    const configs = QUEUE_SWEEP.map((r) => resolveConfig(header!, nr, r, 0));
    const { wasm } = planLaneMemory(configs, { traceCpus: nr, resolveIds: false });
    const table = (l: number) => wasm.i32[LANES_AT + l * LANE_WORDS + L_SOCK];
    const lead = (l: number) => wasm.i32[LANES_AT + l * LANE_WORDS + L_TABLE_LEAD];
    // Lanes 0, 3, 6 (6.16), 1, 4, 7 (3.19), 2, 5, 8 (4.10): three tables; 10 (6.16 with a timeline) shares the first.
    expect([3, 6, 10].map(table)).toEqual([table(0), table(0), table(0)]);
    expect([4, 7].map(table)).toEqual([table(1), table(1)]);
    expect([5, 8].map(table)).toEqual([table(2), table(2)]);
    expect(new Set([table(0), table(1), table(2), table(9), table(11)]).size).toBe(5);
    expect([0, 1, 2, 3, 9, 11].map(lead)).toEqual([0, 1, 2, 0, -1, -1]);
  });
  it('gives each closed-loop lane a table of its own (its threads record on the CPUs they moved to)', async () => {
    let header: TraceHeader | null = null;
    let nr = 0;
    await readTrace(SCENARIOS + 'web-short.csv.gz', { header: (h, n) => ((header = h), (nr = n)), batch: () => {} });
    const open = resolveConfig(header!, nr, { entries: 4096, flowCnt: 64 }, 0);
    const configs = [
      { ...resolveConfig(header!, nr, {}, 0), loop: 'reference' as const },
      open,
      { ...open, loop: 'follow-low' as const },
      { ...open, loop: 'follow-high' as const },
      resolveConfig(header!, nr, { entries: 4096, flowCnt: 8 }, 0),
    ];
    const { wasm } = planLaneMemory(configs, { traceCpus: nr, resolveIds: false });
    const table = (l: number) => wasm.i32[LANES_AT + l * LANE_WORDS + L_SOCK];
    const lead = (l: number) => wasm.i32[LANES_AT + l * LANE_WORDS + L_TABLE_LEAD];
    expect(table(4)).toBe(table(1));
    expect(new Set([table(1), table(2), table(3)]).size).toBe(3);
    expect([2, 3].map(lead)).toEqual([-1, -1]);
  });
  for (const path of [SCENARIOS + 'web-short.csv.gz', KERNEL_CAPTURES + 'lo-rr-e128-f64.csv.gz', SCENARIOS + 'many-queues.csv.gz']) {
    it(path.split('/').pop()!, async () => {
      const together = await replayFile(path, { configs: QUEUE_SWEEP, parallel: false });
      for (let i = 0; i < QUEUE_SWEEP.length; i++) {
        const alone = await replayFile(path, { configs: [QUEUE_SWEEP[i]], parallel: false });
        expect(together.configs[i], `lane ${i}: ${JSON.stringify(QUEUE_SWEEP[i])}`).toEqual(alone.configs[0]);
      }
      // Records wrote, evicted and deleted in the shared tables: their counts are not the trivial kind.
      const m = together.configs.map((c) => c.metrics);
      expect(m.every((x) => x.writes > 0)).toBe(true);
      expect(m.some((x) => x.evictions > 0)).toBe(true);
    });
  }
});

describe('a size sweep = each size replayed alone', () => {
  // Lanes that differ only in their global table take the kernel's shared path, which
  // works out the CPU fold, queue and per-queue entry once per packet for all of them,
  // and reads a larger table's slot only when no smaller table's slot is owned by the
  // row's flow (recordSameLanes()). Sizes out of order, a repeated size and RFS off
  // (0) check that the kernel walks the tables by size, not in the order given.
  // Sweeps of four or eight lanes (with collision detection) take the vector path,
  // four lanes at a time (packetVector()); seven lanes, and 3.19, the scalar one.
  const SIZES: ConfigRequest[] = [16, 256, 4096, 65536].map((entries) => ({ entries }));
  const SHUFFLED = [4096, 16, 0, 65536, 256, 256, 1024];
  const SHUFFLED_8 = [...SHUFFLED, 8];
  const sweeps: [string, ConfigRequest[]][] = [
    ['by size', SIZES],
    ['out of order', SHUFFLED.map((entries) => ({ entries }))],
    ['out of order, eight lanes', SHUFFLED_8.map((entries) => ({ entries }))],
    ['4096 CPUs, eight lanes', SHUFFLED_8.map((entries) => ({ entries, cpus: 4096 }))],
    // 4.10 records only from ESTABLISHED sockets; 3.19 has no collision check and
    // resets a rehashed socket's old slot, so its records take the per-lane path.
    ['4.10, out of order', SHUFFLED.map((entries) => ({ entries, kernel: '4.10' as const }))],
    ['4.10, out of order, eight lanes', SHUFFLED_8.map((entries) => ({ entries, kernel: '4.10' as const }))],
    ['3.19, out of order', SHUFFLED.map((entries) => ({ entries, kernel: '3.19' as const }))],
  ];
  for (const path of [KERNEL_CAPTURES + 'lo-rr-e128-f64.csv.gz', SCENARIOS + 'web-short.csv.gz', SCENARIOS + 'many-queues.csv.gz']) {
    for (const [name, sweep] of sweeps) {
      it(`${path.split('/').pop()!}, ${name}`, async () => {
        const together = await replayFile(path, { configs: sweep, parallel: false });
        for (let i = 0; i < sweep.length; i++) {
          const alone = await replayFile(path, { configs: [sweep[i]], parallel: false });
          expect(together.configs[i], `size ${sweep[i].entries}`).toEqual(alone.configs[0]);
        }
        expect(new Set(together.configs.map((c) => c.metrics.hits)).size).toBeGreaterThan(2);
      });
    }
  }

  it('takes the shared path only when the lanes differ in nothing else', async () => {
    let header: TraceHeader | undefined;
    let nr = 0;
    await readTrace(KERNEL_CAPTURES + 'lo-rr-e128-f64.csv.gz', { header: (h, n) => ((header = h), (nr = n)), batch: () => {} });
    const bank = (reqs: ConfigRequest[]) =>
      new FlowTableBank(
        reqs.map((r) => resolveConfig(header!, nr, r)),
        { traceCpus: nr, resolveIds: false },
      );
    expect(bank(SIZES).sameLanes).toBe(true);
    expect(bank([{ entries: 16 }]).sameLanes).toBe(true);
    expect(bank([...SIZES, { kernel: '4.10' }]).sameLanes).toBe(false);
    expect(bank([...SIZES, { cpus: 3 }]).sameLanes).toBe(false);
    expect(bank([...SIZES, { flowCnt: 8 }]).sameLanes).toBe(false);
    expect(bank([...SIZES, { entries: 64, timeline: true }]).sameLanes).toBe(false);
    expect(bank([{ entries: 64, explain: true }]).sameLanes).toBe(false);
    // The vector path: a shared path in fours, with collision detection.
    expect(bank(SIZES).vector).toBe(true);
    expect(bank(SHUFFLED_8.map((entries) => ({ entries }))).vector).toBe(true);
    expect(bank(SHUFFLED.map((entries) => ({ entries }))).vector).toBe(false);
    expect(bank(SIZES.map((r) => ({ ...r, kernel: '3.19' as const }))).vector).toBe(false);
    // In a mixed bank, the longest run of such lanes, in fours.
    expect(bank([{ timeline: true }, ...SIZES, { entries: 8 }, { flowCnt: 8 }]).vectorLanes).toEqual({ first: 1, lanes: 4 });
    expect(bank([...SIZES, { kernel: '4.10' }, ...SIZES.slice(1)]).vectorLanes).toEqual({ first: 0, lanes: 4 });
    expect(bank([{ kernel: '3.19' }, ...SIZES.map((r) => ({ ...r, kernel: '3.19' as const })), { flowCnt: 8 }]).vector).toBe(false);
    expect(bank([...SIZES.slice(0, 3), { flowCnt: 8 }, ...SIZES.slice(0, 3)]).vector).toBe(false);
  });
});

describe("the lane kernel's growable regions", () => {
  // A bank reserves its per-flow, per-socket and node regions large; started at their
  // smallest, a short trace makes every one grow (moving the pending packets, the flow
  // and socket numbering, the disagreement log) many times over. Nothing may change.
  const cases: [string, ConfigRequest[]][] = [
    [KERNEL_CAPTURES + 'lo-rr-e128-f64.csv.gz', LANES],
    [SCENARIOS + 'web-short.csv.gz', LANES],
    [SCENARIOS + 'web-short.csv.gz', SWEEP_8], // the vector path (packetVector()) adds nodes too
  ];
  for (const [path, lanes] of cases) {
    it(`grown from their smallest = reserved up front: ${path.split('/').pop()}, ${lanes === LANES ? 'mixed lanes' : 'a size sweep of eight'}`, async () => {
      const batches: TraceBatch[] = [];
      let header: TraceHeader | undefined;
      let nr = 0;
      // deferIds: the identities stay raw, as from the parse worker, so the banks number them.
      await readTrace(path, { header: (h, n) => ((header = h), (nr = n)), batch: (b) => batches.push(copyBatch(b)) }, { deferIds: true });
      const state = new DeliverMatcher(true);
      state.setCpus(nr);
      const ordinals = batches.map((b) => {
        state.match(b);
        return state.ordinals?.slice(0, b.length) ?? null;
      });
      const configs = lanes.map((req) => resolveConfig(header!, nr, req));
      const reserved = new FlowTableBank(configs, { traceCpus: nr, resolveIds: true });
      const grown = new FlowTableBank(configs, { traceCpus: nr, resolveIds: true, startSmall: true });
      expect(grown.vector).toBe(lanes === SWEEP_8);
      batches.forEach((b, i) => {
        reserved.processBatch(b, ordinals[i]);
        grown.processBatch(b, ordinals[i]);
      });
      const results = (bank: FlowTableBank) => ({
        trace: bank.traceCounts(),
        lanes: bank.lanes.map((m) => ({
          metrics: m.finish(),
          queues: m.queueOccupancy(),
          table: m.sockTableOccupancy(),
          timeline: m.timelineBins(),
          disagreements: m.disagreements,
          examples: m.disagreementExamples,
        })),
      });
      const expected = results(reserved);
      expect(results(grown)).toEqual(expected);
      if (lanes === SWEEP_8) {
        // And the vector path = the scalar shared path, counter for counter and entry for entry.
        const scalar = new FlowTableBank(configs, { traceCpus: nr, resolveIds: true, vector: false });
        expect(scalar.vector).toBe(false);
        batches.forEach((b, i) => scalar.processBatch(b, ordinals[i]));
        expect(results(scalar)).toEqual(expected);
      }
      // Run lists' ends live in per-flow blocks from a pool, which never holds more blocks
      // than nodes (lane-layout.ts CTL_LIST_BLOCKS), grown or not; the trace made lists.
      for (const bank of [reserved, grown]) {
        const m = (bank as unknown as { wasm: WasmLanes }).wasm.i32;
        expect(m[CTL_BLOCKS_USED]).toBeGreaterThan(0);
        expect(m[CTL_BLOCKS_USED]).toBeLessThanOrEqual(m[CTL_NODES_USED]);
      }
      // The trace did exercise them: sockets, flows, and waiting packets.
      expect(expected.trace.distinctSockets).toBeGreaterThan(8);
      expect(expected.trace.distinctFlows).toBeGreaterThan(8);
      expect(expected.lanes[0].metrics.local).toBeGreaterThan(0);
    });
  }
});

describe('the lane kernel across batch boundaries', () => {
  // The kernel keeps state between calls (pending packets, socket state, the
  // marks up to which it has written fresh per-flow and per-socket memory):
  // the same rows cut into batches of 1, 5 or 333 must end exactly as in
  // batches of the reader's size. A mark lost between calls would zero the
  // pending packets and socket state of flows and sockets already seen.
  for (const [name, lanes] of [
    ['mixed lanes', LANES],
    ['a size sweep of eight (the vector path)', SWEEP_8],
  ] as const) {
    it(`same results whatever the batch size: web-short.csv.gz, ${name}, with a numbering bank and given ids as in a sweep`, async () => {
      const batches: TraceBatch[] = [];
      let header: TraceHeader | undefined;
      let nr = 0;
      await readTrace(
        SCENARIOS + 'web-short.csv.gz',
        { header: (h, n) => ((header = h), (nr = n)), batch: (b) => batches.push(copyBatch(b)) },
        { deferIds: true },
      );
      const configs = lanes.map((req) => resolveConfig(header!, nr, req));
      const replay = (size: number) => {
        const own = new FlowTableBank(configs, { traceCpus: nr, resolveIds: true });
        const numbering = new FlowTableBank([], { traceCpus: nr, resolveIds: true, ids: 'emit' });
        const given = new FlowTableBank(configs, { traceCpus: nr, resolveIds: true, ids: 'given' });
        const state = new DeliverMatcher(true);
        state.setCpus(nr);
        // Fresh copies: the numbering bank writes flow and socket ids into the batches.
        for (const b of batches.map(copyBatch)) {
          for (let from = 0; from < b.length; from += size) {
            const part = sliceBatch(b, from, Math.min(b.length, from + size));
            state.match(part, part.ordinal);
            const ordinals = state.ordinals;
            own.processBatch(part, ordinals);
            numbering.processBatch(part, null);
            given.processBatch(part, ordinals);
          }
        }
        const results = (bank: FlowTableBank) =>
          bank.lanes.map((m) => ({ metrics: m.finish(), queues: m.queueOccupancy(), table: m.sockTableOccupancy(), timeline: m.timelineBins() }));
        return { own: results(own), given: results(given), trace: numbering.traceCounts() };
      };
      const whole = replay(1 << 30);
      expect(whole.given).toEqual(whole.own);
      expect(whole.own[0].metrics.local).toBeGreaterThan(0);
      expect(whole.trace.distinctSockets).toBeGreaterThan(8);
      for (const size of [1, 5, 333]) expect(replay(size), `batches of ${size}`).toEqual(whole);
    });
  }
});

/** Rows [from, to) of a batch, as a batch of its own (views, not copies). */
function sliceBatch(b: TraceBatch, from: number, to: number): TraceBatch {
  const part = { ...b, length: to - from };
  for (const [k, v] of Object.entries(b)) if (ArrayBuffer.isView(v)) (part as Record<string, unknown>)[k] = (v as Int32Array).subarray(from);
  return part;
}

function copyBatch(b: TraceBatch): TraceBatch {
  const copy = { ...b };
  for (const [k, v] of Object.entries(b)) if (ArrayBuffer.isView(v)) (copy as Record<string, unknown>)[k] = (v as Int32Array).slice();
  copy.flow = new Int32Array(b.length);
  copy.ordinal = new Float64Array(b.length);
  return copy;
}
