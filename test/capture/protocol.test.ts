/**
 * The capture's post-processing (sorting per-CPU output, hindsight fixes) and
 * the generated program's kernel-facing choices, without a kernel.
 */
import { describe, expect, it } from 'vitest';
import { CaptureAssembler, lostEventsIn } from '../../src/ingest/importers/capture-protocol.js';
import { generatePacketCheckProgram, generateProgram, generateSocketProgram } from '../../src/capture/program.js';
import { nrCpuIdsFromList, parseQueueListing } from '../../src/capture/system.js';
import { formatV1, onlineCpus } from '../../src/capture/run.js';
import { parseDeviceKinds, parseIpLinkNames, parseProcNetDev } from '../../src/capture/namespaces.js';

function assemble(lines: string[]): ReturnType<CaptureAssembler['finish']> & { asm: CaptureAssembler } {
  const asm = new CaptureAssembler('cap');
  lines.forEach((l, i) => asm.add(l, i + 1));
  return { ...asm.finish(), asm };
}

const HEAD = ['rfs-capture v1', 'cfg nr_cpu_ids=2 rps_sock_flow_entries=128 kernel=6.18.44', 'cfg queue=lo:0 rps_cpus=3 rps_flow_cnt=64', 'ifname 1 lo'];

describe('CaptureAssembler', () => {
  it('sorts rows printed out of order by per-CPU buffers, keeping print order for equal times', () => {
    const { rows, asm } = assemble([...HEAD, 'rec 300 1 s 0xa 1 7', 'rec 100 0 r 0xa 1 7', 'rec 100 1 r 0xb 1 8', 'end']);
    expect(rows.map((r) => [r.row.ts, r.row.socket])).toEqual([
      ['100', '0xa'],
      ['100', '0xb'],
      ['300', '0xa'],
    ]);
    expect(asm.stats.reordered).toBe(2);
    expect(asm.stats.ended).toBe(true);
  });

  it('writes the v1 row fields: hash as 0x%08x, queue from ifindex and queue_mapping - 1', () => {
    const { rows } = assemble([...HEAD, 'pkt 10 0 x 0xffff1 2596069843 2 1', 'dlv 20 1 0xffff1 2596069843 2 1']);
    expect(rows[0].row).toEqual({ ts: '10', event: 'packet', cpu: '0', socket: '', state: '', rxhash: '0x9abce1d3', queue: 'lo:1', skb: '0xffff1' });
    expect(rows[1].row.event).toBe('deliver');
  });

  it('names queue 0 when queue_mapping is 0 (not recorded), as get_rps_cpu does', () => {
    const { rows } = assemble([...HEAD, 'pkt 10 0 e 0xffff1 5 0 1']);
    expect(rows[0].row.queue).toBe('lo:0');
  });

  it('takes the hash from the deliver row when steering computed it after the packet probe', () => {
    const { rows, asm } = assemble([...HEAD, 'pkt 10 0 x 0xffff1 0 0 1', 'dlv 20 1 0xffff1 77 0 1']);
    expect(rows[0].row.rxhash).toBe('0x0000004d');
    expect(asm.stats.hashFromDeliver).toBe(1);
  });

  it('drops GRO-entry packets that never reached steering (merged), but keeps undelivered netif_rx packets', () => {
    const { rows, asm } = assemble([...HEAD, 'pkt 10 0 g 0xa 5 1 1', 'pkt 11 0 g 0xb 5 1 1', 'dlv 20 1 0xa 5 1 1', 'pkt 12 0 x 0xc 5 0 1']);
    expect(rows.map((r) => `${r.row.event}:${r.row.skb}`)).toEqual(['packet:0xa', 'packet:0xc', 'deliver:0xa']);
    expect(asm.stats.groMerged).toBe(1);
  });

  it('records capture losses in the header comments and declares queues that appeared later', () => {
    const asm = new CaptureAssembler('cap');
    [...HEAD, 'pkt 10 0 x 0xa 5 1 9'].forEach((l, i) => asm.add(l, i + 1));
    asm.lost(7);
    asm.missed(3);
    const done = asm.finish();
    expect(done.comments).toContain('# queue=if9:0 rps_cpus=0 rps_flow_cnt=0');
    expect(done.comments.at(-1)).toBe('# capture_lost_events=7 capture_missed_events=3 capture_gro_merged=0 capture_reordered=0');
    const text = formatV1(done.comments, done.rows);
    expect(text.split('\n').slice(0, 3)).toEqual([
      '# rfs-trace v1',
      '# nr_cpu_ids=2 rps_sock_flow_entries=128 kernel=6.18.44',
      '# queue=lo:0 rps_cpus=3 rps_flow_cnt=64',
    ]);
    expect(text).toContain('\nts,event,cpu,socket,state,rxhash,queue,skb\n10,packet,0,,,0x00000005,if9:0,0xa\n');
  });

  it('rejects output that is not from the capture program', () => {
    const asm = new CaptureAssembler('x.txt');
    asm.add('Attaching 3 probes...', 1);
    expect(() => asm.finish()).toThrow(/^x\.txt:1:1: no "rfs-capture v1" line/);
  });

  it("recognises bpftrace's lost-events line", () => {
    expect(lostEventsIn('Lost 42 events')).toBe(42);
    expect(lostEventsIn('pkt 1 0 x 0x1 0 0 1')).toBeNull();
  });
});

