/**
 * Network namespaces as the capture needs them: which namespace a device
 * lives in, whether its name also exists in another namespace (perf filters
 * by name only, so such packets need a second look), and what kind of device
 * it is (loopback and veth carry the sender's flow hash; see run.ts).
 * Reads only.
 */
import { spawnSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, statSync } from 'node:fs';

/** The inode of this process's network namespace (what `struct net`'s ns.inum holds). */
export function ownNetnsInum(): number {
  const m = /^net:\[(\d+)\]$/.exec(readlinkSync('/proc/self/ns/net'));
  return m ? Number(m[1]) : statSync('/proc/self/ns/net').ino;
}

/** Device names in /proc/PID/net/dev (the devices of that process's namespace). */
export function parseProcNetDev(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n').slice(2)) {
    const i = line.indexOf(':');
    if (i > 0) names.push(line.slice(0, i).trim());
  }
  return names;
}

/** Device names of `ip -o link show` output ("3: vethB@if2: <...>"). */
export function parseIpLinkNames(text: string): string[] {
  const names: string[] = [];
  for (const line of text.split('\n')) {
    const m = /^\d+:\s+([^:@\s]+)[@:]/.exec(line);
    if (m) names.push(m[1]);
  }
  return names;
}

/**
 * Every network namespace this process can see, except `exclude`, with the
 * device names in it: those of running processes (/proc/PID/ns/net) and the
 * named ones (/run/netns, which may have no process).
 */
export function otherNamespacesDevices(exclude: number): Map<number, string[]> {
  const out = new Map<number, string[]>();
  let pids: string[] = [];
  try {
    pids = readdirSync('/proc').filter((p) => /^\d+$/.test(p));
  } catch {
    // No /proc: nothing else can be seen.
  }
  for (const pid of pids) {
    try {
      const m = /^net:\[(\d+)\]$/.exec(readlinkSync(`/proc/${pid}/ns/net`));
      if (!m) continue;
      const inum = Number(m[1]);
      if (inum === exclude || out.has(inum)) continue;
      out.set(inum, parseProcNetDev(readFileSync(`/proc/${pid}/net/dev`, 'utf8')));
    } catch {
      // The process exited while we looked, or is not ours to read.
    }
  }
  let named: string[] = [];
  try {
    named = readdirSync('/run/netns');
  } catch {
    // No named namespaces.
  }
  for (const name of named) {
    try {
      const inum = statSync(`/run/netns/${name}`).ino;
      if (inum === exclude || out.has(inum)) continue;
      const r = spawnSync('ip', ['-n', name, '-o', 'link', 'show'], { encoding: 'utf8' });
      if (r.status === 0) out.set(inum, parseIpLinkNames(r.stdout));
    } catch {
      // Deleted while we looked.
    }
  }
  return out;
}

/** Which of `devices` (names in namespace `own`) also name a device in another namespace. */
export function namesInOtherNamespaces(devices: string[], own: number): string[] {
  const elsewhere = new Set<string>();
  for (const names of otherNamespacesDevices(own).values()) for (const n of names) elsewhere.add(n);
  return devices.filter((d) => elsewhere.has(d));
}

/** Device kinds from `ip -j -d link show`: "loopback", the link kind ("veth", "vlan", ...), or "" for hardware. */
export function parseDeviceKinds(json: string): Map<string, string> {
  const kinds = new Map<string, string>();
  let list: { ifname?: string; link_type?: string; linkinfo?: { info_kind?: string } }[];
  try {
    list = JSON.parse(json) as typeof list;
  } catch {
    return kinds;
  }
  for (const d of list) {
    if (!d.ifname) continue;
    kinds.set(d.ifname, d.link_type === 'loopback' ? 'loopback' : (d.linkinfo?.info_kind ?? ''));
  }
  return kinds;
}

export function deviceKinds(netns?: string): Map<string, string> {
  const args = netns !== undefined ? ['-n', netns, '-j', '-d', 'link', 'show'] : ['-j', '-d', 'link', 'show'];
  const r = spawnSync('ip', args, { encoding: 'utf8' });
  return r.status === 0 ? parseDeviceKinds(r.stdout) : new Map();
}
