/**
 * Errors a user can act on. Anything thrown that is not one of these is a bug
 * in rfs-replay; the CLI still reports it in one line, but says so.
 */

/** Bad input at a position: printed as `file:line:column: message`, exit status 2. */
export class InputError extends Error {
  constructor(
    readonly file: string,
    readonly line: number,
    readonly column: number,
    readonly detail: string,
    /** Stable reason key, used to count skipped rows in lenient mode. */
    readonly reason: string = 'invalid',
  ) {
    super(`${file}:${line}:${column}: ${detail}`);
    this.name = 'InputError';
  }
}

/** Bad input with no row position (gzip byte offset, unreadable file, option values). */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** The user interrupted the run (SIGINT): exit 130 after cleaning up. */
export class InterruptedError extends Error {
  constructor() {
    super('interrupted');
    this.name = 'InterruptedError';
  }
}

export const EXIT_OK = 0;
export const EXIT_THRESHOLD = 1;
export const EXIT_BAD_INPUT = 2;
export const EXIT_INTERRUPTED = 130;
