/**
 * A full garbage collection before each replay of a report but its first. Each replay
 * leaves its lanes' WebAssembly memories behind (tens of megabytes each, in
 * the main thread), and the collector frees them only when it gets to them:
 * often after the next replay has placed its own, so two replays' worth was
 * resident at once. Measured on the bench's 10M-row trace, the default
 * report peaked at 303-304 MiB without this and 260-263 MiB with it
 * (bench/README.md, "Memory").
 *
 * Node exposes gc() only under --expose-gc, which worker threads refuse in
 * their execArgv, so the flag is set on the running VM and gc() taken from a
 * fresh context, once.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

let gc: (() => void) | null = null;

export function collectGarbage(): void {
  if (gc === null) {
    setFlagsFromString('--expose-gc');
    gc = runInNewContext('gc') as () => void;
  }
  gc();
}
