/**
 * The layers of src/ import one way only. Each top-level folder may import
 * the folders listed for it here and nothing else; the top-level files
 * (errors.ts, messages.ts, version.ts, progress.ts) import no folder. Read
 * from the import statements of every source file, so a new dependency
 * against the grain fails here before it becomes a cycle.
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const SRC = resolve(import.meta.dirname, '../../src');

/** What each layer may import (besides itself and the top-level files). Order: the pipeline. */
const ALLOWED: Record<string, string[]> = {
  types: [],
  io: [],
  ingest: ['types'],
  model: ['ingest', 'types'],
  replay: ['model', 'ingest', 'types'],
  analyze: ['types'],
  report: ['analyze', 'replay', 'model', 'types', 'io'],
  generate: ['ingest', 'types'],
  capture: ['ingest', 'types', 'io'],
  commands: ['report', 'analyze', 'replay', 'model', 'ingest', 'generate', 'capture', 'types', 'io'],
  bench: ['.', 'commands', 'report', 'analyze', 'replay', 'model', 'ingest', 'generate', 'types', 'io'],
  '.': ['commands', 'report', 'analyze', 'replay', 'model', 'ingest', 'types', 'io'],
};
const TOP_LEVEL_FILES = new Set(['errors.ts', 'messages.ts', 'version.ts', 'progress.ts']);

function sourceFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    // wasm/ holds AssemblyScript, compiled apart; its imports are checked by asc.
    if (statSync(path).isDirectory()) return name === 'wasm' ? [] : sourceFiles(path);
    return path.endsWith('.ts') ? [path] : [];
  });
}

/** The layer of a file: its top-level folder under src/, or '.' for files directly in src/. */
function layerOf(path: string): string {
  const rel = relative(SRC, path);
  return rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : '.';
}

const edges: { from: string; to: string; file: string; spec: string }[] = [];
for (const file of sourceFiles(SRC)) {
  const text = readFileSync(file, 'utf8');
  for (const m of text.matchAll(/(?:from|import)\s*\(?\s*'(\.{1,2}\/[^']+)'/g)) {
    const target = resolve(dirname(file), m[1]);
    const rel = relative(SRC, target);
    if (rel.startsWith('..')) {
      edges.push({ from: layerOf(file), to: '(outside src)', file: relative(SRC, file), spec: m[1] });
      continue;
    }
    const to = rel.includes('/') ? rel.slice(0, rel.indexOf('/')) : TOP_LEVEL_FILES.has(rel.replace(/\.js$/, '.ts')) ? '(top-level file)' : '.';
    edges.push({ from: layerOf(file), to, file: relative(SRC, file), spec: m[1] });
  }
}

describe('layers import one way', () => {
  it('reads a real import graph (the check is not vacuous)', () => {
    expect(edges.length).toBeGreaterThan(200);
    expect(edges.some((e) => e.from === 'replay' && e.to === 'model')).toBe(true);
  });

  it('every folder imports only the layers allowed for it', () => {
    const wrong = edges
      .filter((e) => e.from !== e.to && e.to !== '(top-level file)')
      .filter((e) => !(ALLOWED[e.from] ?? []).includes(e.to))
      .map((e) => `${e.file} imports ${e.spec} (${e.from} -> ${e.to})`);
    expect(wrong).toEqual([]);
  });

  it('the top-level files import no folder', () => {
    const wrong = edges.filter((e) => e.from === '.' && TOP_LEVEL_FILES.has(e.file) && e.to !== '(top-level file)').map((e) => `${e.file} imports ${e.spec}`);
    expect(wrong).toEqual([]);
  });

  it('no cycle between top-level folders', () => {
    const graph = new Map<string, Set<string>>();
    for (const e of edges) if (e.from !== e.to) (graph.get(e.from) ?? graph.set(e.from, new Set()).get(e.from)!).add(e.to);
    const cycles: string[] = [];
    const visit = (node: string, path: string[]): void => {
      if (path.includes(node)) {
        cycles.push([...path.slice(path.indexOf(node)), node].join(' -> '));
        return;
      }
      for (const next of graph.get(node) ?? []) visit(next, [...path, node]);
    };
    for (const node of graph.keys()) visit(node, []);
    expect(cycles).toEqual([]);
  });
});
