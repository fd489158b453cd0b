/**
 * Generates the bpftrace programs of a capture. They print the rfs-capture
 * line protocol (src/ingest/importers/capture-protocol.ts).
 *
 * Why these probes (Linux 6.x; kprobes and fentry are often unavailable, so
 * only tracepoints and BTF casts are used):
 * - sock_rps_record_flow() is inline and has no tracepoint. Its callers are
 *   inet_recvmsg / inet_send_prepare (recvmsg/sendmsg family, read/write on a
 *   socket), __inet_accept and tcp_splice_read. sock:sock_recv_length /
 *   sock:sock_send_length fire when the call returns, but the hint was
 *   written when it *started*: on the CPU of syscall entry, with the
 *   socket's state and sk_rxhash of that moment (a blocking recv that a FIN
 *   wakes returns in CLOSE_WAIT, though the hint was written while
 *   ESTABLISHED). So syscalls:sys_enter_* remembers, per thread, the time,
 *   CPU, state and rxhash of the socket behind the fd (looked up through the
 *   task's fd table), and the exit tracepoint prints those when it is the
 *   same socket. __inet_accept records on the CPU where accept() woke up,
 *   just before it returns: sys_exit_accept/accept4 print the new socket.
 *   splice() from a TCP socket records in tcp_splice_read() at its start.
 * - Sockets of every network namespace write into the one global
 *   rps_sock_flow_table (net_hotdata), so socket probes are not limited to
 *   the captured device's namespace unless asked.
 * - Packets before steering: net:netif_rx (loopback, veth, tunnels: called in
 *   netif_rx_internal just before get_rps_cpu) and the NAPI entry points
 *   net:netif_receive_skb_entry, net:netif_receive_skb_list_entry,
 *   net:napi_gro_receive_entry, net:napi_gro_frags_entry.
 * - net:netif_receive_skb fires in __netif_receive_skb_core on the CPU that
 *   processes the packet after steering: the kernel's real decision.
 * Every event carries bpf_ktime_get_ns(), the monotonic clock perf also
 * records with (-k CLOCK_MONOTONIC).
 *
 * `capture` runs the socket side here and the packet side with perf
 * (perf-packets.ts): all BPF tracepoint programs share one per-CPU guard, so
 * a packet probe in a softirq that interrupts a socket probe is skipped.
 * `--print-program` prints both sides in one program for users who run
 * bpftrace themselves, with that limitation.
 */
import { CAPTURE_MAGIC } from '../ingest/importers/capture-protocol.js';
import { sampleMask, type SamplingRule } from '../types/sampling.js';

export interface ProgramOptions {
  /** BTF path from a struct sock to its rxhash, e.g. "__sk_common.skc_rxhash" (6.x) or "sk_rxhash". */
  rxhashField: string;
  /** Only socket events of this network namespace (its proc inode number). */
  socketNetnsInum?: number;
  /** Only packets of devices in this network namespace. */
  packetNetnsInum?: number;
  /** Only packets of these devices (ifindexes inside their namespace). */
  ifindexes?: number[];
  /** Stop after this many seconds; without it the program runs until interrupted. */
  durationS?: number;
  /** v1 header pairs, one string per line, printed by BEGIN (the configuration snapshot). */
  config: string[];
  /** ifindex → device name, printed by BEGIN so queue names can be formed. */
  ifnames: Map<number, string>;
  /**
   * Flow sampling: only events whose flow hash (sk_rxhash, skb->hash) has the
   * rule's bits zero are printed, decided in the kernel before anything is
   * copied out (docs/model.md#flow-sampling). A hash still 0 passes: the
   * capture drops such rows afterwards once their flow's hash is known.
   */
  sample?: SamplingRule;
  /** Comment lines after the program's header (without "// "): what `--print-program` says about the machine it fits. */
  preamble?: string[];
}

/** Syscalls that reach inet_recvmsg / inet_sendmsg with an fd argument named `fd`. */
export const RECV_SYSCALLS = ['read', 'readv', 'recvfrom', 'recvmsg', 'recvmmsg'];
export const SEND_SYSCALLS = ['write', 'writev', 'sendto', 'sendmsg', 'sendmmsg'];

const INET = '($sk->__sk_common.skc_family == 2 || $sk->__sk_common.skc_family == 10)';
const EAGAIN = 11;

/** The value printed for a string inside a bpftrace string literal. */
function literal(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
}

