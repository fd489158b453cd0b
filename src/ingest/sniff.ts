/**
 * Format sniffing, in one place: given the first (up to 64 KiB) decompressed
 * text of an input, say whether it is a v1 trace or which importer reads it.
 * Anything unrecognised is handed to the v1 reader, whose first-line check
 * gives the precise message ("expected \"# rfs-trace v1\" …").
 */
import { IMPORTERS } from './importers/index.js';
import type { Importer } from './importers/types.js';

export function sniffFormat(head: string): 'rfs-v1' | Importer {
  // The head is decoded as latin1, so a UTF-8 BOM arrives as its three bytes.
  const text = head.startsWith('\xef\xbb\xbf') ? head.slice(3) : head.charCodeAt(0) === 0xfeff ? head.slice(1) : head;
  if (/^\s*#\s*rfs-trace\b/.test(text)) return 'rfs-v1';
  return IMPORTERS.find((i) => i.sniff(text)) ?? 'rfs-v1';
}
