/**
 * The memory plan of a bank (planLaneMemory): what the lanes find where,
 * read back from the WebAssembly memory through lane-layout.ts.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { readTrace } from '../../src/ingest/read.js';
import type { TraceHeader } from '../../src/ingest/trace.js';
import { resolveConfig } from '../../src/model/config.js';
import {
  CTL_BY_SIZE,
  CTL_FLOW_MASK,
  CTL_FLOW_TABLE,
  CTL_LANES,
  CTL_SAME_LANES,
  CTL_VLANES,
  DEV_CPU,
  DEV_FLOW_WORDS,
  L_QFLOW,
  L_QSTRIDE,
  L_QUEUES,
  L_SLOTS,
  L_SOCK,
  L_TIMELINE,
  LANE_WORDS,
  LANES_AT,
  Q_FIRST,
  Q_MAP,
  Q_SLOTS,
  RPS_NO_CPU,
  SOCK_ENT,
  SOCK_SLOT_WORDS,
} from '../../src/model/lane-layout.js';
import { planLaneMemory } from '../../src/model/lane-memory.js';
import type { ConfigRequest } from '../../src/types/config-request.js';

const TRACE = new URL('../fixtures/kernel/lo-rr-e128-f64.csv.gz', import.meta.url).pathname;
let header: TraceHeader;
let nrCpuIds = 0;
beforeAll(async () => {
  await readTrace(TRACE, { header: (h, n) => ((header = h), (nrCpuIds = n)), batch: () => {} });
});

const plan = (reqs: ConfigRequest[]) =>
  planLaneMemory(
    reqs.map((r) => resolveConfig(header, nrCpuIds, r)),
    { traceCpus: nrCpuIds, resolveIds: false },
  );
const lane = (m: Int32Array, l: number, field: number) => m[LANES_AT + l * LANE_WORDS + field];

describe('planLaneMemory', () => {
  it('numbers flows in a table of 2^20 entries from the start, so 512k flows never grow it (an old table stays resident); a bank given the ids places none', () => {
    const m = plan([{}]).wasm.i32;
    expect(m[CTL_FLOW_MASK] + 1).toBe(1 << 20);
    const given = planLaneMemory([resolveConfig(header, nrCpuIds, {})], { traceCpus: nrCpuIds, resolveIds: false, ids: 'given' }).wasm.i32;
    expect(given[CTL_FLOW_TABLE]).toBe(0);
  });

  it('a size sweep: one interleaved rps_dev_flow region and one set of queue blocks for all lanes, the lanes listed by size', () => {
    const memory = plan([4096, 16, 256, 65536].map((entries) => ({ entries })));
    const m = memory.wasm.i32;
    expect(m[CTL_LANES]).toBe(4);
    expect(memory.sameLanes).toBe(true);
    expect(m[CTL_SAME_LANES]).toBe(1);
    expect(memory.vectorLanes).toEqual({ first: 0, lanes: 4 });
    expect(m[CTL_VLANES]).toBe(4);
    expect(Array.from(m.subarray(m[CTL_BY_SIZE], m[CTL_BY_SIZE] + 4))).toEqual([1, 2, 0, 3]);
    expect(memory.queueRegions).toHaveLength(1);
    const { origin, lanes } = memory.queueRegions[0];
    expect(lanes).toEqual([0, 1, 2, 3]);
    for (let l = 0; l < 4; l++) {
      expect(lane(m, l, L_QFLOW)).toBe(origin + DEV_FLOW_WORDS * l);
      expect(lane(m, l, L_QSTRIDE)).toBe(DEV_FLOW_WORDS * 4);
      expect(lane(m, l, L_QUEUES)).toBe(lane(m, 0, L_QUEUES));
      expect(lane(m, l, L_TIMELINE)).toBe(-1);
    }
  });

  it('every table starts empty (RPS_NO_CPU), each region on a 64-byte line', () => {
    const memory = plan([{ entries: 16 }, { entries: 64, flowCnt: 8, timeline: true }]);
    const m = memory.wasm.i32;
    expect(memory.queueRegions).toHaveLength(2);
    for (let l = 0; l < 2; l++) {
      const sock = lane(m, l, L_SOCK);
      expect(sock % 16).toBe(0);
      const slots = lane(m, l, L_SLOTS);
      for (let s = 0; s < slots; s++) expect(m[sock + SOCK_SLOT_WORDS * s + SOCK_ENT]).toBe(RPS_NO_CPU);
      const q = lane(m, l, L_QUEUES);
      expect(m[q + Q_FIRST]).toBe(0);
      const entries = m[q + Q_SLOTS];
      expect(entries).toBe(l === 0 ? 64 : 8);
      const map = m[q + Q_MAP];
      expect(m[map]).toBeGreaterThan(0); // the RPS map: [len, cpus...]
      const first = lane(m, l, L_QFLOW);
      for (let e = 0; e < entries; e++) expect(m[first + e * lane(m, l, L_QSTRIDE) + DEV_CPU]).toBe(RPS_NO_CPU);
    }
    expect(lane(m, 1, L_TIMELINE) % 16).toBe(0);
    expect(lane(m, 0, L_QUEUES)).not.toBe(lane(m, 1, L_QUEUES));
    expect(memory.sameLanes).toBe(false);
    expect(memory.vectorLanes.lanes).toBe(0);
  });
});
