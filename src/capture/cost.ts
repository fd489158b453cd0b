/**
 * What a capture costs the machine, in CPU time per packet: the same fixed
 * load (loadgen.ts with a seed and a connection count, so every run makes the
 * same connections and exchanges) on loopback in a fresh network namespace,
 * without a capture, with a full one and with `--sample 1/N`, in turns, in
 * one run (README, "What a capture costs").
 *
 *   sudo node dist/capture/cost.js [--rounds 3] [--sample 1/16] [--connections 600] [--json FILE]
 *
 * CPU time, not wall clock, counted by cgroup (v1 cpuacct, cpuacct.usage:
 * every thread's runtime, exited ones too): the load's processes in one
 * cgroup, the capture (rfs-replay, bpftrace, perf) in another. This kernel
 * has no IRQ time accounting (CONFIG_IRQ_TIME_ACCOUNTING off), so the
 * receive softirq, and with it every tracepoint probe that runs there (perf's
 * samples, the BPF programs), is charged to the task it interrupted; without
 * RPS on the loopback (see main()) that is the sending load process itself;
 * softirq work deferred to ksoftirqd is added from its threads' schedstat.
 * So per packet:
 *
 *   added = (load CPU with the capture − load CPU without) + the capture's CPU
 *
 * the capture's CPU split into its start (bpftrace compiling, perf starting:
 * once per capture, not per packet) and the rest (reading the buffers while
 * the load runs, then decoding, assembling and writing the trace). The BPF
 * programs' own run time (kernel.bpf_stats_enabled=1 for the run, restored
 * after) says how much of the load's extra CPU the probes took.
 *
 * Root only. Takes the live-capture lock the tests take (the same directory
 * protocol as test/capture/live.ts takeLiveLock()), sets the global
 * net.core.rps_sock_flow_entries and bpf_stats_enabled, and restores both,
 * and removes its namespace and cgroups, also on failure.
 */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const HERE = dirname(fileURLToPath(import.meta.url));
const CLI = join(HERE, '../cli.js');
const LOADGEN = join(HERE, 'loadgen.js');
const CPUACCT = '/sys/fs/cgroup/cpuacct';
const LOCK = '/tmp/rfs-replay-live-capture.lock';
const SYSCTL_ENTRIES = '/proc/sys/net/core/rps_sock_flow_entries';
const SYSCTL_BPF_STATS = '/proc/sys/kernel/bpf_stats_enabled';

interface Options {
  rounds: number;
  sample: string;
  /** Connections per client (2 clients). */
  connections: number;
  json: string | null;
}

function parseArgs(argv: string[]): Options {
  const o: Options = { rounds: 3, sample: '1/16', connections: 600, json: null };
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i];
    if (a === '--rounds') o.rounds = Number(argv[++i]);
    else if (a === '--sample') o.sample = argv[++i];
    else if (a === '--connections') o.connections = Number(argv[++i]);
    else if (a === '--json') o.json = argv[++i];
    else throw new Error(`cost: unknown argument ${a}`);
  }
  if (!(o.rounds >= 1) || !(o.connections >= 1)) throw new Error('cost: --rounds and --connections must be positive');
  return o;
}

function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')}: ${r.stderr || r.error}`);
  return r.stdout;
}