function beginBlock(o: ProgramOptions): string {
  const begin = [`  printf("${CAPTURE_MAGIC}\\n");`];
  for (const c of o.config) begin.push(`  printf("cfg ${literal(c)}\\n");`);
  for (const [idx, name] of o.ifnames) begin.push(`  printf("ifname ${idx} ${literal(name)}\\n");`);
  return `BEGIN\n{\n${begin.join('\n')}\n}\n`;
}

function endBlock(o: { durationS?: number }, maps: string[]): string {
  const stop = o.durationS !== undefined ? `\ninterval:s:${o.durationS}\n{\n  exit();\n}\n` : '';
  return `${stop}\nEND\n{\n  printf("end\\n");\n${maps.map((m) => `  clear(${m});`).join('\n')}\n}\n`;
}

const SOCKET_MAPS = [
  '@entry_sk',
  '@entry_ts',
  '@entry_cpu',
  '@entry_state',
  '@entry_hash',
  '@splice_sk',
  '@splice_ts',
  '@splice_cpu',
  '@splice_state',
  '@splice_hash',
];

/** BPF condition on `$sk` limiting sockets to one namespace, when asked. */
function socketNetnsCondition(o: ProgramOptions): string {
  return o.socketNetnsInum !== undefined ? `$sk->__sk_common.skc_net.net->ns.inum == ${o.socketNetnsInum}` : '1';
}

/** BPF condition keeping a flow hash `expr` under the sampling rule (its bits zero), when there is one. */
export function sampleCondition(o: { sample?: SamplingRule }, expr: string): string {
  return o.sample ? `((${expr}) & 0x${sampleMask(o.sample).toString(16)}) == 0` : '1';
}

/**
 * Sampled: a state change is printed when the socket's hash is known and
 * kept. One without a hash (a connection not yet established) names no flow
 * and changes no table; the capture leaves such rows out in any case.
 */
function stateSampleCondition(o: ProgramOptions): string {
  return o.sample ? `$sk->${o.rxhashField} != 0 && ${sampleCondition(o, `$sk->${o.rxhashField}`)}` : '1';
}

/** `a && b`, leaving out a condition that is always true ('1'). */
function and(a: string, b: string): string {
  return b === '1' ? a : a === '1' ? b : `${a} && ${b}`;
}

