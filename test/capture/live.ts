/**
 * Shared by the tests that capture the running kernel: running commands,
 * starting `rfs-replay capture` and waiting until it records, the load
 * generator in a namespace, and putting the global sysctl back.
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';

export const ROOT = resolve(import.meta.dirname, '../..');
export const CLI = process.env.RFS_E2E_CLI ?? join(ROOT, 'dist/cli.js');
export const LOADGEN = join(ROOT, 'dist/capture/loadgen.js');
export const SYSCTL = '/proc/sys/net/core/rps_sock_flow_entries';

/** A sysfs CPU mask naming every possible CPU ("3" for two CPUs, "ff,ffffffff" for 40). */
export function allCpusMask(n: number): string {
  const groups: string[] = [];
  for (let base = 0; base < n; base += 32) {
    const bits = Math.min(32, n - base);
    groups.unshift((bits === 32 ? 0xffffffff : 2 ** bits - 1).toString(16));
  }
  return groups.map((g, i) => (i === 0 ? g : g.padStart(8, '0'))).join(',');
}

export function sh(cmd: string, args: string[]): string {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  if (r.status !== 0) throw new Error(`${cmd} ${args.join(' ')} failed: ${r.stderr || r.error}`);
  return r.stdout;
}

/** Reads the global table size now; `restore()` writes it back if it changed (idempotent, for finally and afterAll). */
export function sysctlGuard(): { saved: string; set(entries: number): void; restore(): void } {
  const saved = readFileSync(SYSCTL, 'utf8').trim();
  return {
    saved,
    set: (entries) => writeFileSync(SYSCTL, `${entries}\n`),
    restore: () => {
      if (readFileSync(SYSCTL, 'utf8').trim() !== saved) writeFileSync(SYSCTL, `${saved}\n`);
    },
  };
}

/** A child whose output is collected; `lines` resolves when a line matches. */
export class Child {
  readonly proc: ChildProcess;
  stdout = '';
  stderr = '';
  readonly exited: Promise<number | null>;

  constructor(cmd: string, args: string[]) {
    this.proc = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'pipe'] });
    this.proc.stdout!.on('data', (d: Buffer) => (this.stdout += d.toString()));
    this.proc.stderr!.on('data', (d: Buffer) => (this.stderr += d.toString()));
    this.exited = new Promise((res) => this.proc.on('close', (code) => res(code)));
  }

  /** Resolves when stdout or stderr matches; fails if the process exits first or after `ms`. */
  async waitFor(re: RegExp, ms = 120_000): Promise<void> {
    const start = Date.now();
    while (!re.test(this.stdout) && !re.test(this.stderr)) {
      if (this.proc.exitCode !== null || this.proc.signalCode !== null)
        throw new Error(`${this.proc.spawnargs.join(' ')} exited before ${re}:\n${this.stderr}`);
      if (Date.now() - start > ms) throw new Error(`${this.proc.spawnargs.join(' ')}: no ${re} within ${ms} ms:\n${this.stderr}`);
      await new Promise((r) => setTimeout(r, 100));
    }
  }

  stop(signal: NodeJS.Signals = 'SIGTERM'): void {
    if (this.proc.exitCode === null && this.proc.signalCode === null) this.proc.kill(signal);
  }
}

/** `rfs-replay capture`, resolved once it says it is capturing. */
export async function startCapture(args: string[]): Promise<Child> {
  const c = new Child('node', [CLI, 'capture', ...args]);
  await c.waitFor(/capturing/);
  return c;
}

/** The load generator in a network namespace. */
export function loadgen(netns: string, args: string[]): Child {
  return new Child('ip', ['netns', 'exec', netns, 'node', LOADGEN, ...args]);
}

/** With RFS_CAPTURE_KEEP=DIR, keeps a copy of a trace a live test took (how the fixtures were made). */
export function keepTrace(path: string): void {
  const dir = process.env.RFS_CAPTURE_KEEP;
  if (!dir || !existsSync(path)) return;
  mkdirSync(dir, { recursive: true });
  copyFileSync(path, join(dir, basename(path)));
}

const LOCK = '/tmp/rfs-replay-live-capture.lock';

/**
 * One live capture test file at a time: they set the one global sysctl, and
 * vitest runs files in parallel. A directory is the lock; one left by a
 * process that no longer runs is taken over.
 */
export async function takeLiveLock(timeoutMs = 600_000): Promise<() => void> {
  const start = Date.now();
  for (;;) {
    try {
      mkdirSync(LOCK);
      writeFileSync(join(LOCK, 'pid'), String(process.pid));
      return () => rmSync(LOCK, { recursive: true, force: true });
    } catch {
      let holder = NaN;
      try {
        holder = Number(readFileSync(join(LOCK, 'pid'), 'utf8'));
      } catch {
        // Being created or removed right now.
      }
      if (Number.isInteger(holder) && !existsSync(`/proc/${holder}`)) rmSync(LOCK, { recursive: true, force: true });
      else if (Date.now() - start > timeoutMs) throw new Error(`another live capture test (pid ${holder}) held ${LOCK} for ${timeoutMs} ms`);
      else await new Promise((r) => setTimeout(r, 500));
    }
  }
}

/** What a live suite's tests use: its scratch folder and the guarded global table size. */
export interface LiveSuite {
  dir: string;
  sysctl: ReturnType<typeof sysctlGuard>;
}

/**
 * The frame every live-capture suite shares, registered as its beforeAll and
 * afterAll (call it inside the describe): fail (under CI, where the suite is
 * not skipped) if a piece is missing, take the machine-wide lock, guard the
 * global sysctl, make a scratch folder, then run `setup` (the suite's
 * namespaces and devices). afterAll undoes all of it, `teardown` first, also
 * after a failure.
 */
export function liveSuite(unavailable: string | null, tmpPrefix: string, setup: () => void, teardown: () => void): LiveSuite {
  const suite: LiveSuite = { dir: '', sysctl: { saved: '', set: () => {}, restore: () => {} } };
  let unlock: (() => void) | null = null;
  beforeAll(async () => {
    if (unavailable) throw new Error(`CI must run the live capture, but: ${unavailable}`);
    expect(existsSync(CLI), `${CLI} is missing: build first (npm run build)`).toBe(true);
    unlock = await takeLiveLock();
    // Read after the lock: another live suite may have the sysctl changed until then.
    suite.sysctl = sysctlGuard();
    suite.dir = mkdtempSync(join(tmpdir(), tmpPrefix));
    setup();
  }, 700_000);
  afterAll(() => {
    suite.sysctl.restore();
    teardown();
    if (suite.dir) rmSync(suite.dir, { recursive: true, force: true });
    unlock?.();
  });
  return suite;
}
