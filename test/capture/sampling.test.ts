/**
 * `capture --sample 1/N` without a kernel: the in-kernel filters it writes
 * (bpftrace predicates on sk_rxhash and skb->hash, perf's tracepoint filter
 * on the packets' hash field), the rule in the trace header, what the
 * assembler drops afterwards (rows the kernel could not filter), and what
 * `--print-program` says about the machine it was made on (issue 23 item 6).
 */
import { describe, expect, it } from 'vitest';
import { perfRecordArgs, planPerfEvents, sampledPacketFilter } from '../../src/capture/perf-packets.js';
import { generatePacketCheckProgram, generateProgram, generateSocketProgram } from '../../src/capture/program.js';
import { printedProgram } from '../../src/capture/run.js';
import type { SystemSnapshot } from '../../src/capture/system.js';
import { CaptureAssembler } from '../../src/ingest/importers/capture-protocol.js';
import { bpftraceJsonImporter, bpftraceTextImporter } from '../../src/ingest/importers/bpftrace.js';
import { readTrace } from '../../src/ingest/read.js';
import type { TraceBatch, TraceHeader } from '../../src/ingest/trace.js';
import { writeTrace } from '../helpers/trace.js';

const RULE = { shift: 9, bits: 4 };
const KEPT = 0x2d5c61c5; // bits 9..12 of 0x61c5 = 0
const DROPPED = 0x2d5c63c5; // bit 9 set

const base = {
  config: ['nr_cpu_ids=2 rps_sock_flow_entries=8192 kernel=6.18', 'sample_shift=9 sample_bits=4'],
  ifnames: new Map([[1, 'lo']]),
  rxhashField: '__sk_common.skc_rxhash',
  sample: RULE,
};