/** The live-capture lock (a directory holding the holder's pid), as the live tests take it. */
async function takeLock(): Promise<() => void> {
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch {
      let holder = Number.NaN;
      try {
        holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // Being created or removed right now.
      }
      if (Number.isInteger(holder) && !existsSync(`/proc/${holder}`)) rmSync(LOCK, { recursive: true, force: true });
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** A cpuacct cgroup's CPU time so far, ns. */
function cgroupNs(cg: string): number {
  return Number(readFileSync(join(cg, 'cpuacct.usage'), 'utf8'));
}

/** ksoftirqd threads' runtime so far, ns (/proc/PID/schedstat: the first field). */
function ksoftirqdNs(): number {
  let ns = 0;
  for (const pid of readdirSync('/proc').filter((p) => /^\d+$/.test(p))) {
    try {
      if (!readFileSync(`/proc/${pid}/comm`, 'utf8').startsWith('ksoftirqd/')) continue;
      ns += Number(readFileSync(`/proc/${pid}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // Gone.
    }
  }
  return ns;
}

/** Run time and runs of the BPF programs the processes of a cgroup hold (fdinfo, with bpf_stats_enabled). */
function bpfRunTime(cg: string): { ns: number; runs: number } {
  let ns = 0;
  let runs = 0;
  for (const pid of readFileSync(join(cg, 'cgroup.procs'), 'utf8')
    .split('\n')
    .filter((p) => p)) {
    let fds: string[] = [];
    try {
      fds = readdirSync(`/proc/${pid}/fd`);
    } catch {
      continue;
    }
    for (const fd of fds) {
      try {
        if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
        const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
        ns += Number(/^run_time_ns:\s*(\d+)/m.exec(info)?.[1] ?? 0);
        runs += Number(/^run_cnt:\s*(\d+)/m.exec(info)?.[1] ?? 0);
      } catch {
        // Closed meanwhile.
      }
    }
  }
  return { ns, runs };
}

/** Spawns `cmd` inside cgroup `cg` (it joins before exec, so every child is in it too). */
function inCgroup(cg: string, cmd: string[], onLine?: (line: string) => void): { exited: Promise<number | null>; pid: number; stderr: () => string } {
  const child = spawn('sh', ['-c', `echo $$ > ${join(cg, 'cgroup.procs')} && exec "$@"`, 'sh', ...cmd], { stdio: ['ignore', 'pipe', 'pipe'] });
  let err = '';
  let out = '';
  child.stderr!.on('data', (d: Buffer) => {
    err += d.toString();
    if (onLine) for (const l of d.toString().split('\n')) if (l) onLine(l);
  });
  child.stdout!.on('data', (d: Buffer) => (out += d.toString()));
  return {
    pid: child.pid!,
    exited: new Promise((r) => child.on('close', (code) => r(code))),
    stderr: () => `${err}\n${out}`,
  };
}

function rxPackets(netns: string): number {
  return Number(sh('ip', ['netns', 'exec', netns, 'cat', '/sys/class/net/lo/statistics/rx_packets']).trim());
}

export interface Measurement {
  mode: 'none' | 'full' | 'sampled';
  /** False: the capture ran with no load, for its fixed costs. */
  loaded: boolean;
  packets: number;
  /** Wall time of the load (or of the idle wait), ms: only to take the capture's idle CPU rate off. */
  windowMs: number;
  /** CPU of the load's processes (and ksoftirqd), ns. */
  loadNs: number;
  /** The capture's CPU before the window (start-up), during it and after it (drain, decode, write), ns; 0 without a capture. */
  captureStartNs: number;
  captureRunNs: number;
  captureAfterNs: number;
  /** The BPF programs' own run time during the window, ns (every process's syscalls run them), and their runs. */
  bpfNs: number;
  bpfRuns: number;
  rows: number;
}

/** With no load, a capture waits this long: its idle CPU rate and its fixed cost of stopping. */
const IDLE_MS = 4000;

async function measure(
  mode: Measurement['mode'],
  loaded: boolean,
  o: Options,
  netns: string,
  cgRoot: string,
  dir: string,
  round: number,
): Promise<Measurement> {
  const tag = `${mode}-${loaded ? 'load' : 'idle'}-${round}`;
  const cgLoad = join(cgRoot, `load-${tag}`);
  const cgCap = join(cgRoot, `capture-${tag}`);
  mkdirSync(cgLoad);
  mkdirSync(cgCap);
  try {
    const output = join(dir, `${tag}.csv`);
    let capture: ReturnType<typeof inCgroup> | null = null;
    if (mode !== 'none') {
      const args = ['node', CLI, 'capture', '--netns', netns, '--dev', 'lo', '-o', output, ...(mode === 'sampled' ? ['--sample', o.sample] : [])];
      let ready: () => void = () => {};
      const capturing = new Promise<void>((r) => (ready = r));
      capture = inCgroup(cgCap, args, (l) => /^capturing/.test(l) && ready());
      const cap = capture;
      await Promise.race([capturing, cap.exited.then((c) => Promise.reject(new Error(`capture exited (${c}): ${cap.stderr()}`)))]);
    }
    const startNs = cgroupNs(cgCap);
    const soft0 = ksoftirqdNs();
    const rx0 = rxPackets(netns);
    const bpf0 = bpfRunTime(cgCap);
    const t0 = Date.now();
    if (loaded) {
      const load = inCgroup(cgLoad, [
        'ip',
        'netns',
        'exec',
        netns,
        'node',
        LOADGEN,
        '--duration',
        '300',
        '--clients',
        '2',
        '--connections',
        '48',
        '--max-connections',
        String(o.connections),
        '--seed',
        '7',
        '--port',
        String(7100 + round),
      ]);
      const code = await load.exited;
      if (code !== 0) throw new Error(`loadgen exited with ${code}: ${load.stderr()}`);
    } else {
      await new Promise((r) => setTimeout(r, IDLE_MS));
    }
    const windowMs = Date.now() - t0;
    const packets = rxPackets(netns) - rx0;
    const loadNs = cgroupNs(cgLoad) + (loaded ? ksoftirqdNs() - soft0 : 0);
    const runNs = cgroupNs(cgCap) - startNs;
    const bpf1 = bpfRunTime(cgCap);
    let afterNs = 0;
    let rows = 0;
    if (capture) {
      process.kill(capture.pid, 'SIGINT');
      const c = await capture.exited;
      // 130: stopped by Ctrl-C, the normal end of an open-ended capture (its trace is written).
      if (c !== 0 && c !== 130) throw new Error(`capture exited with ${c}: ${capture.stderr()}`);
      afterNs = cgroupNs(cgCap) - startNs - runNs;
      rows = readFileSync(output, 'latin1')
        .split('\n')
        .filter((l) => /^\d/.test(l)).length;
      rmSync(output, { force: true });
    }
    return {
      mode,
      loaded,
      packets,
      windowMs,
      loadNs,
      captureStartNs: startNs,
      captureRunNs: runNs,
      captureAfterNs: afterNs,
      bpfNs: bpf1.ns - bpf0.ns,
      bpfRuns: bpf1.runs - bpf0.runs,
      rows,
    };
  } finally {
    // A cgroup can be removed once its processes are gone.
    for (const cg of [cgLoad, cgCap]) {
      for (let i = 0; i < 50 && existsSync(cg); i++) {
        try {
          rmdirSync(cg);
        } catch {
          await new Promise((r) => setTimeout(r, 100));
        }
      }
    }
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
}

export interface ModeCost {
  mode: string;
  packets: number;
  /** CPU the capture adds per packet, ns: the load's extra CPU plus the capture's, less its idle rate and fixed stop. */
  perPacketNs: number[];
  /** Of which: in the load's processes (the probes in softirq and syscalls), and the BPF programs' own run time. */
  inLoadNs: number[];
  bpfNs: number[];
  /** The capture processes' part (perf, bpftrace, rfs-replay), idle rate and fixed stop taken off. */
  toolsNs: number[];
  /** Fixed: start-up (ms), CPU while idle (ms per s), stopping with nothing recorded (ms). */
  startMs: number[];
  idleMsPerS: number[];
  stopMs: number[];
  rows: number[];
}

/** Per mode, per round: what the capture adds per packet (a round's idle run gives its idle rate and fixed stop). */
export function costs(ms: Measurement[]): ModeCost[] {
  const none = ms.filter((m) => m.mode === 'none');
  const base = median(none.map((m) => m.loadNs / m.packets));
  const out: ModeCost[] = [];
  for (const mode of ['full', 'sampled'] as const) {
    const loaded = ms.filter((m) => m.mode === mode && m.loaded);
    const idle = ms.filter((m) => m.mode === mode && !m.loaded);
    if (loaded.length === 0 || idle.length === 0) continue;
    const idleRate = median(idle.map((m) => m.captureRunNs / m.windowMs)); // ns per ms
    const stopNs = median(idle.map((m) => m.captureAfterNs));
    const c: ModeCost = {
      mode,
      packets: median(loaded.map((m) => m.packets)),
      perPacketNs: [],
      inLoadNs: [],
      bpfNs: [],
      toolsNs: [],
      startMs: [],
      idleMsPerS: [],
      stopMs: [],
      rows: [],
    };
    for (const m of loaded) {
      const inLoad = m.loadNs / m.packets - base;
      const tools = (m.captureRunNs - idleRate * m.windowMs + m.captureAfterNs - stopNs) / m.packets;
      c.perPacketNs.push(inLoad + tools);
      c.inLoadNs.push(inLoad);
      c.bpfNs.push(m.bpfNs / m.packets);
      c.toolsNs.push(tools);
      c.startMs.push(m.captureStartNs / 1e6);
      c.rows.push(m.rows);
    }
    c.idleMsPerS = idle.map((m) => m.captureRunNs / m.windowMs / 1e3);
    c.stopMs = idle.map((m) => m.captureAfterNs / 1e6);
    out.push(c);
  }
  return out;
}

/** The README's table: medians over the rounds, with their range. */
export function summarize(ms: Measurement[]): string {
  const fmt = (xs: number[], digits = 0) => `${median(xs).toFixed(digits)} (${Math.min(...xs).toFixed(digits)}–${Math.max(...xs).toFixed(digits)})`;
  const none = ms.filter((m) => m.mode === 'none');
  const lines = [
    `load alone: ${fmt(none.map((m) => m.packets))} packets, ${fmt(none.map((m) => m.loadNs / m.packets))} ns of CPU per packet`,
    '',
    '| capture | CPU added per packet | in the load (probes) | of which BPF run time | in perf, bpftrace, rfs-replay | start-up | idle | stop | rows |',
    '|---|---|---|---|---|---|---|---|---|',
  ];
  const cs = costs(ms);
  for (const c of cs) {
    lines.push(
      `| ${c.mode} | ${fmt(c.perPacketNs)} ns | ${fmt(c.inLoadNs)} ns | ${fmt(c.bpfNs)} ns | ${fmt(c.toolsNs)} ns | ${fmt(c.startMs)} ms | ${fmt(c.idleMsPerS, 1)} ms/s | ${fmt(c.stopMs)} ms | ${fmt(c.rows)} |`,
    );
  }
  const full = cs.find((c) => c.mode === 'full');
  const sampled = cs.find((c) => c.mode === 'sampled');
  if (full && sampled) lines.push('', `per packet, full / sampled: ${(median(full.perPacketNs) / median(sampled.perPacketNs)).toFixed(1)}×`);
  return lines.join('\n');
}

async function main(): Promise<void> {
  const o = parseArgs(process.argv.slice(2));
  if (process.getuid?.() !== 0) throw new Error('cost: needs root (captures, namespaces, cgroups)');
  if (!existsSync(join(CPUACCT, 'cpuacct.usage'))) throw new Error(`cost: needs the cgroup v1 cpuacct controller at ${CPUACCT}`);
  const unlock = await takeLock();
  const netns = `rfs-cost-${process.pid}`;
  const cgRoot = join(CPUACCT, `rfs-cost-${process.pid}`);
  const dir = mkdtempSync(join(tmpdir(), 'rfs-cost-'));
  const savedEntries = readFileSync(SYSCTL_ENTRIES, 'utf8').trim();
  const savedStats = readFileSync(SYSCTL_BPF_STATS, 'utf8').trim();
  const restore = () => {
    writeFileSync(SYSCTL_ENTRIES, `${savedEntries}\n`);
    writeFileSync(SYSCTL_BPF_STATS, `${savedStats}\n`);
    spawnSync('ip', ['netns', 'delete', netns]);
    try {
      rmdirSync(cgRoot);
    } catch {
      // Not made, or a child cgroup left by a crash (named rfs-cost-PID/…).
    }
    rmSync(dir, { recursive: true, force: true });
    unlock();
  };
  process.on('SIGINT', () => {
    restore();
    process.exit(130);
  });
  try {
    sh('ip', ['netns', 'add', netns]);
    sh('ip', ['-n', netns, 'link', 'set', 'lo', 'up']);
    // No RPS on the namespace's loopback: a packet is then processed in the softirq its sender
    // runs on leaving its bottom-half section, and so charged to the load's cgroup. Steered to the
    // other CPU, it would run in whatever task that CPU was running (another engineer's, the
    // capture's own, the idle task) and its cost land in no cgroup, or the wrong one. The probes
    // fire the same either way: they do not depend on where steering sends a packet.
    sh('ip', ['netns', 'exec', netns, 'sh', '-c', 'echo 0 > /sys/class/net/lo/queues/rx-0/rps_cpus; echo 0 > /sys/class/net/lo/queues/rx-0/rps_flow_cnt']);
    writeFileSync(SYSCTL_ENTRIES, '32768\n');
    writeFileSync(SYSCTL_BPF_STATS, '1\n');
    mkdirSync(cgRoot);
    const all: Measurement[] = [];
    for (let round = 0; round < o.rounds; round++) {
      const plan: [Measurement['mode'], boolean][] = [
        ['none', true],
        ['full', true],
        ['sampled', true],
        ['full', false],
        ['sampled', false],
      ];
      for (const [mode, loaded] of plan) {
        const m = await measure(mode, loaded, o, netns, cgRoot, dir, round);
        process.stderr.write(`round ${round + 1} ${mode} ${loaded ? 'loaded' : 'idle'}: ${JSON.stringify(m)}\n`);
        all.push(m);
      }
    }
    process.stdout.write(`${summarize(all)}\n`);
    if (o.json)
      writeFileSync(
        o.json,
        `${JSON.stringify({ options: o, kernel: readFileSync('/proc/sys/kernel/osrelease', 'utf8').trim(), measurements: all }, null, 2)}\n`,
      );
  } finally {
    restore();
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  main().then(
    () => process.exit(0),
    (e) => {
      process.stderr.write(`${(e as Error).message}\n`);
      process.exit(1);
    },
  );
}
