/**
 * What the capture needs to know about the running system: the RFS
 * configuration snapshot (the header of docs/format.md), network namespace identity,
 * which BTF field holds sk_rxhash, and whether tracefs is there.
 * Reads only; the one thing it may change (mounting tracefs for bpftrace) is
 * undone by the caller through the returned handle.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { release } from 'node:os';
import { UsageError } from '../errors.js';
import { captureMsg } from '../messages.js';
import { deviceKinds } from './namespaces.js';
import { perfAvailable } from './perf-packets.js';

export const TRACEFS = '/sys/kernel/tracing';
export const BTF_VMLINUX = '/sys/kernel/btf/vmlinux';

export interface QueueSnapshot {
  name: string;
  rpsCpus: string;
  rpsFlowCnt: number;
}

export interface SystemSnapshot {
  nrCpuIds: number;
  rpsSockFlowEntries: number;
  kernel: string;
  /** RX queues of the captured devices (one per sysfs rx-N: the device's real_num_rx_queues). */
  queues: QueueSnapshot[];
  /** Every device of the namespace, by ifindex. */
  ifnames: Map<number, string>;
  /** The captured devices: --dev, or every device of the namespace. */
  devices: string[];
  /** Device kinds ("loopback", "veth", ...; "" for hardware), from `ip -d link`. */
  kinds: Map<string, string>;
}

/** Highest CPU id + 1 from a sysfs CPU list such as "0-1" or "0,2-5". */
export function nrCpuIdsFromList(text: string): number {
  let max = -1;
  for (const part of text.trim().split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) throw new UsageError(captureMsg.badCpuList(text.trim()));
    max = Math.max(max, Number(m[2] ?? m[1]));
  }
  return max + 1;
}

/**
 * Every device's RX queues with their RPS settings, as lines
 * "DEV IFINDEX QUEUE RPS_CPUS RPS_FLOW_CNT". Inside a namespace `ip netns exec`
 * mounts a sysfs of that namespace, so the same shell loop serves both.
 */
const QUEUE_SCRIPT = `for d in /sys/class/net/*; do
  n=\${d##*/}; i=$(cat "$d/ifindex")
  echo "dev $n $i"
  for q in "$d"/queues/rx-*; do
    [ -e "$q/rps_cpus" ] || continue
    echo "q $n \${q##*/rx-} $(cat "$q/rps_cpus") $(cat "$q/rps_flow_cnt")"
  done
done`;

export function parseQueueListing(text: string, dev?: string): { queues: QueueSnapshot[]; ifnames: Map<number, string> } {
  const queues: QueueSnapshot[] = [];
  const ifnames = new Map<number, string>();
  for (const line of text.split('\n')) {
    const t = line.trim().split(/\s+/);
    if (t[0] === 'dev' && t.length === 3) ifnames.set(Number(t[2]), t[1]);
    else if (t[0] === 'q' && t.length === 5 && (dev === undefined || t[1] === dev)) {
      queues.push({ name: `${t[1]}:${t[2]}`, rpsCpus: t[3], rpsFlowCnt: Number(t[4]) });
    }
  }
  queues.sort((a, b) => {
    const [da, qa] = [a.name.slice(0, a.name.lastIndexOf(':')), Number(a.name.slice(a.name.lastIndexOf(':') + 1))];
    const [db, qb] = [b.name.slice(0, b.name.lastIndexOf(':')), Number(b.name.slice(b.name.lastIndexOf(':') + 1))];
    return da < db ? -1 : da > db ? 1 : qa - qb;
  });
  return { queues, ifnames };
}

export function netnsExists(name: string): boolean {
  return existsSync(`/run/netns/${name}`);
}

/** The namespace's proc inode number (struct net's ns.inum), which is what the BPF filter compares. */
export function netnsInum(name: string): number {
  if (!/^[A-Za-z0-9_.-]+$/.test(name) || !netnsExists(name)) throw new UsageError(captureMsg.noSuchNetns(name));
  return statSync(`/run/netns/${name}`).ino;
}

