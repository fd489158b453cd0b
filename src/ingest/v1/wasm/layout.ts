/**
 * The memory of v1-rows.wasm, in bytes: the one definition both sides
 * compile. AssemblyScript (v1-rows.ts, which inlines each as a constant and
 * exports them) and TypeScript (../simd.ts) import this file, so it holds
 * only `export const NAME = <integer expression>;` lines. A test compares
 * the compiled module's exports with these values.
 *
 * The control block, the column plan and the event table at CTL, a key for
 * JavaScript's interning at KEY, the output columns at OUT (OUT_ROWS rows
 * each), the input at IN (at most IN_CAP bytes) with PAD bytes of slack
 * before and after (16-byte loads reach before a field's end, and a row's
 * line end is looked for 64 bytes at a time), then the heap, which grows:
 * the id tables and the bytes of their longer keys.
 */

export const CTL = 1024;
/** i32: nr_cpu_ids. */
export const C_NR_CPU = CTL;
/** i32: input bytes at IN. */
export const C_IN_LEN = CTL + 4;
/** i32: input offset where rows() stopped. */
export const C_STOP = CTL + 8;
/** i32: the header row's columns (a row has as many fields, or more that are empty). */
export const C_FIELDS = CTL + 12;
/** i32: the heap's next free byte. */
export const C_HEAP = CTL + 16;
/** i32: the next free byte of the key bytes chunk, and its end. */
export const C_KEYS = CTL + 20;
export const C_KEYS_END = CTL + 24;
/** i32: 1 when the header row is ts,event,cpu,socket,state,rxhash,queue,skb. */
export const C_CANONICAL = CTL + 28;
/** i32: 1 when the header row has columns the model does not read. */
export const C_IGNORED = CTL + 64;

/** i32 × ROLES: the column of each field the model reads (ROLE_TS ... ROLE_SKB); ABSENT when the header has none. */
export const C_ROLE = CTL + 32;
export const ROLES = 8;
export const ROLE_TS = 0;
export const ROLE_EVENT = 1;
export const ROLE_CPU = 2;
export const ROLE_SOCKET = 3;
export const ROLE_STATE = 4;
export const ROLE_RXHASH = 5;
export const ROLE_QUEUE = 6;
export const ROLE_SKB = 7;

/**
 * Id tables, TABLE_BYTES each: [entries, mask, count, unused] (i32). Entries of
 * ENTRY_BYTES: the key's first 16 bytes (zero-padded), its length, its hash,
 * its id + 1 (0: empty), and the address of the rest of a longer key.
 */
export const C_TABLES = CTL + 80;
export const TABLE_BYTES = 16;
export const T_SOCKETS = 0;
export const T_SKBS = 1;
export const T_STATES = 2;
export const TABLES = 3;
export const ENTRY_BYTES = 32;
/** Entries a table starts with (a power of two). */
export const TABLE_START = 1 << 12;
/** Longest key a table holds: an id longer than this leaves its row to the JavaScript paths, which number it apart. */
export const MAX_KEY = 1024;

/**
 * Queue names, in a table of their own: Q_SLOTS × i32 (queue index + 1, 0
 * empty), sparse, so a row's lookup mostly touches one word of it and one
 * name. Each slot's name: its first 16 bytes (zero-padded), length, and the
 * address of the rest of a longer name.
 */
export const Q_TABLE = C_TABLES + TABLES * TABLE_BYTES;
export const Q_SLOTS = 1024;
/** Queue names the table takes: half its slots. */
export const MAX_QUEUES = Q_SLOTS / 2;
export const Q_NAMES = Q_TABLE + Q_SLOTS * 4;
/** i32 each. */
export const Q_LENS = Q_NAMES + Q_SLOTS * 16;
/** i32 each. */
export const Q_REST = Q_LENS + Q_SLOTS * 4;

/**
 * i32 × (MAX_FIELDS + 2): a row's field bounds. Word 0 is the byte before the
 * row, word k + 1 the comma after field k, the last the line's end: field k is
 * [word k + 1, word k + 1). Words ABSENT, ABSENT + 1 make an empty field for a
 * column the header does not have.
 */
export const D_ROW = Q_REST + Q_SLOTS * 4;
export const MAX_FIELDS = 60;
export const ABSENT = MAX_FIELDS + 2;

/** u64 × 8: event names as words, laid out by init(). */
export const E_WORD = D_ROW + (ABSENT + 2) * 4;
/** u8 × 8: their event kinds. */
export const E_KIND = E_WORD + 64;
/** u8 × 8: their lengths (0: unused slot). */
export const E_LEN = E_KIND + 8;
/** 32 bytes: a state name upper-cased. */
export const STATE_NAME = E_LEN + 8 + 16;

/** MAX_KEY bytes (and 16 of slack): a key JavaScript interns (an identity its own paths read). */
export const KEY = STATE_NAME + 64;

export const OUT = KEY + MAX_KEY + 64;
/** Rows one call of rows() reads at most. */
export const OUT_ROWS = 4096;
/** f64. */
export const O_TS = OUT;
/** f64. */
export const O_LINE = O_TS + OUT_ROWS * 8;
/** i32 (-1: empty). */
export const O_CPU = O_LINE + OUT_ROWS * 8;
/** i32 (-1: empty, -2: hex in O_SOCK_HI/LO, else the id of its text). */
export const O_SOCKET = O_CPU + OUT_ROWS * 4;
/** u32. */
export const O_SOCK_HI = O_SOCKET + OUT_ROWS * 4;
/** u32. */
export const O_SOCK_LO = O_SOCK_HI + OUT_ROWS * 4;
/** u32. */
export const O_RXHASH = O_SOCK_LO + OUT_ROWS * 4;
/** i32. */
export const O_QUEUE = O_RXHASH + OUT_ROWS * 4;
/** i32 (-1: empty, -2: hex in O_SKB_HI/LO, else the id of its text). */
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
/** Input bytes one load() copies in at most (whole lines; a line is at most 1 MiB). */
export const IN_CAP = 4 << 20;
/** A row longer than this is left to the JavaScript paths. */
export const MAX_ROW = 4096;
/** The heap: the id tables and their keys' bytes. */
export const HEAP = IN + IN_CAP + PAD;
