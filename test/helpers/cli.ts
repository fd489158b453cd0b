/** The built CLI run as a user runs it: a real process, its exit status and what it printed. */
import { spawnSync } from 'node:child_process';

export const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;
export const ROOT = new URL('../../', import.meta.url).pathname;
export const DEFAULT_TRACE = `${ROOT}traces/default.csv.gz`;

export interface CliRun {
  code: number | null;
  out: string;
  err: string;
}

export function runCli(args: string[], opts: { input?: string | Buffer; cwd?: string; env?: Record<string, string> } = {}): CliRun {
  const r = spawnSync(process.execPath, [CLI, ...args], {
    cwd: opts.cwd ?? ROOT,
    input: opts.input,
    encoding: 'utf8',
    maxBuffer: 64 << 20,
    env: { ...process.env, COLUMNS: '', ...opts.env },
  });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

/** The summary table's row that starts with `label`, split into its cells. */
export function tableRow(out: string, label: string): string[] | undefined {
  return out
    .split('\n')
    .find((l) => l.startsWith(`${label} `) || l === label)
    ?.trim()
    .split(/\s{2,}/);
}