export function takeSnapshot(opts: { netns?: string; dev?: string }): SystemSnapshot {
  const nrCpuIds = nrCpuIdsFromList(readFileSync('/sys/devices/system/cpu/possible', 'utf8'));
  // rps_sock_flow_entries is registered for the initial namespace only (and is global), so read it here.
  const entriesPath = '/proc/sys/net/core/rps_sock_flow_entries';
  if (!existsSync(entriesPath)) throw new UsageError(captureMsg.noSockFlowSysctl());
  const rpsSockFlowEntries = Number(readFileSync(entriesPath, 'utf8').trim());
  let listing: string;
  if (opts.netns !== undefined) {
    netnsInum(opts.netns);
    listing = execFileSync('ip', ['netns', 'exec', opts.netns, 'sh', '-c', QUEUE_SCRIPT], { encoding: 'utf8' });
  } else {
    listing = execFileSync('sh', ['-c', QUEUE_SCRIPT], { encoding: 'utf8' });
  }
  const { queues, ifnames } = parseQueueListing(listing, opts.dev);
  if (opts.dev !== undefined && ![...ifnames.values()].includes(opts.dev)) {
    throw new UsageError(captureMsg.noSuchDev(opts.dev, opts.netns));
  }
  const devices = opts.dev !== undefined ? [opts.dev] : [...ifnames.values()];
  return { nrCpuIds, rpsSockFlowEntries, kernel: release(), queues, ifnames, devices, kinds: deviceKinds(opts.netns) };
}

/** The v1 header pairs of a snapshot, one string per header line. */
export function snapshotConfigLines(s: SystemSnapshot): string[] {
  return [
    `nr_cpu_ids=${s.nrCpuIds} rps_sock_flow_entries=${s.rpsSockFlowEntries} kernel=${s.kernel}`,
    ...s.queues.map((q) => `queue=${q.name} rps_cpus=${q.rpsCpus} rps_flow_cnt=${q.rpsFlowCnt}`),
  ];
}

export function findBpftrace(): string | null {
  const r = spawnSync('sh', ['-c', 'command -v bpftrace'], { encoding: 'utf8' });
  const p = r.stdout.trim();
  return r.status === 0 && p.length > 0 ? p : null;
}

/**
 * Which BTF path reaches sk_rxhash. Since 6.x it lives in sock_common
 * (`#define sk_rxhash __sk_common.skc_rxhash`); before, it was a struct sock
 * member. Decided by letting bpftrace compile a one-line program against the
 * running kernel's BTF with each candidate.
 */
export const RXHASH_CANDIDATES = ['__sk_common.skc_rxhash', 'sk_rxhash'];

export function detectRxhashField(bpftrace: string): string {
  for (const field of RXHASH_CANDIDATES) {
    const r = spawnSync(bpftrace, ['-e', `BEGIN { $s = (struct sock *)0; @x = $s->${field}; exit(); clear(@x); }`], {
      encoding: 'utf8',
      timeout: 30_000,
    });
    if (r.status === 0) return field;
  }
  throw new UsageError(captureMsg.noRxhashField(RXHASH_CANDIDATES));
}

export interface TracefsHandle {
  /** True when this process mounted tracefs and must unmount it. */
  mounted: boolean;
  release(): void;
}

/** Makes sure tracefs is mounted (bpftrace and perf read tracepoint formats there); mounts it if needed. */
export function ensureTracefs(): TracefsHandle {
  if (existsSync(`${TRACEFS}/events`)) return { mounted: false, release: () => {} };
  const supported = readFileSync('/proc/filesystems', 'utf8')
    .split('\n')
    .some((l) => /\btracefs$/.test(l));
  if (!supported || !existsSync(TRACEFS)) throw new UsageError(captureMsg.noTracefs());
  try {
    execFileSync('mount', ['-t', 'tracefs', 'nodev', TRACEFS], { stdio: 'pipe' });
  } catch (e) {
    throw new UsageError(captureMsg.tracefsMountFailed(String((e as { stderr?: Buffer }).stderr ?? e).trim()));
  }
  return {
    mounted: true,
    release: () => {
      spawnSync('umount', [TRACEFS], { stdio: 'ignore' });
    },
  };
}

/**
 * What this machine lacks to run a live capture (root, bpftrace, perf, `ip`, kernel
 * BTF, tracefs), as one line naming each missing piece and how to get it;
 * null when nothing is missing. For tests that capture the running kernel.
 */
export function captureUnavailable(): string | null {
  const missing: string[] = [];
  if (typeof process.getuid === 'function' && process.getuid() !== 0) missing.push(captureMsg.needRoot());
  if (!findBpftrace()) missing.push(captureMsg.noBpftrace());
  if (!perfAvailable()) missing.push(captureMsg.noPerf());
  if (spawnSync('sh', ['-c', 'command -v ip']).status !== 0) missing.push(captureMsg.noIp());
  if (!existsSync(BTF_VMLINUX)) missing.push(captureMsg.noBtf());
  const fs = existsSync('/proc/filesystems') ? readFileSync('/proc/filesystems', 'utf8') : '';
  if (!existsSync(TRACEFS) || !/\btracefs\b/.test(fs)) missing.push(captureMsg.noTracefs());
  return missing.length > 0 ? missing.join('; ') : null;
}

/** Device names of the current namespace's sysfs, for tests and messages. */
export function listDevices(): string[] {
  return existsSync('/sys/class/net') ? readdirSync('/sys/class/net') : [];
}