describe('generateProgram (--print-program: both sides in one program)', () => {
  const base = { config: ['nr_cpu_ids=2 rps_sock_flow_entries=128 kernel=6.18'], ifnames: new Map([[1, 'lo']]) };

  it('reads sk_rxhash through the BTF path it is given (6.x sock_common vs older struct sock)', () => {
    expect(generateProgram({ ...base, rxhashField: '__sk_common.skc_rxhash' })).toContain('$sk->__sk_common.skc_rxhash');
    const old = generateProgram({ ...base, rxhashField: 'sk_rxhash' });
    expect(old).toContain('$sk->sk_rxhash');
    expect(old).not.toContain('skc_rxhash');
  });

  it("limits packets to the device's namespace and ifindexes, sockets only when asked, and stops after the duration", () => {
    const all = generateProgram({ ...base, rxhashField: 'sk_rxhash' });
    expect(all).not.toContain('ns.inum');
    expect(all).not.toContain('interval:s:');
    const some = generateProgram({ ...base, rxhashField: 'sk_rxhash', packetNetnsInum: 4026532300, ifindexes: [1], durationS: 5 });
    expect(some).toContain('$skb->dev->nd_net.net->ns.inum == 4026532300 && $skb->dev->ifindex == 1');
    // Sockets of every namespace share the global table: no socket filter unless asked.
    expect(some).not.toContain('skc_net.net->ns.inum');
    expect(some).toContain('interval:s:5');
    const limited = generateProgram({ ...base, rxhashField: 'sk_rxhash', socketNetnsInum: 4026532301 });
    expect(limited).toContain('$sk->__sk_common.skc_net.net->ns.inum == 4026532301');
    expect(generateProgram({ ...base, rxhashField: 'sk_rxhash', ifindexes: [2, 5] })).toContain('($skb->dev->ifindex == 2 || $skb->dev->ifindex == 5)');
  });

  it('prints the snapshot in BEGIN and probes both sides of steering', () => {
    const p = generateProgram({ ...base, rxhashField: 'sk_rxhash' });
    expect(p).toContain('printf("cfg nr_cpu_ids=2 rps_sock_flow_entries=128 kernel=6.18\\n");');
    for (const probe of [
      'net:netif_rx\n',
      'net:netif_receive_skb_entry',
      'net:napi_gro_receive_entry',
      'net:netif_receive_skb\n',
      'sock:sock_recv_length',
      'sock:inet_sock_set_state',
      'syscalls:sys_exit_accept4',
      'syscalls:sys_enter_recvfrom',
      'syscalls:sys_exit_splice',
    ]) {
      expect(p).toContain(`tracepoint:${probe}`);
    }
    // inet_recvmsg records no flow for MSG_ERRQUEUE reads.
    expect(p).toContain('!(args->flags & 0x2000)');
  });
});

