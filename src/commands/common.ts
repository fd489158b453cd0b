/**
 * Option parsing shared by the commands: lists like `--entries 256,1024`,
 * kernel releases, CPU-count what-ifs, numbers as the user typed them, `-`
 * for standard input and output, and the cross product of what-if dimensions.
 */
import type { Argv } from 'yargs';
import { UsageError } from '../errors.js';
import { STDIN_PATH, spoolStdin } from '../ingest/source.js';
import { cliMsg, optMsg } from '../messages.js';
import type { ConfigRequest } from '../types/config-request.js';
import { kernelProfileOfRelease } from '../types/own-config.js';
import type { KernelProfileName } from '../types/result.js';

/** "256,1024" (or repeated flags) → [256, 1024]; undefined when absent. */
export function intList(opt: string, value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  return parts.map((p) => {
    const t = p.trim();
    if (!/^[0-9]+$/.test(t)) throw new UsageError(optMsg.badList(opt, String(value)));
    return Number(t);
  });
}

/** A --kernel value as written, and the profile that models it. */
export interface KernelChoice {
  asked: string;
  profile: KernelProfileName;
}

/**
 * --kernel: kernel releases ("6.18", "5.10.0-23-amd64", "7.1") or profile
 * names (each profile's name is a release it models), each mapped to its
 * profile by the release ranges of the profiles; undefined when absent.
 */
export function kernelList(value: unknown): KernelChoice[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  return parts.map((p) => {
    const asked = p.trim();
    const profile = kernelProfileOfRelease(asked);
    if (profile === null) throw new UsageError(optMsg.unknownKernel(asked));
    return { asked, profile };
  });
}

/** The profiles of the choices, each once, in the order first asked for. */
export function kernelProfiles(choices: KernelChoice[] | undefined): KernelProfileName[] | undefined {
  return choices && [...new Set(choices.map((c) => c.profile))];
}

/** The choices written as a release rather than as the profile's own name: they are told which profile models them. */
export function renamedKernels(choices: KernelChoice[] | undefined): KernelChoice[] {
  return (choices ?? []).filter((c) => c.asked !== c.profile);
}

function cpuCount(text: string, whole: string): number {
  const n = /^[0-9]{1,5}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1 && n <= 65535)) throw new UsageError(whole === text ? optMsg.badCpus(text) : optMsg.cpusList(whole));
  return n;
}

/**
 * --cpus, the same in every command: nr_cpu_ids what-ifs, replayed next to
 * the trace's own nr_cpu_ids (which always stays). Ascending, each once;
 * undefined when absent. The first also stands in for a header without
 * nr_cpu_ids, as the trace's own.
 */
export function cpuWhatIfs(value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  const text = (Array.isArray(value) ? value : [value]).map(String).join(',');
  const parts = text.split(',').map((p) => p.trim());
  return [...new Set(parts.map((p) => cpuCount(p, parts.length === 1 ? p : text)))].sort((a, b) => a - b);
}

/** --fifo-ns: a positive whole number of nanoseconds, echoed as typed when it is not. */
export function fifoOption(value: unknown): number | undefined {
  if (value === undefined) return undefined;
  const text = String(value).trim();
  const n = /^[0-9]{1,15}$/.test(text) ? Number(text) : Number.NaN;
  if (!(n >= 1)) throw new UsageError(optMsg.badFifo(text));
  return n;
}

/** --json: a file, or "-" for standard output; an empty name is an error, not "no JSON". */
export function jsonOption(value: string | undefined): string | undefined {
  if (value === undefined) return undefined;
  if (value.trim() === '') throw new UsageError(optMsg.jsonNeedsPath());
  return value;
}

/** `--json -`: the JSON goes to standard output, so the text that would go there goes to standard error. */
export const JSON_TO_STDOUT = '-';

/**
 * A numeric option: parsed as a string so that a bad value is echoed as typed
 * ("abc", not NaN), yet listed as [number] in --help. yargs keeps the text
 * of an option it knows as a string, and labels it by its last type.
 */
export function numberOption<T>(y: Argv<T>, name: string, describe: string): Argv<T> {
  return y.option(name, { type: 'string', requiresArg: true, describe }).number(name) as unknown as Argv<T>;
}

/**
 * The command line with each lone "-" that is not the value of an output
 * option passed on as STDIN_PATH: yargs re-parses positionals as
 * `--trace -`, and drops a value that starts with "-". After --json and
 * -o/--output, "-" stays: it names standard output there.
 */
export function stdinArgs(args: string[]): string[] {
  return args.map((a, i) => (a === '-' && !['--json', '-o', '--output'].includes(args[i - 1] ?? '') ? STDIN_PATH : a));
}

/**
 * A trace argument as a file the replay can read as often as it needs:
 * standard input ("-") is copied to a temporary file first (spoolStdin).
 */
export async function traceFile(path: string, signal?: AbortSignal): Promise<string> {
  if (path !== STDIN_PATH) return path;
  if (process.stdin.isTTY) process.stderr.write(`${cliMsg.readingStdin()}\n`);
  return spoolStdin(signal);
}

/**
 * Columns to fit text to: the terminal's, else $COLUMNS when set, else null
 * (redirected output is not wrapped).
 */
export function terminalColumns(stream: NodeJS.WriteStream = process.stdout): number | null {
  if (stream.isTTY && stream.columns > 0) return stream.columns;
  const env = Number(process.env.COLUMNS);
  return Number.isInteger(env) && env > 0 ? env : null;
}

/** Width of --help: the terminal's, at most 110, and 100 off a terminal. */
export function helpWidth(): number {
  return Math.min(110, terminalColumns() ?? 100);
}

/**
 * An example in --help: what it does as a shell comment, then the whole
 * command on a line of its own (yargs would give the command half the width
 * and break it mid-command).
 */
export function example<T>(y: Argv<T>, command: string, what: string): Argv<T> {
  return y.example(`# ${what}\n${command}`, '');
}

/**
 * Every combination of the given dimensions; a missing dimension means "as in
 * the trace". CPU counts are what-ifs next to the trace's own nr_cpu_ids, which
 * is always replayed.
 */
export function crossProduct(d: { entries?: number[]; flowCnt?: number[]; cpus?: number[]; kernels?: KernelProfileName[]; rpsCpus?: string }): ConfigRequest[] {
  const out: ConfigRequest[] = [];
  for (const kernel of d.kernels ?? [undefined]) {
    for (const cpus of [undefined, ...(d.cpus ?? [])]) {
      for (const entries of d.entries ?? [undefined]) {
        for (const flowCnt of d.flowCnt ?? [undefined]) {
          const asConfigured = kernel === undefined && cpus === undefined && entries === undefined && flowCnt === undefined && d.rpsCpus === undefined;
          out.push({ kernel, cpus, entries, flowCnt, rpsCpus: d.rpsCpus, role: asConfigured ? 'configured' : 'what-if' });
        }
      }
    }
  }
  return out;
}
