/**
 * The running `perf record` of a capture: started with its events disabled
 * for a moment (-D), it says "Events enabled" on stderr once it records;
 * SIGINT makes it finish the file.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { createInterface } from 'node:readline';

export class PerfRun {
  private readonly child: ChildProcess;
  private readonly stderr: string[] = [];
  /** Resolves when perf has enabled its events. */
  readonly enabled: Promise<void>;
  /** Resolves with the exit code, or null when a signal ended perf. */
  readonly exited: Promise<number | null>;
  /** True when perf finished its file: it exits 0, or re-raises the SIGINT it was stopped with once the file is written. */
  finished = false;

  constructor(args: string[]) {
    this.child = spawn('perf', args, { stdio: ['ignore', 'ignore', 'pipe'] });
    let markEnabled: () => void = () => {};
    this.enabled = new Promise((resolve) => (markEnabled = resolve));
    const err = createInterface({ input: this.child.stderr!, crlfDelay: Infinity });
    err.on('line', (line) => {
      if (/^Events enabled/.test(line)) markEnabled();
      else if (!/^Events disabled/.test(line)) this.stderr.push(line);
    });
    const errClosed = new Promise<void>((resolve) => err.on('close', resolve));
    this.exited = new Promise<number | null>((resolve, reject) => {
      this.child.on('error', reject);
      this.child.on('close', (code, signal) => {
        this.finished = code === 0 || signal === 'SIGINT';
        void errClosed.then(() => resolve(code));
      });
    });
  }

  get running(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** perf's own messages, without its closing summary ("[ perf record: ... ]"). */
  errorTail(): string {
    return this.stderr
      .filter((l) => !/^\[ perf record:/.test(l))
      .slice(-8)
      .join('\n');
  }

  stop(): void {
    if (this.running) this.child.kill('SIGINT');
  }

  kill(): void {
    if (this.running) this.child.kill('SIGKILL');
  }
}
