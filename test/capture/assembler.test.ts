/**
 * The capture assembler with the packet side recorded by perf: what the
 * rows become once both sides are merged (capture-fixups.ts), without a
 * kernel. Times in ns, as both sides stamp them.
 */
import { describe, expect, it } from 'vitest';
import { CaptureAssembler, queueOf } from '../../src/ingest/importers/capture-protocol.js';

// vethB: four RX queues with different settings, as the multi-queue capture test configures them.
const HEAD = [
  'rfs-capture v1',
  'cfg nr_cpu_ids=2 rps_sock_flow_entries=64 kernel=6.18.44',
  'cfg queue=vethB:0 rps_cpus=3 rps_flow_cnt=16',
  'cfg queue=vethB:1 rps_cpus=1 rps_flow_cnt=0',
  'cfg queue=vethB:2 rps_cpus=2 rps_flow_cnt=4096',
  'cfg queue=vethB:3 rps_cpus=0 rps_flow_cnt=0',
  'ifname 2 vethB',
];

function assembler(lines: string[] = [], socketsLimited = false): CaptureAssembler {
  const asm = new CaptureAssembler('cap', socketsLimited);
  [...HEAD, ...lines].forEach((l, i) => asm.add(l, i + 1));
  asm.stats.perfLost = 0;
  return asm;
}

const packet = (ts: number, skb: string, hash: number, queueMapping = 1, cpu = 1, dev = 'vethB') => ({ ts, cpu, src: 'x', skb, hash, queueMapping, dev });
const deliver = (ts: number, skb: string, cpu = 0, dev = 'vethB') => ({ ts, cpu, skb, dev });
const rows = (asm: CaptureAssembler) => asm.finish().rows.map((r) => r.row);

describe('queues as get_rps_cpu() sees them', () => {
  it('names the recorded queue queue_mapping - 1, and queue 0 when none is recorded (veth: TX 0 and 1 both land on rx-0)', () => {
    expect([0, 1, 2, 3, 4].map((qm) => queueOf('vethB', qm))).toEqual(['vethB:0', 'vethB:0', 'vethB:1', 'vethB:2', 'vethB:3']);
  });

  it("declares a queue past the device's RX queues empty: get_rps_cpu() does not steer it", () => {
    const asm = new CaptureAssembler('cap');
    [
      'rfs-capture v1',
      'cfg nr_cpu_ids=2 rps_sock_flow_entries=64',
      'cfg queue=vethB:0 rps_cpus=3 rps_flow_cnt=16',
      'cfg queue=vethB:1 rps_cpus=3 rps_flow_cnt=16',
    ].forEach((l, i) => asm.add(l, i + 1));
    asm.perfPacket(packet(10, '0xa', 5, 4), false);
    const done = asm.finish();
    expect(done.rows[0].row.queue).toBe('vethB:3');
    expect(done.comments).toContain('# queue=vethB:3 rps_cpus=0 rps_flow_cnt=0');
    expect(asm.stats.queuesBeyondDevice).toEqual(['vethB:3']);
    expect(asm.stats.undeclaredQueues).toEqual([]);
  });
});

