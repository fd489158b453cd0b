/**
 * The codes a trace batch stores, as integer constants only: compiled by tsc
 * for the readers (ingest/trace.ts names them) and by asc for the WebAssembly
 * lanes (model/wasm/lanes.ts), so each value is written once.
 */

/** Event kinds, as stored in TraceBatch.event (EVENT_NAMES order). */
export const EV_RECVMSG = 0;
export const EV_SENDMSG = 1;
export const EV_ACCEPT = 2;
export const EV_SPLICE = 3;
export const EV_STATE = 4;
export const EV_PACKET = 5;
export const EV_DELIVER = 6;
/** TCP states, as numbered in include/net/tcp_states.h (those the model tests). */
export const TCP_ESTABLISHED = 1;
export const TCP_SYN_SENT = 2;
export const TCP_SYN_RECV = 3;
export const TCP_FIN_WAIT1 = 4;
export const TCP_FIN_WAIT2 = 5;
export const TCP_CLOSE = 7;
export const TCP_CLOSING = 11;
/** An empty id or CPU cell. */
export const NONE = -1;
/**
 * A socket or skb cell whose identity is in the side columns as a 64-bit key,
 * not yet numbered: at or below DEFERRED_ID, DEFERRED_ID - cell is the key's
 * kind (ingest/id-keys.ts), so one value in two kinds is two identities.
 */
export const DEFERRED_ID = -2;
/** `0x` and 1 to 16 hex digits: the value. */
export const ID_HEX = 0;
/** Any other text of 1 to 8 bytes: its bytes, little-endian. */
export const ID_TEXT = 1;
/** 9 to 20 decimal digits, the first not 0: the value (below 2^64). */
export const ID_DECIMAL = 2;
/** 9 to 16 digits and a-f (one at least), no 0x, the first not 0: the value. */
export const ID_HEX_LOWER = 3;
/** The same with A-F. */
export const ID_HEX_UPPER = 4;