describe('the sampled programs filter in the kernel', () => {
  it('the socket side remembers and prints only sockets whose sk_rxhash keeps the bits zero', () => {
    const p = generateSocketProgram(base);
    const keep = '(($sk->__sk_common.skc_rxhash) & 0x1e00) == 0';
    // At syscall entry: nothing is stored for a dropped flow.
    expect(p).toContain(`  if (${keep}) {\n    @entry_sk[tid] = (uint64)$sk;`);
    // At the exit tracepoint, a call whose entry was not remembered prints only a kept socket.
    expect(p).toContain(`} else if (${keep}) {`);
    expect(p).toMatch(/sys_exit_accept4\n[\s\S]*?&& \(\(\$sk->__sk_common\.skc_rxhash\) & 0x1e00\) == 0\) \{\n {4}printf\("rec/);
    expect(p).toMatch(/sk_protocol == 6 && 1 && \(\(\$sk->__sk_common\.skc_rxhash\) & 0x1e00\) == 0\) \{\n\s+@splice_sk\[tid\]/);
  });

  it('packets, deliveries, sightings and state changes test skb->hash and sk_rxhash', () => {
    const p = generateProgram({ ...base, ifindexes: [1] });
    expect(p).toContain('if ($skb->dev->ifindex == 1 && ((args->hash) & 0x1e00) == 0) {\n    printf("pkt');
    expect(p).toContain('if ($skb->dev->ifindex == 1 && (($skb->hash) & 0x1e00) == 0) {\n    printf("pkt');
    expect(p).toContain('if ($skb->dev->ifindex == 1 && (($skb->hash) & 0x1e00) == 0) {\n    printf("dlv');
    // A state change without a hash names no flow: left out in the kernel.
    expect(p).toContain('if ($sk->__sk_common.skc_rxhash != 0 && (($sk->__sk_common.skc_rxhash) & 0x1e00) == 0) {\n    printf("st');
    expect(p).toContain('printf("cfg sample_shift=9 sample_bits=4\\n");');
    const check = generatePacketCheckProgram({ ...base, ifindexes: [1] }, { confirmPackets: true, delivers: true });
    expect(check).toContain('(($skb->hash) & 0x1e00) == 0) {\n    printf("seen');
    expect(check).toContain('(($skb->hash) & 0x1e00) == 0) {\n    printf("dlv');
  });

  it('a program without a rule tests no hash', () => {
    const { sample: _, ...whole } = base;
    for (const p of [generateProgram(whole), generateSocketProgram(whole)]) expect(p).not.toContain('0x1e00');
  });

  it('perf filters the packet tracepoints by their hash field; deliveries and state changes have none, so BPF reads those', () => {
    expect(sampledPacketFilter(['lo'], RULE)).toBe('(name == "lo") && !(hash & 0x1e00)');
    expect(sampledPacketFilter(['a', 'b'], { shift: 28, bits: 4 })).toBe('(name == "a" || name == "b") && !(hash & 0xf0000000)');
    const formats = new URL('../fixtures/tracefs/', import.meta.url).pathname;
    const events = planPerfEvents(formats, ['lo'], true, RULE);
    const args = perfRecordArgs(events, '/tmp/x', 8, 1);
    expect(args.join(' ')).toContain('-e net:netif_rx_entry --filter (name == "lo") && !(hash & 0x1e00)');
    expect(args.join(' ')).toContain('-e net:netif_receive_skb --filter name == "lo"');
    expect(args.join(' ')).not.toContain('sock:inet_sock_set_state');
    expect(perfRecordArgs(planPerfEvents(formats, ['lo'], true), '/tmp/x', 8, 1).join(' ')).toContain('-e sock:inet_sock_set_state --filter protocol == 6');
    const check = generatePacketCheckProgram({ ...base, ifindexes: [1] }, { confirmPackets: false, delivers: true, states: true });
    expect(check).toContain('tracepoint:sock:inet_sock_set_state');
    expect(check).toContain('$sk->__sk_common.skc_rxhash != 0 && (($sk->__sk_common.skc_rxhash) & 0x1e00) == 0) {\n    printf("st');
  });
});

function assembler(): CaptureAssembler {
  const asm = new CaptureAssembler('cap');
  ['rfs-capture v1', ...base.config.map((c) => `cfg ${c}`), 'cfg queue=lo:0 rps_cpus=3 rps_flow_cnt=64', 'ifname 1 lo'].forEach((l, i) => asm.add(l, i + 1));
  asm.stats.perfLost = 0;
  return asm;
}

describe('what the kernel could not filter is dropped afterwards', () => {
  it('packets whose hash steering computed, perf deliveries of filtered packets, state changes of dropped or unknown flows', () => {
    const asm = assembler();
    // A kept and a dropped socket (the kernel printed only the kept one's records).
    asm.add(`rec 100 1 r 0xs1 1 ${KEPT}`, 10);
    // Packets with no hash before steering pass the kernel's filter; BPF's deliveries carry the computed hash.
    asm.perfPacket({ ts: 200, cpu: 0, src: 'x', skb: '0xa', hash: 0, queueMapping: 1, dev: 'lo' }, false);
    asm.add(`dlv 210 1 0xa ${KEPT} 1 1`, 11);
    asm.perfPacket({ ts: 300, cpu: 0, src: 'x', skb: '0xb', hash: 0, queueMapping: 1, dev: 'lo' }, false);
    asm.add(`dlv 310 1 0xb ${DROPPED} 1 1`, 12);
    // perf's delivery of a packet the filter dropped: no packet to pair with.
    asm.perfDeliver({ ts: 400, cpu: 1, skb: '0xc', dev: 'lo' }, false);
    // State changes: of the kept socket (hash from its records), of a socket that never recorded.
    asm.perfState({ ts: 500, cpu: 1, socket: '0xs1', newState: 8 });
    asm.perfState({ ts: 510, cpu: 1, socket: '0xs2', newState: 8 });
    const done = asm.finish();
    expect(done.rows.map((r) => `${r.row.event} ${r.row.rxhash}`)).toEqual([
      `recvmsg 0x${KEPT.toString(16)}`,
      `packet 0x${KEPT.toString(16)}`,
      `deliver 0x${KEPT.toString(16)}`,
      `state 0x${KEPT.toString(16)}`,
    ]);
    expect(asm.stats.sampleFiltered).toBe(4);
    expect(done.header.sampling).toEqual(RULE);
    expect(done.comments).toContain('# sample_shift=9 sample_bits=4');
    expect(done.comments[done.comments.length - 1]).toMatch(/ capture_sample_filtered=4$/);
  });

  it('an unsampled capture drops nothing and writes no such key', () => {
    const asm = new CaptureAssembler('cap');
    ['rfs-capture v1', 'cfg nr_cpu_ids=2 rps_sock_flow_entries=64', 'ifname 1 lo'].forEach((l, i) => asm.add(l, i + 1));
    asm.add(`rec 100 1 r 0xs1 1 ${DROPPED}`, 4);
    const done = asm.finish();
    expect(done.rows).toHaveLength(1);
    expect(asm.stats.sampleFiltered).toBeNull();
    expect(done.comments.join('\n')).not.toContain('capture_sample_filtered');
  });

  it('the output of the sampled --print-program is read like the whole one: the rule reaches the header', async () => {
    const text = [
      'Attaching 30 probes...',
      'rfs-capture v1',
      ...base.config.map((c) => `cfg ${c}`),
      'cfg queue=lo:0 rps_cpus=3 rps_flow_cnt=64',
      'ifname 1 lo',
      `rec 100 1 r 0xffff1 1 ${KEPT}`,
      `pkt 200 0 x 0xffa ${KEPT} 1 1`,
      `dlv 210 1 0xffa ${KEPT} 1 1`,
      `pkt 300 0 x 0xffb 0 1 1`,
      `dlv 310 1 0xffb ${DROPPED} 1 1`,
      `st 400 1 0xffff1 1 8 ${KEPT}`,
      'end',
    ].join('\n');
    expect(bpftraceTextImporter.sniff(text)).toBe(true);
    let header: TraceHeader | null = null;
    const events: number[] = [];
    await readTrace(writeTrace(`${text}\n`, 'sampled-bpftrace.txt'), {
      header: (h) => (header = h),
      batch: (b: TraceBatch) => events.push(...b.event.subarray(0, b.length)),
    });
    expect(header!.sampling).toEqual(RULE);
    expect(header!.extra.capture_sample_filtered).toBe('2');
    expect(events).toHaveLength(4);
    // bpftrace -f json: the same lines inside printf records.
    const json = text
      .split('\n')
      .map((l) =>
        l.startsWith('Attaching') ? JSON.stringify({ type: 'attached_probes', data: { probes: 30 } }) : JSON.stringify({ type: 'printf', data: `${l}\n` }),
      )
      .join('\n');
    expect(bpftraceJsonImporter.sniff(json)).toBe(true);
    let jsonHeader: TraceHeader | null = null;
    let jsonRows = 0;
    await readTrace(writeTrace(`${json}\n`, 'sampled-bpftrace.json'), {
      header: (h) => (jsonHeader = h),
      batch: (b: TraceBatch) => (jsonRows += b.length),
    });
    expect(jsonHeader!.sampling).toEqual(RULE);
    expect(jsonRows).toBe(4);
  });
});

describe('--print-program says which machine it was made on', () => {
  const snapshot = (entries: number): SystemSnapshot => ({
    nrCpuIds: 4,
    rpsSockFlowEntries: entries,
    kernel: '6.18.44',
    queues: [{ name: 'eth0:0', rpsCpus: 'f', rpsFlowCnt: 256 }],
    ifnames: new Map([
      [1, 'lo'],
      [2, 'eth0'],
    ]),
    devices: ['eth0'],
    kinds: new Map([['eth0', '']]),
  });

  it('in its header: the configuration it bakes in, how to run it on the target, how to read its output', () => {
    const { program, notes } = printedProgram(snapshot(32768), '__sk_common.skc_rxhash', { dev: 'eth0', sample: RULE, durationS: 10 }, undefined, undefined);
    const head = program.slice(0, program.indexOf('\nBEGIN\n'));
    expect(head).toContain('// Made from the machine it was printed on, and right for that machine only:');
    expect(head).toContain('//   nr_cpu_ids=4 rps_sock_flow_entries=32768 kernel=6.18.44\n//   queue=eth0:0 rps_cpus=f rps_flow_cnt=256\n');
    expect(head).toContain("names queues by its devices' ifindexes (1 lo, 2 eth0); it selects packets by ifindex of that machine.");
    expect(head).toContain('//   rfs-replay capture --print-program --dev eth0 --duration 10 --sample 1/16 --sample-shift 9 > rfs.bt\n');
    expect(head).toContain('//   sudo bpftrace rfs.bt > rfs.txt');
    expect(head).toContain('//   rfs-replay replay rfs.txt');
    expect(head).toContain('one flow in 16: those with hash bits 9..12 zero');
    expect(head).not.toContain('RFS is off');
    expect(notes).toHaveLength(1);
    expect(notes[0]).toContain('right for this machine only');
    expect(notes[0]).toContain('nr_cpu_ids=4 rps_sock_flow_entries=32768 kernel=6.18.44; queue=eth0:0 rps_cpus=f rps_flow_cnt=256');
  });

  it('warns when RFS is off there (rps_sock_flow_entries=0)', () => {
    const { program, notes } = printedProgram(snapshot(0), '__sk_common.skc_rxhash', {}, undefined, undefined);
    expect(program).toContain('// RFS is off there (net.core.rps_sock_flow_entries=0)');
    expect(notes[1]).toMatch(/^RFS is off on this machine \(net\.core\.rps_sock_flow_entries=0\)/);
  });
});
