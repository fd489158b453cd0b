/**
 * Every folder of src/ has a README for the next person who enters it, and
 * the README names every source file of the folder and its subfolders, so a
 * file added without a word fails here.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

const folders = readdirSync(SRC).filter((d) => statSync(join(SRC, d)).isDirectory());

/** Source files under `dir`, relative to it (the WebAssembly sources' config files aside). */
function sources(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      if (statSync(p).isDirectory()) walk(p);
      else if (name.endsWith('.ts') && !name.endsWith('.d.ts')) out.push(relative(dir, p));
    }
  };
  walk(dir);
  return out;
}

describe('folder READMEs', () => {
  it('src/ has the pipeline folders', () => {
    expect(folders).toEqual(expect.arrayContaining(['types', 'ingest', 'model', 'replay', 'analyze', 'report', 'commands']));
  });
  for (const folder of folders) {
    it(`src/${folder}/README.md names every source file of the folder`, () => {
      const readme = join(SRC, folder, 'README.md');
      expect(existsSync(readme), `src/${folder}/README.md`).toBe(true);
      const text = readFileSync(readme, 'utf8');
      const missing = sources(join(SRC, folder)).filter((f) => {
        const name = f.split('/').pop()!;
        // By its name or by its path from the folder.
        return !text.includes(name) && !text.includes(f);
      });
      expect(missing, `not named in src/${folder}/README.md`).toEqual([]);
    });
  }
});
