/**
 * The memory of v1-rows.wasm, in bytes: the one definition both sides
 * compile. AssemblyScript (v1-rows.ts, which inlines each as a constant and
 * exports them) and TypeScript (../simd.ts) import this file, so it holds
 * only `export const NAME = <integer expression>;` lines. A test compares
 * the compiled module's exports with these values.
 *
 * The control block and tables at CTL, the output columns at OUT (OUT_ROWS
 * rows each), and the input at IN with PAD bytes of slack before and after
 * (16-byte loads reach before a field's end, and a row's delimiters are
 * looked for in the 64 or 128 bytes from its start).
 */

export const CTL = 1024;
/** i32: nr_cpu_ids. */
export const C_NR_CPU = CTL;
/** i32: input bytes at IN. */
export const C_IN_LEN = CTL + 4;
/** i32: input offset where rows() stopped. */
export const C_STOP = CTL + 12;
/** i32 × 8: a long row's delimiters (longRow()). */
export const D_LONG = CTL + 16;
/** u64 × 8: event names as words, laid out by init(). */
export const E_WORD = CTL + 64;
/** u8 × 8: their event kinds. */
export const E_KIND = CTL + 128;
/** u8 × 8: their lengths (0: unused slot). */
export const E_LEN = CTL + 136;
/** Queue hash table: Q_SLOTS × i32 (queue index + 1, 0 empty). */
export const Q_TABLE = CTL + 256;
export const Q_SLOTS = 1024;
/** Longest queue name the table holds: one v128, as the names are compared (zero-padded to it). */
export const Q_NAME_BYTES = 16;
/** Queue names the table takes: half its slots. */
export const MAX_QUEUES = Q_SLOTS / 2;
export const Q_NAMES = Q_TABLE + Q_SLOTS * 4;
/** i32 each. */
export const Q_LENS = Q_NAMES + Q_SLOTS * Q_NAME_BYTES;

export const OUT = Q_LENS + Q_SLOTS * 4;
/** Rows one call of rows() reads at most. */
export const OUT_ROWS = 4096;
/** f64. */
export const O_TS = OUT;
/** f64. */
export const O_LINE = O_TS + OUT_ROWS * 8;
/** i32 (-1: empty). */
export const O_CPU = O_LINE + OUT_ROWS * 8;
/** i32 (-1: empty, -2: in O_SOCK_HI/LO). */
export const O_SOCKET = O_CPU + OUT_ROWS * 4;
/** u32. */
export const O_SOCK_HI = O_SOCKET + OUT_ROWS * 4;
/** u32. */
export const O_SOCK_LO = O_SOCK_HI + OUT_ROWS * 4;
/** u32. */
export const O_RXHASH = O_SOCK_LO + OUT_ROWS * 4;
/** i32. */
export const O_QUEUE = O_RXHASH + OUT_ROWS * 4;
/** i32 (-1: empty, -2: in O_SKB_HI/LO). */
export const O_SKB = O_QUEUE + OUT_ROWS * 4;
/** u32. */
export const O_SKB_HI = O_SKB + OUT_ROWS * 4;
/** u32. */
export const O_SKB_LO = O_SKB_HI + OUT_ROWS * 4;
/** u8. */
export const O_EVENT = O_SKB_LO + OUT_ROWS * 4;
/** u8. */
export const O_STATE = O_EVENT + OUT_ROWS;

export const PAD = 128;
export const IN = ((O_STATE + OUT_ROWS + 63) & ~63) + PAD;