/** The socket side: record events (recv, send, accept, splice) with the socket's state and hash at syscall entry. */
export function socketProbes(o: ProgramOptions): string {
  const rx = o.rxhashField;
  const sockNs = socketNetnsCondition(o);
  const keep = sampleCondition(o, `$sk->${rx}`);
  // Sampling: a socket whose hash the rule drops leaves nothing behind (no map update).
  const remember = (prefix: string, fdExpr: string): string =>
    o.sample
      ? `  $file = (struct file *)*(curtask->files->fdt->fd + ${fdExpr});
  $sk = ((struct socket *)$file->private_data)->sk;
  if (${keep}) {
    @${prefix}_sk[tid] = (uint64)$sk;
    @${prefix}_ts[tid] = nsecs;
    @${prefix}_cpu[tid] = cpu;
    @${prefix}_state[tid] = $sk->__sk_common.skc_state;
    @${prefix}_hash[tid] = $sk->${rx};
  }`
      : `  $file = (struct file *)*(curtask->files->fdt->fd + ${fdExpr});
  $sk = ((struct socket *)$file->private_data)->sk;
  @${prefix}_sk[tid] = (uint64)$sk;
  @${prefix}_ts[tid] = nsecs;
  @${prefix}_cpu[tid] = cpu;
  @${prefix}_state[tid] = $sk->__sk_common.skc_state;
  @${prefix}_hash[tid] = $sk->${rx};`;
  const enterProbes = [...RECV_SYSCALLS, ...SEND_SYSCALLS].map((s) => `tracepoint:syscalls:sys_enter_${s}`).join(',\n');
  const acceptProbe = (name: string): string => `tracepoint:syscalls:sys_exit_${name}
/args->ret >= 0/
{
  $file = (struct file *)*(curtask->files->fdt->fd + args->ret);
  $sk = ((struct socket *)$file->private_data)->sk;
  if (${and(`${INET} && ${sockNs}`, keep)}) {
    printf("rec %llu %u a 0x%llx %u %u\\n", nsecs, cpu, (uint64)$sk, $sk->__sk_common.skc_state, $sk->${rx});
  }
}
`;
  const lengthProbe = (name: string, kind: string, extra: string): string => `tracepoint:sock:${name}
/(args->family == 2 || args->family == 10)${extra}/
{
  $sk = (struct sock *)args->sk;
  if (${sockNs}) {
    if (@entry_sk[tid] == (uint64)args->sk) {
      printf("rec %llu %u ${kind} 0x%llx %u %u\\n", @entry_ts[tid], @entry_cpu[tid], (uint64)args->sk, @entry_state[tid], @entry_hash[tid]);
      // recvmmsg/sendmmsg call in again: later messages record when they start, seen here as now.
      delete(@entry_sk[tid]);
    } else${o.sample ? ` if (${keep})` : ''} {
      printf("rec %llu %u ${kind} 0x%llx %u %u\\n", nsecs, cpu, (uint64)args->sk, $sk->__sk_common.skc_state, $sk->${rx});
    }
  }
}
`;
  return `// Remember, per thread, where and when a socket call started and the
// socket's state and rxhash then: that is what sock_rps_record_flow() used.
${enterProbes}
{
${remember('entry', 'args->fd')}
}

// sendfile() and splice() into a socket reach inet_sendmsg (sock_send_length).
tracepoint:syscalls:sys_enter_sendfile64
{
${remember('entry', 'args->out_fd')}
}

// splice() out of a TCP socket records in tcp_splice_read(); no tracepoint
// names the socket there, so the entry remembers it when the fd is a socket.
tracepoint:syscalls:sys_enter_splice
{
${remember('entry', 'args->fd_out')}
  $in = (struct file *)*(curtask->files->fdt->fd + args->fd_in);
  // S_IFSOCK: only then is private_data a struct socket.
  if (($in->f_inode->i_mode & 0xf000) == 0xc000) {
    $sk = ((struct socket *)$in->private_data)->sk;
    if (${and(`${INET} && $sk->sk_protocol == 6 && ${sockNs}`, keep)}) {
      @splice_sk[tid] = (uint64)$sk;
      @splice_ts[tid] = nsecs;
      @splice_cpu[tid] = cpu;
      @splice_state[tid] = $sk->__sk_common.skc_state;
      @splice_hash[tid] = $sk->${rx};
    }
  }
}

// tcp_splice_read() ran when data came back or the socket had none yet (EAGAIN).
tracepoint:syscalls:sys_exit_splice
/@splice_sk[tid] != 0/
{
  if (args->ret >= 0 || args->ret == -${EAGAIN}) {
    printf("rec %llu %u p 0x%llx %u %u\\n", @splice_ts[tid], @splice_cpu[tid], @splice_sk[tid], @splice_state[tid], @splice_hash[tid]);
  }
  delete(@splice_sk[tid]);
}

${lengthProbe('sock_recv_length', 'r', ' && !(args->flags & 0x2000)')}
${lengthProbe('sock_send_length', 's', '')}
${acceptProbe('accept4')}
${acceptProbe('accept')}`;
}

/** BPF condition selecting the captured devices' packets (namespace, then ifindex). */
function skbCondition(o: ProgramOptions): string {
  const parts: string[] = [];
  if (o.packetNetnsInum !== undefined) parts.push(`$skb->dev->nd_net.net->ns.inum == ${o.packetNetnsInum}`);
  if (o.ifindexes !== undefined && o.ifindexes.length > 0) {
    const any = o.ifindexes.map((i) => `$skb->dev->ifindex == ${i}`).join(' || ');
    parts.push(o.ifindexes.length > 1 ? `(${any})` : any);
  }
  return parts.length > 0 ? parts.join(' && ') : '1';
}

const DELIVER_PROBE = (skbOk: string, keep: string): string => `tracepoint:net:netif_receive_skb
{
  $skb = (struct sk_buff *)args->skbaddr;
  if (${and(skbOk, keep)}) {
    printf("dlv %llu %u 0x%llx %u %u %d\\n", nsecs, cpu, (uint64)args->skbaddr, $skb->hash, $skb->queue_mapping, $skb->dev->ifindex);
  }
}
`;

/** TCP state changes with the socket's sk_rxhash (BPF reads it; perf's event has none). */
function stateProbe(o: ProgramOptions): string {
  return `tracepoint:sock:inet_sock_set_state
/args->protocol == 6/
{
  $sk = (struct sock *)args->skaddr;
  if (${and(socketNetnsCondition(o), stateSampleCondition(o))}) {
    printf("st %llu %u 0x%llx %d %d %u\\n", nsecs, cpu, (uint64)args->skaddr, args->oldstate, args->newstate, $sk->${o.rxhashField});
  }
}
`;
}

