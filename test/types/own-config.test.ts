import { describe, expect, it } from 'vitest';
import { agreementWhereKernelRan, isTraceOwnConfig, kernelProfileOfRelease } from '../../src/types/own-config.js';
import { metrics, traceSummary } from '../report/fixtures.js';
import type { ConfigResult, TraceSummary } from '../../src/types/result.js';

// The fixture trace: nr_cpu_ids 2, 128 global slots, kernel 6.18.44, one queue lo:0 with rps_cpus {0,1} and 64 slots.
const trace = traceSummary();

function config(over: Partial<ConfigResult> = {}): ConfigResult {
  return {
    label: 'x',
    role: 'configured',
    rps_sock_flow_entries: 128,
    entries_effective: 128,
    kernel: '6.16',
    nr_cpu_ids: 2,
    rps_flow_cnt: [64],
    flow_cnt_effective: [64],
    rps_cpus: [[0, 1]],
    head_model: 'deliver',
    memory_bytes: 1024,
    metrics: metrics({ deliver_matched: 100, agree: 90 }),
    queue_occupancy: [],
    sock_table_occupancy: { slots: 128, used: 1 },
    ...over,
  };
}

describe('kernelProfileOfRelease', () => {
  it('maps a release to the profile whose version range holds it', () => {
    expect(kernelProfileOfRelease('6.18.44-fc-v782')).toBe('6.16');
    expect(kernelProfileOfRelease('6.16.0-synthetic')).toBe('6.16');
    expect(kernelProfileOfRelease('6.15.2')).toBe('6.15');
    expect(kernelProfileOfRelease('6.14.11')).toBe('4.10');
    expect(kernelProfileOfRelease('5.15.0-91-generic')).toBe('4.10');
    expect(kernelProfileOfRelease('4.10.0')).toBe('4.10');
    expect(kernelProfileOfRelease('4.9.337')).toBe('4.0');
    expect(kernelProfileOfRelease('3.19.8')).toBe('3.19');
    expect(kernelProfileOfRelease('2.6.35')).toBe('3.19');
    expect(kernelProfileOfRelease('2.6.34')).toBeNull();
    expect(kernelProfileOfRelease('unknown')).toBeNull();
  });
});

describe('isTraceOwnConfig', () => {
  it('is the configuration with every stated setting of the header, as the kernel rounds sizes', () => {
    expect(isTraceOwnConfig(config(), trace)).toBe(true);
    // rps_sock_flow_entries=100 in a header is a 128-slot table.
    expect(isTraceOwnConfig(config(), { ...trace, header: { ...trace.header, rps_sock_flow_entries: 100 } })).toBe(true);
  });

  it('is not any configuration that differs in one setting the header states', () => {
    expect(isTraceOwnConfig(config({ entries_effective: 4096 }), trace)).toBe(false);
    expect(isTraceOwnConfig(config({ entries_effective: 0 }), trace)).toBe(false); // plain RPS
    expect(isTraceOwnConfig(config({ flow_cnt_effective: [32] }), trace)).toBe(false);
    expect(isTraceOwnConfig(config({ rps_cpus: [[0]] }), trace)).toBe(false);
    expect(isTraceOwnConfig(config({ nr_cpu_ids: 4 }), trace)).toBe(false);
    expect(isTraceOwnConfig(config({ kernel: '3.19' }), trace)).toBe(false);
    expect(isTraceOwnConfig(config({ head_model: 'fifo:1000ns' }), trace)).toBe(false);
    expect(isTraceOwnConfig(config({ head_model: 'instant' }), trace)).toBe(false);
  });

  it("cannot rule out a setting the trace does not state (an importer's trace: no sizes, no release, the implicit queue)", () => {
    const imported: TraceSummary = {
      ...trace,
      header: { nr_cpu_ids: 2, rps_sock_flow_entries: null, kernel: null, queues: [{ name: 'q', rps_cpus: [0, 1], rps_flow_cnt: 0 }], implicit_queue: true },
    };
    expect(isTraceOwnConfig(config({ entries_effective: 4096, flow_cnt_effective: [4096], kernel: '3.19' }), imported)).toBe(true);
    expect(isTraceOwnConfig(config({ nr_cpu_ids: 4 }), imported)).toBe(false);
  });
});

describe('agreementWhereKernelRan', () => {
  it('sets agreement to null elsewhere, keeping the counters, and leaves the own configuration alone', () => {
    const own = config();
    const other = config({ entries_effective: 4096 });
    const [a, b] = agreementWhereKernelRan([own, other], trace);
    expect(a).toBe(own);
    expect(a.metrics.agreement).toBeCloseTo(0.9, 12);
    expect(b.metrics.agreement).toBeNull();
    expect([b.metrics.agree, b.metrics.deliver_matched]).toEqual([90, 100]);
    // Key order is kept (the JSON of replay stays in contract order).
    expect(Object.keys(b.metrics)).toEqual(Object.keys(other.metrics));
  });
});
