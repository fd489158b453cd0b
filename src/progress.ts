/**
 * Progress bar on stderr for long replays, shared by `report` and `replay`.
 *
 * The bar is shown only when asked for AND stderr is a terminal: redirected
 * stderr (CI logs, `2>file`) must not fill up with carriage-return frames.
 * Updates are throttled here, not just inside cli-progress, because the
 * engine may call `update` once per read chunk; the hot path then costs one
 * clock read and a comparison.
 */
import cliProgress from 'cli-progress';

export interface Progress {
  update(bytesRead: number, totalBytes: number): void;
  /** A line saying what happens after the reading (the bar is gone): cleared by stop(). */
  note?(text: string): void;
  stop(): void;
}

/** Minimum time between two redraws. */
const REDRAW_INTERVAL_MS = 100;

const QUIET: Progress = { update() {}, stop() {} };

export interface ProgressStreamOptions {
  /** Where to draw (default process.stderr). Tests pass a fake TTY stream. */
  stream?: NodeJS.WriteStream;
  /** Clock in ms (default performance.now); tests pass a fake one. */
  now?: () => number;
}

export function createProgress(enabled: boolean, opts: ProgressStreamOptions = {}): Progress {
  const stream = opts.stream ?? process.stderr;
  if (!enabled || !stream.isTTY) return QUIET;
  const now = opts.now ?? (() => performance.now());

  let bar: cliProgress.SingleBar | null = null;
  let lastDraw = -Infinity;
  let stopped = false;
  let noted = false;

  return {
    note(text: string): void {
      if (stopped) return;
      bar?.stop();
      bar = null;
      // One line, cut to the terminal's width so that clearing it clears all of it.
      stream.write(`\r${text.slice(0, Math.max(1, (stream.columns || 80) - 1))}\x1b[K`);
      noted = true;
    },
    update(bytesRead: number, totalBytes: number): void {
      if (stopped) return;
      const t = now();
      // Always draw the final frame so the bar ends at 100%.
      if (t - lastDraw < REDRAW_INTERVAL_MS && bytesRead < totalBytes) return;
      lastDraw = t;
      const total = Math.max(totalBytes, 1);
      const value = Math.min(bytesRead, total);
      if (bar === null) {
        bar = new cliProgress.SingleBar(
          {
            stream,
            // cli-progress decides on its own whether the stream is a TTY; we already did.
            noTTYOutput: false,
            hideCursor: true,
            clearOnComplete: true,
            // We draw on our own throttle (below). cli-progress's timer only
            // refreshes the ETA, once a second; its synchronous redraw would
            // depend on the wall clock rather than ours.
            synchronousUpdate: false,
            fps: 1,
            // Ctrl-C is handled by the command (it aborts the replay and stops the bar).
            gracefulExit: false,
            barsize: 30,
            format: 'replaying [{bar}] {percentage}% | {mb}/{totalmb} MB | ETA {eta_formatted}',
          },
          cliProgress.Presets.shades_classic,
        );
        bar.start(total, value, { mb: toMb(value), totalmb: toMb(total) });
      } else {
        bar.setTotal(total);
        bar.update(value, { mb: toMb(value), totalmb: toMb(total) });
        bar.render();
      }
    },
    stop(): void {
      if (stopped) return;
      stopped = true;
      bar?.stop();
      if (noted) stream.write('\r\x1b[K');
    },
  };
}

function toMb(bytes: number): string {
  return (bytes / 1e6).toFixed(1);
}
