/**
 * The layout of a tracepoint's raw record, from tracefs
 * (events/SYSTEM/NAME/format): its id, which perf stores as the event's
 * config and as common_type at the start of every record, and each field's
 * offset and size. Read from the running kernel, so a field that moved
 * between kernel versions is still found.
 */
import { readFileSync } from 'node:fs';
import { UsageError } from '../errors.js';
import { captureMsg } from '../messages.js';

export interface TracepointField {
  offset: number;
  size: number;
  /** `__data_loc` (or `__rel_loc`) strings: the field holds the string's offset and length. */
  dynamic: 'data_loc' | 'rel_loc' | null;
}

export interface TracepointFormat {
  /** "net:netif_rx_entry". */
  name: string;
  id: number;
  fields: Map<string, TracepointField>;
}

/** Parses a tracefs format file (the text of events/SYSTEM/NAME/format). */
export function parseTracepointFormat(name: string, text: string): TracepointFormat {
  const id = /^ID:\s*(\d+)/m.exec(text);
  if (!id) throw new UsageError(captureMsg.badTracepointFormat(name, 'no ID line'));
  const fields = new Map<string, TracepointField>();
  for (const m of text.matchAll(/^\s*field:(.+?);\s*offset:(\d+);\s*size:(\d+);/gm)) {
    const decl = m[1].trim();
    // The field's name is the last identifier of its declaration, before any array brackets.
    const nm = /([A-Za-z_][A-Za-z0-9_]*)\s*(?:\[[^\]]*\])?$/.exec(decl);
    if (!nm) continue;
    const dynamic = decl.startsWith('__data_loc') ? 'data_loc' : decl.startsWith('__rel_loc') ? 'rel_loc' : null;
    fields.set(nm[1], { offset: Number(m[2]), size: Number(m[3]), dynamic });
  }
  return { name, id: Number(id[1]), fields };
}

export function readTracepointFormat(tracefs: string, name: string): TracepointFormat | null {
  const [system, event] = name.split(':');
  let text: string;
  try {
    text = readFileSync(`${tracefs}/events/${system}/${event}/format`, 'utf8');
  } catch {
    return null;
  }
  return parseTracepointFormat(name, text);
}

/** A field of a format that must exist; the capture cannot work without it. */
export function fieldOf(f: TracepointFormat, field: string): TracepointField {
  const x = f.fields.get(field);
  if (!x) throw new UsageError(captureMsg.badTracepointFormat(f.name, `no field ${field}`));
  return x;
}

/** An unsigned integer field of 1, 2, 4 or 8 bytes (8-byte values above 2^53 lose precision; use hexField for addresses). */
export function uintField(raw: Buffer, f: TracepointField): number {
  switch (f.size) {
    case 1:
      return raw.readUInt8(f.offset);
    case 2:
      return raw.readUInt16LE(f.offset);
    case 4:
      return raw.readUInt32LE(f.offset);
    default:
      return Number(raw.readBigUInt64LE(f.offset));
  }
}

/** A signed 4-byte field (TCP states are ints). */
export function intField(raw: Buffer, f: TracepointField): number {
  return f.size === 4 ? raw.readInt32LE(f.offset) : uintField(raw, f);
}

/** A pointer as the bpftrace side prints it ("0x%llx"), so both sides name a socket or skb the same way. */
export function hexField(raw: Buffer, f: TracepointField): string {
  return '0x' + raw.readBigUInt64LE(f.offset).toString(16);
}

/** A `__data_loc char[]` string (device names), without its NUL. */
export function stringField(raw: Buffer, f: TracepointField): string {
  const loc = raw.readUInt32LE(f.offset);
  let start = loc & 0xffff;
  const len = loc >>> 16;
  if (f.dynamic === 'rel_loc') start += f.offset + 4;
  let end = start + len;
  while (end > start && raw[end - 1] === 0) end--;
  return raw.toString('latin1', start, end);
}
