/**
 * The Node options our worker threads start with: the process's, without
 * --input-type, which only applies to code given by --eval, --print or stdin
 * and makes a worker started from a file fail at once (a library user's
 * `node --input-type=module -e …` would get no worker).
 */
export function workerExecArgv(): string[] {
  return process.execArgv.filter((a, i, all) => !a.startsWith('--input-type') && all[i - 1] !== '--input-type');
}