describe("the capture's programs", () => {
  const base = {
    config: ['nr_cpu_ids=2 rps_sock_flow_entries=128 kernel=6.18'],
    ifnames: new Map([[2, 'vethB']]),
    rxhashField: '__sk_common.skc_rxhash',
    packetNetnsInum: 4026532238,
    ifindexes: [2],
  };
  /** Tracepoints perf records: a BPF program there would drop perf's sample whenever it is skipped. */
  const PERF_TRACEPOINTS = [
    'net:netif_rx_entry',
    'net:netif_receive_skb_entry',
    'net:netif_receive_skb_list_entry',
    'net:napi_gro_receive_entry',
    'net:napi_gro_frags_entry',
    'sock:inet_sock_set_state',
  ];

  it('the socket side reads state and hash at syscall entry, in every namespace, and probes no packet tracepoint', () => {
    const p = generateSocketProgram(base);
    expect(p).toContain('@entry_state[tid] = $sk->__sk_common.skc_state;');
    expect(p).toContain('printf("rec %llu %u r 0x%llx %u %u\\n", @entry_ts[tid], @entry_cpu[tid], (uint64)args->sk, @entry_state[tid], @entry_hash[tid]);');
    expect(p).toContain('tracepoint:syscalls:sys_exit_accept4');
    expect(p).toContain('printf("rec %llu %u p 0x%llx');
    expect(p).not.toContain('ns.inum');
    expect(p).not.toMatch(/tracepoint:net:|tracepoint:sock:inet_sock_set_state/);
    expect(p).toContain('profile:hz:10');
  });

  it('the packet check confirms packets at net:netif_rx and reads deliveries only when asked, never where perf records', () => {
    const confirm = generatePacketCheckProgram(base, { confirmPackets: true, delivers: false });
    expect(confirm).toContain('tracepoint:net:netif_rx\n');
    expect(confirm).toContain('printf("seen %llu %u 0x%llx\\n"');
    expect(confirm).not.toContain('net:netif_receive_skb');
    const delivers = generatePacketCheckProgram(base, { confirmPackets: false, delivers: true });
    expect(delivers).toContain('tracepoint:net:netif_receive_skb\n');
    expect(delivers).not.toContain('seen');
    for (const p of [confirm, delivers]) for (const tp of PERF_TRACEPOINTS) expect(p).not.toContain(`tracepoint:${tp}`);
  });
});

describe('system snapshot parsing', () => {
  it('takes nr_cpu_ids from the highest possible CPU', () => {
    expect(nrCpuIdsFromList('0-1\n')).toBe(2);
    expect(nrCpuIdsFromList('0,2-5')).toBe(6);
    expect(() => nrCpuIdsFromList('zero')).toThrow(/expected a list such as 0-3/);
  });

  it('lists every RX queue, ordered by device and queue number, or only --dev', () => {
    const listing = 'dev lo 1\nq lo 0 3 64\ndev eth0 2\nq eth0 10 00000000,00000003 0\nq eth0 2 f 256\n';
    const all = parseQueueListing(listing);
    expect(all.queues.map((q) => q.name)).toEqual(['eth0:2', 'eth0:10', 'lo:0']);
    expect(all.queues[1]).toEqual({ name: 'eth0:10', rpsCpus: '00000000,00000003', rpsFlowCnt: 0 });
    expect([...all.ifnames]).toEqual([
      [1, 'lo'],
      [2, 'eth0'],
    ]);
    expect(parseQueueListing(listing, 'lo').queues).toEqual([{ name: 'lo:0', rpsCpus: '3', rpsFlowCnt: 64 }]);
  });

  it('lists online CPUs and the device names and kinds of a namespace', () => {
    expect(onlineCpus('0-1\n')).toEqual([0, 1]);
    expect(onlineCpus('0,2-3,8')).toEqual([0, 2, 3, 8]);
    const procNetDev = 'Inter-|   Receive\n face |bytes    packets\n    lo:    3193      29    0\n  vethB: 6139916   60752    0\n';
    expect(parseProcNetDev(procNetDev)).toEqual(['lo', 'vethB']);
    expect(parseIpLinkNames('1: lo: <LOOPBACK,UP> mtu 65536\n2: vethB@if2: <BROADCAST> mtu 1500\n')).toEqual(['lo', 'vethB']);
    const json = JSON.stringify([
      { ifname: 'lo', link_type: 'loopback' },
      { ifname: 'vethB', link_type: 'ether', linkinfo: { info_kind: 'veth' } },
      { ifname: 'eth0', link_type: 'ether' },
    ]);
    expect([...parseDeviceKinds(json)]).toEqual([
      ['lo', 'loopback'],
      ['vethB', 'veth'],
      ['eth0', ''],
    ]);
  });
});
