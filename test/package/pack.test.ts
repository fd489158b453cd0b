/**
 * The package as users install it: `npm pack`, the tarball installed into an
 * empty folder, and its `rfs-replay` bin run from there. Nothing may come
 * from the source tree: every file the CLI opens inside its own package
 * (modules, WebAssembly, worker scripts, the default trace, scenarios) must
 * be in the packed file list, and the installed copy must run `report`,
 * `replay` on stdin-free paths, and `generate --scenario`.
 *
 * The file check runs the built CLI under a preload (test/package/
 * record-opens.mjs) that logs every file the process opens or imports; the
 * paths under the repository must all be packed.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, relative, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const ROOT = resolve(import.meta.dirname, '../..');
const PRELOAD = join(ROOT, 'test/package/record-opens.mjs');
let work = '';
let tarball = '';
let packed: Set<string>;

beforeAll(() => {
  work = mkdtempSync(join(tmpdir(), 'rfs-pack-'));
  const out = execFileSync('npm', ['pack', '--json', '--pack-destination', work], { cwd: ROOT, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  const info = JSON.parse(out.slice(out.indexOf('['))) as { filename: string; files: { path: string }[] }[];
  tarball = join(work, info[0].filename);
  packed = new Set(info[0].files.map((f) => f.path));
}, 120_000);

afterAll(() => {
  if (work) rmSync(work, { recursive: true, force: true });
});

/** Files under the repository that `node dist/cli.js ARGS` opens or imports, relative to it. */
function opensOf(args: string[], cwd: string): string[] {
  const log = join(work, `opens-${args[0]}.log`);
  const r = spawnSync('node', ['--import', PRELOAD, join(ROOT, 'dist/cli.js'), ...args], {
    cwd,
    encoding: 'utf8',
    env: { ...process.env, RFS_RECORD_OPENS: log },
  });
  expect(r.status, r.stderr).toBe(0);
  const paths = readFileSync(log, 'utf8').split('\n').filter(Boolean);
  return [...new Set(paths.map((p) => relative(ROOT, p)).filter((p) => !p.startsWith('..') && !p.startsWith('node_modules/')))].sort();
}

describe('the packed package', () => {
  it('holds every file of its own that the CLI opens at run time', () => {
    const cwd = mkdtempSync(join(work, 'cwd-'));
    const opened = [
      ...opensOf(['report', join(ROOT, 'traces/default.csv.gz'), '-o', join(cwd, 'r.html'), '--no-progress'], cwd),
      ...opensOf(['generate', '--scenario', 'web-short', '-o', join(cwd, 'g.csv')], cwd),
      ...opensOf(['replay', join(ROOT, 'traces/scenarios/bench.csv.gz'), '--entries', '64,128,256,512', '--no-progress'], cwd),
      ...opensOf(['replay', join(ROOT, 'traces/scenarios/many-queues.csv.gz'), '--no-progress'], cwd),
    ];
    // The run really read its modules, the WebAssembly and worker files through the recorder.
    for (const f of ['dist/cli.js', 'dist/model/lanes.wasm', 'dist/ingest/v1-rows.wasm', 'package.json', 'traces/scenarios/web-short.json']) {
      expect(opened, f).toContain(f);
    }
    const missing = [...new Set(opened)].filter((f) => !packed.has(f));
    expect(missing).toEqual([]);
  }, 180_000);

  it('installs into an empty folder and runs report, replay and generate from there', () => {
    const app = join(work, 'app');
    mkdirSync(app);
    execFileSync('npm', ['init', '-y'], { cwd: app, stdio: 'ignore' });
    const install = spawnSync('npm', ['install', '--no-audit', '--no-fund', '--prefer-offline', tarball], { cwd: app, encoding: 'utf8' });
    expect(install.status, install.stderr).toBe(0);
    const installed = join(app, 'node_modules/rfs-replay');
    expect(existsSync(join(installed, 'src')), 'no source tree in the package').toBe(false);
    const run = (args: string[]) => spawnSync('npx', ['--no-install', 'rfs-replay', ...args], { cwd: app, encoding: 'utf8' });

    const report = run(['report', join(installed, 'traces/default.csv.gz'), '-o', 'out/default.html', '--no-progress']);
    expect(report.status, report.stderr).toBe(0);
    const html = readFileSync(join(app, 'out/default.html'), 'utf8');
    expect(html).toContain('vega');
    expect(JSON.parse(readFileSync(join(app, 'out/default.json'), 'utf8')).result.configs.length).toBeGreaterThan(10);

    const generate = run(['generate', '--scenario', 'web-short', '-o', 'web-short.csv']);
    expect(generate.status, generate.stderr).toBe(0);
    const replay = run(['replay', 'web-short.csv', '--entries', '64,128,256,512', '--json', 'r.json', '--no-progress']);
    expect(replay.status, replay.stderr).toBe(0);
    expect(JSON.parse(readFileSync(join(app, 'r.json'), 'utf8')).configs).toHaveLength(4);
  }, 240_000);
});