/** The packet side in BPF: packets before steering, and deliveries. */
export function packetProbes(o: ProgramOptions): string {
  const skbOk = skbCondition(o);
  const packetProbe = (probe: string, src: string, fromArgs: boolean): string => `tracepoint:net:${probe}
{
  $skb = (struct sk_buff *)args->skbaddr;
  if (${and(skbOk, sampleCondition(o, fromArgs ? 'args->hash' : '$skb->hash'))}) {
    printf("pkt %llu %u ${src} 0x%llx %u %u %d\\n", nsecs, cpu, (uint64)args->skbaddr,
      ${fromArgs ? 'args->hash' : '$skb->hash'}, ${fromArgs ? 'args->queue_mapping' : '$skb->queue_mapping'}, $skb->dev->ifindex);
  }
}
`;
  return [
    stateProbe(o),
    packetProbe('netif_rx', 'x', false),
    packetProbe('netif_receive_skb_entry', 'e', true),
    packetProbe('netif_receive_skb_list_entry', 'l', true),
    packetProbe('napi_gro_receive_entry', 'g', true),
    packetProbe('napi_gro_frags_entry', 'f', true),
    DELIVER_PROBE(skbOk, sampleCondition(o, '$skb->hash')),
  ].join('\n');
}

/**
 * A mark from every CPU ten times a second: `capture` stops a program only
 * once it has read a mark from each CPU stamped after perf stopped, so the
 * per-CPU buffers hold nothing of the recorded time that bpftrace has not
 * printed yet (it does not empty them when it exits).
 */
const TICKS = `profile:hz:10
{
  printf("tick %llu %u\\n", nsecs, cpu);
}
`;

const HEADER = `#!/usr/bin/env bpftrace
// Generated by rfs-replay capture. Prints the rfs-capture v1 line protocol;
// \`rfs-replay\` reads this program's output (text or -f json) as a trace.
`;

/** Both sides in one program: what `capture --print-program` prints. */
export function generateProgram(o: ProgramOptions): string {
  const preamble = (o.preamble ?? []).map((l) => (l.length > 0 ? `// ${l}\n` : '//\n')).join('');
  return `${HEADER}${preamble}
${beginBlock(o)}
${socketProbes(o)}
${packetProbes(o)}${endBlock(o, SOCKET_MAPS)}`;
}

/** The socket side alone, with the configuration snapshot: `capture` records packets with perf. */
export function generateSocketProgram(o: ProgramOptions): string {
  return `${HEADER}
${beginBlock(o)}
${socketProbes(o)}
${TICKS}${endBlock({}, SOCKET_MAPS)}`;
}

export interface PacketCheckOptions {
  /** Print "seen" for every packet of the captured devices at net:netif_rx (their names exist in other namespaces too). */
  confirmPackets: boolean;
  /** Print deliver rows with the hash steering computed (the device gives packets no hash before steering). */
  delivers: boolean;
  /**
   * Print TCP state changes with the socket's hash (a sampled capture: perf's
   * state event has no hash to filter by, and would record every flow's).
   */
  states?: boolean;
}

/**
 * What only BPF can see on the packet side, run as a second bpftrace so its
 * skipped runs are counted apart from the socket side's: which namespace a
 * packet's device is in, the hash get_rps_cpu() computed, and (sampled) the
 * hash of a socket changing state. It never attaches to a tracepoint perf
 * records (a skipped BPF run there would drop perf's sample too).
 */
export function generatePacketCheckProgram(o: ProgramOptions, c: PacketCheckOptions): string {
  const skbOk = skbCondition(o);
  const keep = sampleCondition(o, '$skb->hash');
  const seen = c.confirmPackets
    ? `tracepoint:net:netif_rx
{
  $skb = (struct sk_buff *)args->skbaddr;
  if (${and(skbOk, keep)}) {
    printf("seen %llu %u 0x%llx\\n", nsecs, cpu, (uint64)args->skbaddr);
  }
}
`
    : '';
  return `${HEADER}
BEGIN
{
  printf("${CAPTURE_MAGIC}\\n");
}

${seen}${c.delivers ? DELIVER_PROBE(skbOk, keep) : ''}${c.states ? stateProbe(o) : ''}
${TICKS}${endBlock({}, [])}`;
}
