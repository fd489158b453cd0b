/**
 * One layout for both sides: src/model/lane-layout.ts is compiled into the
 * WebAssembly lanes (dist/model/lanes.wasm exports each of its constants as a
 * global) and imported by the TypeScript side. These tests fail on a stale
 * build, on a constant written by hand a second time, and on an index that
 * no longer matches the name the rest of the tool gives it.
 */
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import * as traceCodes from '../../src/ingest/trace-codes.js';
import * as layout from '../../src/model/lane-layout.js';
import { layoutMismatches } from '../../src/model/lane-names.js';
import { WasmLanes } from '../../src/model/wasm-lanes.js';

const MODEL = new URL('../../src/model/', import.meta.url).pathname;
const names = Object.keys(layout);

/** The globals dist/model/lanes.wasm exports, by name. */
function wasmGlobals(): Map<string, number> {
  const exports = new WasmLanes(0).exports as unknown as Record<string, unknown>;
  const globals = new Map<string, number>();
  for (const [name, value] of Object.entries(exports)) {
    if (typeof value === 'object' && value !== null && 'value' in value) globals.set(name, (value as { value: number }).value);
  }
  return globals;
}

describe('lane-layout.ts and the compiled lanes', () => {
  it('the layout is integer constants only (what AssemblyScript folds as i32)', () => {
    expect(names.length).toBeGreaterThan(150);
    for (const name of names) expect(Number.isInteger(layout[name as keyof typeof layout]) && /^[A-Z][A-Z0-9_]*$/.test(name), name).toBe(true);
    const text = readFileSync(join(MODEL, 'lane-layout.ts'), 'utf8');
    const code = text
      .replace(/\/\*[\s\S]*?\*\//g, '')
      .replace(/\/\/.*$/gm, '')
      .split('\n')
      .filter((l) => l.trim() !== '');
    for (const line of code) expect(line).toMatch(/^export const [A-Z][A-Z0-9_]* = [-A-Z0-9_a-fx+*()<> ]+;$/);
  });

  it('dist/model/lanes.wasm was built from this layout: every constant, with the same value, and no other', () => {
    // The lanes also export the trace codes they share with the readers (ingest/trace-codes.ts).
    const shared: Record<string, number> = { ...layout, ...traceCodes };
    const globals = wasmGlobals();
    expect([...globals.keys()].sort()).toEqual(Object.keys(shared).sort());
    for (const [name, value] of Object.entries(shared)) expect(globals.get(name), name).toBe(value);
  });

  it('no file of src/model writes a layout constant again', () => {
    const files = ['wasm/lanes.ts', ...readdirSync(MODEL).filter((f) => f.endsWith('.ts') && f !== 'lane-layout.ts')];
    const declared = new RegExp(`\\b(?:const|let|var)\\s+(${names.join('|')})\\s*[:=]`, 'g');
    const copies = files.flatMap((f) => [...readFileSync(join(MODEL, f), 'utf8').matchAll(declared)].map((m) => `${f}: ${m[1]}`));
    expect(copies).toEqual([]);
    expect(readFileSync(join(MODEL, 'wasm/lanes.ts'), 'utf8')).toMatch(/^} from '\.\.\/lane-layout';$/m);
  });
});

describe("the layout's indices and the tool's names", () => {
  it('agree', () => {
    expect(layoutMismatches()).toEqual([]);
  });

  it('a counter, event, TCP state, timeline field or path out of step is caught', () => {
    const wrong = (change: Record<string, number>) => layoutMismatches({ ...layout, ...traceCodes, ...change });
    expect(wrong({ HITS_OWN: layout.HITS_ALIASED, HITS_ALIASED: layout.HITS_OWN })).toHaveLength(2);
    expect(wrong({ COUNTERS: layout.COUNTERS - 1 })).toEqual(['COUNTERS is 30, not 31']);
    expect(wrong({ EV_STATE: traceCodes.EV_PACKET })).toContain('EV_STATE is 5, not 4 (state)');
    expect(wrong({ TCP_CLOSE: traceCodes.TCP_CLOSING })).toEqual(['TCP_CLOSE is 11, which names "CLOSING"']);
    expect(wrong({ TL_AGREE: 6 })).toContain('TL_AGREE is 6, not 7 (agree)');
    expect(wrong({ PATH_RPS_NO_HINT: 2 })).toContain('PATH_RPS_NO_HINT is 2, not 1 (rps_no_hint)');
    expect(wrong({ CTL_VBY_SIZE: layout.CTL_WORDS })).toEqual(['CTL_VBY_SIZE (128) is outside the control block']);
  });
});