describe("perf's packets, deliveries and state changes", () => {
  it("gives a perf deliver row its packet's hash and queue", () => {
    const asm = assembler();
    asm.perfPacket(packet(10, '0xa', 0x2d5c63c5, 3), false);
    asm.perfDeliver(deliver(20, '0xa'), false);
    expect(rows(asm)).toEqual([
      { ts: '10', event: 'packet', cpu: '1', socket: '', state: '', rxhash: '0x2d5c63c5', queue: 'vethB:2', skb: '0xa' },
      { ts: '20', event: 'deliver', cpu: '0', socket: '', state: '', rxhash: '0x2d5c63c5', queue: 'vethB:2', skb: '0xa' },
    ]);
  });

  it("gives state rows the socket's hash from its record rows, within one life of the address", () => {
    const asm = assembler(['rec 200 1 r 0xs1 1 77', 'rec 900 0 s 0xs1 1 99']);
    asm.perfState({ ts: 100, cpu: 0, socket: '0xs1', newState: 1 }); // before any record: the first record's hash
    asm.perfState({ ts: 300, cpu: 0, socket: '0xs1', newState: 8 }); // after one: the latest
    asm.perfState({ ts: 400, cpu: 0, socket: '0xs1', newState: 7 }); // CLOSE ends the life
    asm.perfState({ ts: 500, cpu: 0, socket: '0xs1', newState: 2 }); // the address reused: the next life's record
    asm.perfState({ ts: 600, cpu: 1, socket: '0xs2', newState: 7 }); // never recorded: hash unknown (0), no slot cleared
    const states = rows(asm)
      .filter((r) => r.event === 'state')
      .map((r) => [r.ts, r.socket, r.state, r.rxhash]);
    expect(states).toEqual([
      ['100', '0xs1', '1', '0x0000004d'],
      ['300', '0xs1', '8', '0x0000004d'],
      ['400', '0xs1', '7', '0x0000004d'],
      ['500', '0xs1', '2', '0x00000063'],
      ['600', '0xs2', '7', '0x00000000'],
    ]);
    expect(asm.stats.stateHashFromRecords).toBe(4);
    expect(asm.stats.stateHashUnknown).toBe(1);
  });

  it("with sockets limited to one namespace, leaves out perf's state rows of sockets that never recorded", () => {
    const asm = assembler(['rec 200 1 r 0xs1 1 77'], true);
    asm.perfState({ ts: 100, cpu: 0, socket: '0xs1', newState: 1 });
    asm.perfState({ ts: 150, cpu: 0, socket: '0xother', newState: 1 });
    expect(rows(asm).map((r) => `${r.event}:${r.socket}`)).toEqual(['state:0xs1', 'recvmsg:0xs1']);
  });

  it('counts packets on steering queues left without a hash, and takes it from a BPF deliver row when there is one', () => {
    const asm = assembler(['dlv 21 0 0xb 77 2 2']);
    asm.perfPacket(packet(10, '0xa', 0, 2), false); // vethB:1 steers (RPS map): hash unknown
    asm.perfPacket(packet(11, '0xb', 0, 2), false); // BPF saw the hash steering computed
    asm.perfPacket(packet(12, '0xc', 0, 4), false); // vethB:3 has no map and no table: never hashed, nothing missing
    const r = rows(asm);
    expect(r.filter((x) => x.event === 'packet').map((x) => x.rxhash)).toEqual(['0x00000000', '0x0000004d', '0x00000000']);
    expect(asm.stats.hashUnknown).toBe(1);
    expect(asm.stats.hashFromDeliver).toBe(1);
  });

  it('leaves out BPF deliver rows outside the time perf recorded', () => {
    const asm = assembler(['dlv 5 0 0xa 7 1 2', 'dlv 20 0 0xb 7 1 2', 'dlv 50 0 0xc 7 1 2']);
    asm.perfWindow(10, 40);
    asm.perfPacket(packet(15, '0xb', 7), false);
    expect(rows(asm).map((x) => `${x.event}:${x.skb}`)).toEqual(['packet:0xb', 'deliver:0xb']);
  });

  it('ignores per-CPU tick marks and reads splice records', () => {
    const r = rows(assembler(['tick 5 0', 'rec 10 1 p 0xs1 1 7', 'tick 6 1']));
    expect(r.map((x) => `${x.event}:${x.cpu}`)).toEqual(['splice:1']);
  });

  it("writes perf's and both programs' losses in the header", () => {
    const asm = assembler();
    asm.lost(1);
    asm.missed(0);
    asm.stats.perfLost = 3;
    asm.stats.packetCheckLost = 4;
    asm.stats.packetCheckMissed = 5;
    const done = asm.finish();
    expect(done.comments.at(-1)).toBe(
      '# capture_lost_events=1 capture_missed_events=0 capture_perf_lost=3 capture_packet_check_lost=4 capture_packet_check_missed=5 ' +
        'capture_unattributed=0 capture_hash_unknown=0 capture_state_hash_unknown=0 capture_gro_merged=0 capture_reordered=0',
    );
    expect(done.header.extra).toMatchObject({ capture_perf_lost: '3', capture_packet_check_missed: '5' });
  });
});

describe('a device name other namespaces also use', () => {
  it('keeps a packet BPF saw on the captured device (same skb and CPU, nearest in time), or of a flow it saw; drops the rest with their deliver rows', () => {
    const asm = assembler([
      'seen 1001 1 0xa', // confirms the packet at 1000 (same CPU)
      'seen 3001 0 0xc', // another CPU: not this packet
    ]);
    asm.perfPacket(packet(1000, '0xa', 0x11), true);
    asm.perfDeliver(deliver(1100, '0xa'), true);
    asm.perfPacket(packet(2000, '0xb', 0x11), true); // its sighting was skipped, but its flow was seen
    asm.perfDeliver(deliver(2100, '0xb'), true);
    asm.perfPacket(packet(3000, '0xc', 0x22), true); // another namespace's lo: dropped with its deliver row
    asm.perfDeliver(deliver(3100, '0xc'), true);
    asm.perfDeliver(deliver(4000, '0xd'), true); // a deliver row with no packet: nothing ties it here
    expect(rows(asm).map((r) => `${r.event}:${r.skb}`)).toEqual(['packet:0xa', 'deliver:0xa', 'packet:0xb', 'deliver:0xb']);
    expect(asm.stats.unattributed).toBe(3);
  });

  it('uses each sighting once, for the nearest packet, and not beyond 10 ms', () => {
    const asm = assembler(['seen 1002 1 0xa', 'seen 50000000 1 0xb']);
    asm.perfPacket(packet(1000, '0xa', 0x11), true);
    asm.perfPacket(packet(1001, '0xa', 0x12), true); // the nearer one takes the sighting
    asm.perfPacket(packet(30000000, '0xb', 0x13), true); // 20 ms before its sighting: too far
    expect(rows(asm).map((r) => `${r.ts}:${r.rxhash}`)).toEqual(['1001:0x00000012']);
  });

  it('keeps packets whose BPF deliver row confirms the device', () => {
    const asm = assembler(['dlv 1100 0 0xa 17 1 2']);
    asm.perfPacket(packet(1000, '0xa', 17), true);
    expect(rows(asm).map((r) => `${r.event}:${r.skb}`)).toEqual(['packet:0xa', 'deliver:0xa']);
    expect(asm.stats.unattributed).toBe(0);
  });
});
