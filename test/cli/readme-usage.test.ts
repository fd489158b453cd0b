/**
 * The README's usage section says what --help says, word for word where they
 * overlap: each command's synopsis line names the command as --help does and
 * the options --help lists; each command's bullet opens with the command's
 * --help description; each shared option's bullet quotes --help.
 */
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';

const ROOT = new URL('../../', import.meta.url).pathname;
const COMMANDS = ['replay', 'report', 'validate', 'capture', 'generate'] as const;

function help(command: string): string {
  const r = spawnSync(process.execPath, ['dist/cli.js', command, '--help'], { cwd: ROOT, encoding: 'utf8', env: { ...process.env, COLUMNS: '100' } });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout;
}

const squash = (s: string) => s.replace(/\s+/g, ' ').trim();

/** The section from "## Usage" to the next "## ". */
function usageSection(): string {
  const readme = readFileSync(`${ROOT}README.md`, 'utf8');
  const start = readme.indexOf('## Usage');
  return readme.slice(start, readme.indexOf('\n## ', start + 1));
}

/** The synopsis lines of a command in the section's first code block, continuation lines joined. */
function synopsis(section: string, command: string): string {
  const block = section.slice(section.indexOf('```sh') + 5, section.indexOf('```', section.indexOf('```sh') + 5));
  const lines = block.split('\n');
  const first = lines.findIndex((l) => l.startsWith(`rfs-replay ${command} `));
  expect(first, `README synopsis of ${command}`).toBeGreaterThanOrEqual(0);
  const own = [lines[first]];
  for (const l of lines.slice(first + 1)) {
    if (!/^\s/.test(l)) break;
    own.push(l);
  }
  return own.join(' ');
}

/** Option names as --help lists them (not --help and --version). */
function helpOptions(text: string): Set<string> {
  const names = [...text.matchAll(/^\s+(?:-\w, )?--([\w-]+)\s/gm)].map((m) => m[1]);
  return new Set(names.filter((n) => n !== 'help' && n !== 'version'));
}

/** Option names in a synopsis: --no-progress is --progress, -o is --output. */
function synopsisOptions(line: string): Set<string> {
  const names = [...line.matchAll(/\[(?:--([\w-]+)|-o)\b/g), ...line.matchAll(/\| --([\w-]+)/g), ...line.matchAll(/ -o /g)].map((m) => m[1] ?? 'output');
  return new Set(names.map((n) => n.replace(/^no-/, '')));
}

/** The command's description: the lines after its usage line, up to the first blank one. */
function helpDescription(text: string): string {
  const lines = text.split('\n');
  const end = lines.indexOf('', 2);
  return squash(lines.slice(2, end).join(' '));
}

describe('README usage section and --help', () => {
  const section = usageSection();
  const helps = Object.fromEntries(COMMANDS.map((c) => [c, help(c)]));

  it.each(COMMANDS)('%s: the synopsis names the command as --help does, and the options it lists', (command) => {
    const line = synopsis(section, command);
    const usage = helps[command].split('\n')[0];
    expect(line.startsWith(usage), `README: ${line}\n--help: ${usage}`).toBe(true);
    const inReadme = synopsisOptions(line);
    const inHelp = helpOptions(helps[command]);
    for (const name of inReadme) expect(inHelp, `README lists --${name} for ${command}`).toContain(name);
    // generate has one flag per workload setting: the README names a few and "[workload flags]".
    if (command !== 'generate')
      expect(
        [...inHelp].filter((n) => !inReadme.has(n)),
        `${command} options missing from the README`,
      ).toEqual([]);
  });

  it.each(COMMANDS)("%s: the README's bullet opens with the --help description", (command) => {
    const bullet = section.split('\n').find((l) => l.startsWith(`- **${command}**: `));
    expect(bullet, `README bullet for ${command}`).toBeDefined();
    expect(squash(bullet!.slice(`- **${command}**: `.length)).replace(/\.$/, '')).toBe(helpDescription(helps[command]));
  });

  it('each shared option the README describes is described as in replay --help', () => {
    const bullets = section.split('\n').filter((l) => /^- `(?:--[\w-]+|<trace>)`: /.test(l));
    expect(bullets.length).toBeGreaterThanOrEqual(6);
    const replay = squash(helps.replay);
    for (const b of bullets) {
      const text = squash(b.slice(b.indexOf(': ') + 2));
      expect(replay, b).toContain(text);
    }
  });
});
