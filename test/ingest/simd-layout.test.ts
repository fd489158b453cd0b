/**
 * The SIMD reader's memory layout has one source, src/ingest/v1/wasm/layout.ts,
 * compiled by asc into dist/ingest/v1-rows.wasm and by tsc into the
 * TypeScript driver (simd.ts). The compiled module exports every constant as
 * asc computed it; they must equal the TypeScript view, and the trace values
 * it writes must equal trace.ts's. (A module built from another layout, or an
 * expression the two compilers evaluate differently, fails here.)
 */
import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { MAX_TS } from '../../src/ingest/fields.js';
import { DEFERRED_ID, EventKind, NONE } from '../../src/ingest/trace.js';
import { layoutMismatches, WASM_URL } from '../../src/ingest/v1/simd.js';
import * as layout from '../../src/ingest/v1/wasm/layout.js';

function instance(): Record<string, unknown> {
  const module = new WebAssembly.Module(readFileSync(WASM_URL));
  return new WebAssembly.Instance(module, { env: { memory: new WebAssembly.Memory({ initial: 1 }) } }).exports as Record<string, unknown>;
}

const value = (exports: Record<string, unknown>, name: string) => (exports[name] as { value: unknown } | undefined)?.value;

describe('v1-rows.wasm layout = layout.ts as TypeScript reads it', () => {
  const exports = instance();

  it('exports every layout constant with the value TypeScript computes', () => {
    const names = Object.keys(layout);
    expect(names.length).toBeGreaterThan(30);
    for (const name of names) expect(value(exports, name), name).toBe(layout[name as keyof typeof layout]);
    expect(layoutMismatches(exports)).toEqual([]);
  });

  it('the check the driver makes would catch a module built from another layout', () => {
    const other = { ...exports, IN: { value: layout.IN + 64 } };
    expect(layoutMismatches(other)).toEqual(['IN']);
    const { O_STATE: _, ...missing } = exports;
    expect(layoutMismatches(missing)).toEqual(['O_STATE']);
  });

  it('the regions do not overlap and the input is 64-byte aligned after its slack', () => {
    const { CTL, C_ROLE, ROLES, C_IGNORED, C_TABLES, TABLES, TABLE_BYTES, Q_TABLE, Q_SLOTS, Q_NAMES, Q_LENS, Q_REST } = layout;
    const { D_ROW, ABSENT, E_WORD, E_KIND, E_LEN, STATE_NAME, KEY, MAX_KEY } = layout;
    const { OUT, OUT_ROWS, O_STATE, PAD, IN, IN_CAP, HEAP } = layout;
    const regions: [number, number][] = [
      [CTL, CTL + 32], // control words
      [C_ROLE, C_ROLE + ROLES * 4],
      [C_IGNORED, C_IGNORED + 4],
      [C_TABLES, C_TABLES + TABLES * TABLE_BYTES],
      [Q_TABLE, Q_TABLE + Q_SLOTS * 4],
      [Q_NAMES, Q_NAMES + Q_SLOTS * 16],
      [Q_LENS, Q_LENS + Q_SLOTS * 4],
      [Q_REST, Q_REST + Q_SLOTS * 4],
      [D_ROW, D_ROW + (ABSENT + 2) * 4],
      [E_WORD, E_WORD + 64],
      [E_KIND, E_KIND + 8],
      [E_LEN, E_LEN + 8],
      [STATE_NAME, STATE_NAME + 32],
      [KEY, KEY + MAX_KEY + 16],
      [OUT, O_STATE + OUT_ROWS],
      [IN - PAD, IN + IN_CAP + PAD],
      [HEAP, HEAP + 1],
    ];
    for (let i = 1; i < regions.length; i++) expect(regions[i][0], `region ${i}`).toBeGreaterThanOrEqual(regions[i - 1][1]);
    expect((IN - PAD) % 64).toBe(0);
    // A table's entry is 32 bytes: the key's first 16, its length, hash, id + 1 and the rest's address.
    expect(layout.ENTRY_BYTES).toBe(32);
  });

  it('writes the trace values trace.ts defines', () => {
    expect(value(exports, 'NONE')).toBe(NONE);
    expect(value(exports, 'DEFERRED_ID')).toBe(DEFERRED_ID);
    expect(value(exports, 'EV_STATE')).toBe(EventKind.State);
    expect(value(exports, 'MAX_TS')).toBe(BigInt(MAX_TS));
  });
});
