/**
 * How every command runs: errors the user can act on become one line and
 * exit status 2; Ctrl-C aborts the replay, removes temporary files and exits
 * 130; anything else is a bug, still reported in one line.
 */
import { EXIT_BAD_INPUT, EXIT_INTERRUPTED, InputError, InterruptedError, UsageError } from '../errors.js';
import { withStdinNamed } from '../ingest/source.js';
import { removePendingTemporaries } from '../io/atomic.js';
import { optMsg } from '../messages.js';

export interface RunContext {
  signal: AbortSignal;
  command: string[];
  progress(enabled: boolean): { update(bytesRead: number, totalBytes: number): void; stop(): void };
}

type ProgressFactory = RunContext['progress'];
let progressFactory: ProgressFactory = () => ({ update() {}, stop() {} });

/** Lets the progress-bar module plug in without the commands depending on it. */
export function setProgressFactory(f: ProgressFactory): void {
  progressFactory = f;
}

export function reportError(e: unknown): number {
  // A trace read from standard input is read from a temporary copy: messages name it "stdin".
  if (e instanceof InputError) {
    process.stderr.write(`${withStdinNamed(e.message)}\n`);
    return EXIT_BAD_INPUT;
  }
  if (e instanceof UsageError) {
    process.stderr.write(`rfs-replay: ${withStdinNamed(e.message)}\n`);
    return EXIT_BAD_INPUT;
  }
  if (e instanceof InterruptedError || (e instanceof Error && e.name === 'AbortError')) {
    process.stderr.write('rfs-replay: interrupted\n');
    return EXIT_INTERRUPTED;
  }
  // Table sizes the kernel accepts (2^29 global, 2^30 per queue) can exceed this machine's memory:
  // a limit of the machine, not a bug, so one line and status 2 like any input the tool cannot take.
  if (e instanceof RangeError && /Array buffer allocation failed|Invalid typed array length|Invalid array length/.test(e.message)) {
    process.stderr.write(`rfs-replay: ${optMsg.outOfMemory(e.message)}\n`);
    return EXIT_BAD_INPUT;
  }
  const err = e as NodeJS.ErrnoException;
  if (err && (err.code === 'ENOSPC' || err.code === 'EACCES' || err.code === 'EROFS' || err.code === 'ENOENT' || err.code === 'EISDIR')) {
    process.stderr.write(`rfs-replay: cannot write output: ${err.message}\n`);
    return EXIT_BAD_INPUT;
  }
  process.stderr.write(`rfs-replay: internal error (please report): ${err?.message ?? String(e)}\n`);
  if (process.env.RFS_REPLAY_DEBUG) process.stderr.write(`${err?.stack}\n`);
  return 70;
}

export async function runContext(body: (ctx: RunContext) => Promise<number | undefined>): Promise<void> {
  const controller = new AbortController();
  const onSigint = () => controller.abort(new InterruptedError());
  process.on('SIGINT', onSigint);
  process.on('SIGTERM', onSigint);
  let code = 0;
  try {
    code = (await body({ signal: controller.signal, command: ['rfs-replay', ...process.argv.slice(2)], progress: progressFactory })) ?? 0;
    // A signal seen only after the work finished (outputs, if any, are complete) still means "interrupted".
    if (controller.signal.aborted) code = reportError(new InterruptedError());
  } catch (e) {
    removePendingTemporaries();
    code = reportError(controller.signal.aborted ? new InterruptedError() : e);
  } finally {
    process.off('SIGINT', onSigint);
    process.off('SIGTERM', onSigint);
  }
  process.exitCode = code;
}
