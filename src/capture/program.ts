/**
 * Generates the bpftrace program that records what RFS needs to be replayed.
 *
 * Why these probes (Linux 6.x; kprobes and fentry are often unavailable, so
 * only tracepoints and BTF casts are used):
 * - sock_rps_record_flow() is inline and has no tracepoint. Its callers are
 *   inet_recvmsg / inet_send_prepare (recvmsg/sendmsg family, read/write on a
 *   socket) and __inet_accept. sock:sock_recv_length / sock:sock_send_length
 *   fire when the call returns, but the hint was written when it *started*:
 *   on the CPU of syscall entry, with the socket's state and sk_rxhash of that
 *   moment. So syscalls:sys_enter_* remembers, per thread, the time, CPU and
 *   the socket behind the fd (looked up through the task's fd table), and the
 *   exit tracepoint prints those when it is the same socket.
 *   __inet_accept records on the CPU where accept() woke up, just before it
 *   returns: sys_exit_accept/accept4 print the new socket there.
 * - sock:inet_sock_set_state gives state changes, including CLOSE, which on
 *   6.16+ clears the socket's slot (sock_rps_delete_flow in inet_unhash).
 * - Packets before steering: net:netif_rx (loopback, veth, tunnels: called in
 *   netif_rx_internal just before get_rps_cpu) and the NAPI entry points
 *   net:netif_receive_skb_entry, net:netif_receive_skb_list_entry,
 *   net:napi_gro_receive_entry, net:napi_gro_frags_entry.
 * - net:netif_receive_skb fires in __netif_receive_skb_core on the CPU that
 *   processes the packet after steering: the kernel's real decision.
 * Every event carries bpf_ktime_get_ns(), one monotonic clock for all CPUs.
 */
import { CAPTURE_MAGIC } from '../ingest/importers/capture-protocol.js';

export interface ProgramOptions {
  /** BTF path from a struct sock to its rxhash, e.g. "__sk_common.skc_rxhash" (6.x) or "sk_rxhash". */
  rxhashField: string;
  /** Only events of this network namespace (its proc inode number). */
  netnsInum?: number;
  /** Only packets of this device (ifindex inside the namespace). */
  ifindex?: number;
  /** Stop after this many seconds; without it the program runs until interrupted. */
  durationS?: number;
  /** v1 header pairs, one string per line, printed by BEGIN (the configuration snapshot). */
  config: string[];
  /** ifindex → device name, printed by BEGIN so queue names can be formed. */
  ifnames: Map<number, string>;
}

/** Syscalls that reach inet_recvmsg / inet_sendmsg with an fd argument named `fd`. */
export const RECV_SYSCALLS = ['read', 'readv', 'recvfrom', 'recvmsg', 'recvmmsg'];
export const SEND_SYSCALLS = ['write', 'writev', 'sendto', 'sendmsg', 'sendmmsg'];

/** The value printed for a string inside a bpftrace string literal. */
function literal(s: string): string {
  return s.replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/%/g, '%%');
}

export function generateProgram(o: ProgramOptions): string {
  const rx = o.rxhashField;
  const sockNs = o.netnsInum !== undefined ? `$sk->__sk_common.skc_net.net->ns.inum == ${o.netnsInum}` : '1';
  const skbFilter: string[] = [];
  if (o.netnsInum !== undefined) skbFilter.push(`$skb->dev->nd_net.net->ns.inum == ${o.netnsInum}`);
  if (o.ifindex !== undefined) skbFilter.push(`$skb->dev->ifindex == ${o.ifindex}`);
  const skbOk = skbFilter.length > 0 ? skbFilter.join(' && ') : '1';
  const inet = '($sk->__sk_common.skc_family == 2 || $sk->__sk_common.skc_family == 10)';

  const begin = [`  printf("${CAPTURE_MAGIC}\\n");`];
  for (const c of o.config) begin.push(`  printf("cfg ${literal(c)}\\n");`);
  for (const [idx, name] of o.ifnames) begin.push(`  printf("ifname ${idx} ${literal(name)}\\n");`);

  const enterProbes = [...RECV_SYSCALLS, ...SEND_SYSCALLS].map((s) => `tracepoint:syscalls:sys_enter_${s}`).join(',\n');
  const packetProbe = (probe: string, src: string, fromArgs: boolean): string => `tracepoint:net:${probe}
{
  $skb = (struct sk_buff *)args->skbaddr;
  if (${skbOk}) {
    printf("pkt %llu %u ${src} 0x%llx %u %u %d\\n", nsecs, cpu, (uint64)args->skbaddr,
      ${fromArgs ? 'args->hash' : '$skb->hash'}, ${fromArgs ? 'args->queue_mapping' : '$skb->queue_mapping'}, $skb->dev->ifindex);
  }
}
`;
  const acceptProbe = (name: string): string => `tracepoint:syscalls:sys_exit_${name}
/args->ret >= 0/
{
  $file = (struct file *)*(curtask->files->fdt->fd + args->ret);
  $sk = ((struct socket *)$file->private_data)->sk;
  if (${inet} && ${sockNs}) {
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
    } else {
      printf("rec %llu %u ${kind} 0x%llx %u %u\\n", nsecs, cpu, (uint64)args->sk, $sk->__sk_common.skc_state, $sk->${rx});
    }
  }
}
`;

  return `#!/usr/bin/env bpftrace
// Generated by rfs-replay capture. Prints the rfs-capture v1 line protocol;
// \`rfs-replay\` reads this program's output (text or -f json) as a trace.

BEGIN
{
${begin.join('\n')}
}

// Remember, per thread, where and when a socket call started and the
// socket's state and rxhash then: that is what sock_rps_record_flow() used.
${enterProbes}
{
  $file = (struct file *)*(curtask->files->fdt->fd + args->fd);
  $sk = ((struct socket *)$file->private_data)->sk;
  @entry_sk[tid] = (uint64)$sk;
  @entry_ts[tid] = nsecs;
  @entry_cpu[tid] = cpu;
  @entry_state[tid] = $sk->__sk_common.skc_state;
  @entry_hash[tid] = $sk->${rx};
}

${lengthProbe('sock_recv_length', 'r', ' && !(args->flags & 0x2000)')}
${lengthProbe('sock_send_length', 's', '')}
${acceptProbe('accept4')}
${acceptProbe('accept')}
tracepoint:sock:inet_sock_set_state
/args->protocol == 6/
{
  $sk = (struct sock *)args->skaddr;
  if (${sockNs}) {
    printf("st %llu %u 0x%llx %d %d %u\\n", nsecs, cpu, (uint64)args->skaddr, args->oldstate, args->newstate, $sk->${rx});
  }
}

${packetProbe('netif_rx', 'x', false)}
${packetProbe('netif_receive_skb_entry', 'e', true)}
${packetProbe('netif_receive_skb_list_entry', 'l', true)}
${packetProbe('napi_gro_receive_entry', 'g', true)}
${packetProbe('napi_gro_frags_entry', 'f', true)}
tracepoint:net:netif_receive_skb
{
  $skb = (struct sk_buff *)args->skbaddr;
  if (${skbOk}) {
    printf("dlv %llu %u 0x%llx %u %u %d\\n", nsecs, cpu, (uint64)args->skbaddr, $skb->hash, $skb->queue_mapping, $skb->dev->ifindex);
  }
}
${o.durationS !== undefined ? `
interval:s:${o.durationS}
{
  exit();
}
` : ''}
END
{
  printf("end\\n");
  clear(@entry_sk);
  clear(@entry_ts);
  clear(@entry_cpu);
  clear(@entry_state);
  clear(@entry_hash);
}
`;
}
