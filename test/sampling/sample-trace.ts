/**
 * What `capture --sample` records, made from a whole trace: its header with
 * the rule added, and only the rows whose hash the rule keeps (a row without
 * a hash is kept, as the capture's filters keep it), except state rows
 * without a hash, which the capture leaves out (they name no flow).
 */
import { readFileSync } from 'node:fs';
import { gunzipSync } from 'node:zlib';
import { sampleMask, type SamplingRule } from '../../src/types/sampling.js';
import { writeTrace } from '../helpers/trace.js';

/** The v1 text of a file, gzip or not. */
export function traceText(path: string): string {
  const raw = readFileSync(path);
  return (raw[0] === 0x1f && raw[1] === 0x8b ? gunzipSync(raw) : raw).toString('latin1');
}

/** The rows of `text` that `rule` keeps, under its header plus `# sample_shift=S sample_bits=K`; returns the new file's path. */
export function sampleTrace(text: string, rule: SamplingRule, name?: string): string {
  const lines = text.split('\n');
  const headerRow = lines.findIndex((l) => l.length > 0 && !l.startsWith('#'));
  const hashAt = lines[headerRow].split(',').indexOf('rxhash');
  const eventAt = lines[headerRow].split(',').indexOf('event');
  const mask = sampleMask(rule);
  const out = [...lines.slice(0, headerRow), `# sample_shift=${rule.shift} sample_bits=${rule.bits}`, lines[headerRow]];
  for (const line of lines.slice(headerRow + 1)) {
    if (line.length === 0) continue;
    const fields = line.split(',');
    const h = Number(fields[hashAt] || 0);
    if ((h & mask) === 0 && !(h === 0 && fields[eventAt] === 'state')) out.push(line);
  }
  return writeTrace(out.join('\n') + '\n', name);
}
