/**
 * One running bpftrace program of a capture: its protocol lines go to a
 * handler as they come, its "Lost N events" lines are counted, and the
 * probe runs the kernel skipped (BPF recursion protection) are read from its
 * programs while they are loaded.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { lostEventsIn } from '../ingest/importers/capture-protocol.js';

/** BPF_PROG_TYPE_TRACEPOINT: the probes whose skipped runs lose events (not the per-CPU tick marks). */
const PROG_TYPE_TRACEPOINT = 5;

/**
 * Runs the kernel skipped because another BPF program was running on the
 * same CPU: summed from the `recursion_misses` of every tracepoint program
 * the process holds (/proc/PID/fdinfo). bpftrace itself never reports these.
 */
export function recursionMisses(pid: number): number | null {
  let total = 0;
  let seen = false;
  let fds: string[];
  try {
    fds = readdirSync(`/proc/${pid}/fd`);
  } catch {
    return null;
  }
  for (const fd of fds) {
    try {
      if (readlinkSync(`/proc/${pid}/fd/${fd}`) !== 'anon_inode:bpf-prog') continue;
      const info = readFileSync(`/proc/${pid}/fdinfo/${fd}`, 'utf8');
      const type = /^prog_type:\s*(\d+)/m.exec(info);
      if (type && Number(type[1]) !== PROG_TYPE_TRACEPOINT) continue;
      const m = /^recursion_misses:\s*(\d+)/m.exec(info);
      if (m) {
        total += Number(m[1]);
        seen = true;
      }
    } catch {
      // The fd closed while we looked: bpftrace is exiting.
    }
  }
  return seen ? total : null;
}

export class BpftraceRun {
  private readonly child: ChildProcess;
  private readonly poller: NodeJS.Timeout;
  private readonly stderr: string[] = [];
  /** Resolves when the program printed its first line (BEGIN runs once its probes are attached). */
  readonly ready: Promise<void>;
  /** Resolves with the exit code when bpftrace has exited and its output is read. */
  readonly exited: Promise<number | null>;
  lost = 0;
  missed: number | null = null;
  ended = false;
  /** Latest tick mark read from each CPU (ns). */
  private readonly ticks = new Map<number, number>();
  private onTick: () => void = () => {};

  /** `onLine` gets every protocol line and its number; throwing stops bpftrace and fails `exited`. */
  constructor(bpftrace: string, programPath: string, onLine: (line: string, lineNo: number) => void) {
    this.child = spawn(bpftrace, [programPath], {
      stdio: ['ignore', 'pipe', 'pipe'],
      // Large per-CPU buffers: events are lost when bpftrace reads slower than they come.
      env: { ...process.env, BPFTRACE_PERF_RB_PAGES: process.env.BPFTRACE_PERF_RB_PAGES ?? '4096' },
    });
    let lineNo = 0;
    let failure: unknown = null;
    let markReady: () => void = () => {};
    this.ready = new Promise((resolve) => (markReady = resolve));
    const out = createInterface({ input: this.child.stdout!, crlfDelay: Infinity });
    out.on('line', (line) => {
      lineNo++;
      if (failure) return;
      const lost = lostEventsIn(line);
      if (lost !== null) {
        this.lost += lost;
        return;
      }
      if (/^Attaching \d+ probes?/.test(line)) return;
      markReady();
      const tick = /^tick (\d+) (\d+)$/.exec(line);
      if (tick) {
        this.ticks.set(Number(tick[2]), Math.max(this.ticks.get(Number(tick[2])) ?? 0, Number(tick[1])));
        this.onTick();
      }
      if (line === 'end') {
        this.ended = true;
        this.poll();
      }
      try {
        onLine(line, lineNo);
      } catch (e) {
        failure = e;
        this.child.kill('SIGINT');
      }
    });
    const err = createInterface({ input: this.child.stderr!, crlfDelay: Infinity });
    err.on('line', (line) => {
      const lost = lostEventsIn(line);
      if (lost !== null) this.lost += lost;
      else this.stderr.push(line);
    });
    // Polled while bpftrace runs: its programs (and their counters) are gone once it exits. The
    // counter only grows, and stop() and the END line read it last; a slower poll costs nothing
    // but a few /proc reads per second (each lists every fd bpftrace holds).
    this.poller = setInterval(() => this.poll(), 1000);
    const outClosed = new Promise<void>((resolve) => out.on('close', resolve));
    this.exited = new Promise<number | null>((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code) => {
        clearInterval(this.poller);
        void outClosed.then(() => (failure ? reject(failure) : resolve(code)));
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** The last lines bpftrace wrote to stderr, without its RLIMIT_MEMLOCK warning (not a failure on cgroup-accounted kernels). */
  errorTail(): string {
    return this.stderr
      .filter((l) => !/RLIMIT_MEMLOCK/.test(l))
      .slice(-8)
      .join('\n');
  }

  poll(): void {
    const n = this.child.pid !== undefined ? recursionMisses(this.child.pid) : null;
    if (n !== null) this.missed = Math.max(this.missed ?? 0, n);
  }

  /**
   * Resolves once a tick stamped after `ns` was read from each of `cpus`:
   * everything those CPUs recorded before `ns` has been printed. Gives up
   * after `timeoutMs` (a CPU whose tick was skipped ticks again 100 ms later).
   */
  caughtUp(ns: number, cpus: number[], timeoutMs = 30_000): Promise<boolean> {
    const done = (): boolean => cpus.every((c) => (this.ticks.get(c) ?? 0) > ns);
    if (done() || !this.running) return Promise.resolve(done());
    return new Promise((resolve) => {
      const timer = setTimeout(() => finish(false), timeoutMs);
      const finish = (ok: boolean): void => {
        clearTimeout(timer);
        this.onTick = () => {};
        resolve(ok);
      };
      this.onTick = () => done() && finish(true);
      void this.exited.then(
        () => finish(done()),
        () => finish(false),
      );
    });
  }

  /** SIGINT lets bpftrace run END and flush what it has. */
  stop(): void {
    this.poll();
    if (this.running) this.child.kill('SIGINT');
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
