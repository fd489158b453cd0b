/**
 * The bad-input corpus (test/fixtures/bad/): every file must be rejected with
 * exactly the message written here, derived by hand from the rules (contract
 * §2, header.ts, rows.ts) — the column counted on the line, not copied from
 * the program's output. Each goes through both readers (same line from each)
 * and through the built CLI (exit status 2, exactly that one line on stderr,
 * nothing on stdout, no JSON written).
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { READERS, replayWith } from './harness.js';

const BAD = new URL('../fixtures/bad/', import.meta.url).pathname;
const CLI = new URL('../../dist/cli.js', import.meta.url).pathname;

const LIMIT_2_29 = "is above the kernel's limit of 536870912 (2^29)";
const EVENTS = 'expected an event (recvmsg, sendmsg, accept, splice, state, packet, deliver)';
const RXHASH = 'expected rxhash as an unsigned 32-bit integer (decimal or 0x hex)';
const STATE = 'expected a TCP state (1..12 or a name such as ESTABLISHED, TCP_CLOSE)';
const NINES40 = '9'.repeat(40) + '…';

/**
 * file → the message after "PATH:" (line:column: detail). Rows in these files
 * are "1000,recvmsg,1,0xffff8881023c4e40,1,0x9f2c11d3,lo:0," unless the case
 * changes a field: ts at column 1, event 6, cpu 14, socket 16, state 35,
 * rxhash 37, queue 48, skb 53. Header lines: magic (1), nr_cpu_ids line (2),
 * queue line (3), header row (4); first row on line 5.
 */
const CASES: { file: string; expect: string; args?: string[] }[] = [
  // the first line
  { file: 'empty.csv', expect: '1:1: empty file: expected "# rfs-trace v1" on the first line' },
  { file: 'blank-lines-only.csv', expect: '1:1: empty file: expected "# rfs-trace v1" on the first line' },
  { file: 'blank-first-line.csv', expect: '1:1: the first line is blank: expected "# rfs-trace v1" there' },
  { file: 'misspelled-magic.csv', expect: '1:1: expected "# rfs-trace v1" on the first line, found "# rfs-trcae v1"' },
  // the message shows the first 40 characters of a long line
  { file: 'no-magic.csv', expect: '1:1: expected "# rfs-trace v1" on the first line, found "# nr_cpu_ids=2 rps_sock_flow_entries=64 …"' },
  { file: 'unknown-version.csv', expect: '1:13: unknown trace format version "2" (this rfs-replay reads v1)' },
  // a gzip of a gzip: one decompression leaves the second gzip's magic byte
  { file: 'double-gzip.csv.gz', expect: '1:1: unexpected byte 0x1f (binary data in a text trace)' },
  { file: 'cr-inside-line.csv', expect: '1:15: unexpected carriage return (0x0d) inside a line: lines must end in LF or CRLF' },
  // header comments: values are reported at the value's column ("# nr_cpu_ids=2 " is 15 characters)
  { file: 'no-nr-cpu-ids.csv', expect: '1:1: the trace header has no nr_cpu_ids and --cpus was not given' },
  { file: 'nr-cpu-ids-zero.csv', expect: '2:14: nr_cpu_ids must be an integer from 1 to 65535, found "0"' },
  { file: 'entries-too-large.csv', expect: `2:38: rps_sock_flow_entries 536870913 ${LIMIT_2_29}` },
  { file: 'entries-huge-digits.csv', expect: `2:38: rps_sock_flow_entries ${NINES40} ${LIMIT_2_29}` },
  { file: 'entries-non-numeric.csv', expect: '2:38: rps_sock_flow_entries must be a non-negative integer, found "lots"' },
  { file: 'entries-negative.csv', expect: '2:38: rps_sock_flow_entries must be a non-negative integer, found "-1"' },
  { file: 'flow-cnt-too-large.csv', expect: "3:38: rps_flow_cnt 1073741825 is above the kernel's limit of 1073741824 (2^30)" },
  { file: 'flow-cnt-non-numeric.csv', expect: '3:38: rps_flow_cnt must be a non-negative integer, found "64k"' },
  { file: 'rps-cpus-beyond-nr-cpu-ids.csv', expect: '3:23: rps_cpus=4 names CPU 2, but nr_cpu_ids is 2' },
  { file: 'rps-cpus-beyond-cpus-option.csv', expect: '3:23: rps_cpus=f names CPU 2, but nr_cpu_ids is 2', args: ['--cpus', '2'] },
  { file: 'rps-cpus-bad-mask.csv', expect: '3:23: rps_cpus must be a hex CPU mask such as 3 or ff,ffffffff, found "0xg"' },
  { file: 'duplicate-key-disagrees.csv', expect: '3:3: header key nr_cpu_ids is given twice with different values (2 and 4)' },
  { file: 'duplicate-queue-disagrees.csv', expect: '4:3: queue "lo:0" is declared twice' },
  { file: 'queue-key-not-first.csv', expect: '2:16: a queue line needs queue=NAME first, then rps_cpus=HEXMASK rps_flow_cnt=N' },
  { file: 'header-free-text-with-pairs.csv', expect: '2:16: expected key=value in the header comment, found "foo"' },
  // the header row
  { file: 'no-header-row.csv', expect: '4:1: expected a header row naming the columns (ts,event,cpu,socket,state,rxhash,queue,skb), found end of file' },
  { file: 'missing-column.csv', expect: '4:1: header row lacks the required column "rxhash"' },
  // "ts,event,cpu,socket,state,rxhash,queue,skb," is 43 characters
  { file: 'duplicate-column.csv', expect: '4:44: header row names the column "cpu" twice' },
  { file: 'header-only.csv', expect: '4:1: the trace has a header but no rows' },
  // rows
  { file: 'unknown-event.csv', expect: `5:6: ${EVENTS}, found "recv"` },
  { file: 'rxhash-negative.csv', expect: `5:37: ${RXHASH}, found "-1"` },
  { file: 'rxhash-fractional.csv', expect: `5:37: ${RXHASH}, found "1.5"` },
  { file: 'rxhash-non-numeric.csv', expect: `5:37: ${RXHASH}, found "abc"` },
  { file: 'rxhash-too-large.csv', expect: '5:37: rxhash 4294967296 does not fit in 32 bits (maximum 4294967295 = 0xffffffff)' },
  { file: 'rxhash-hex-too-large.csv', expect: '5:37: rxhash 0x100000000 does not fit in 32 bits (maximum 4294967295 = 0xffffffff)' },
  { file: 'cpu-not-integer.csv', expect: '5:14: expected cpu as a non-negative integer, found "1.0"' },
  { file: 'cpu-negative.csv', expect: '5:14: expected cpu as a non-negative integer, found "-1"' },
  { file: 'cpu-out-of-range.csv', expect: '7:14: cpu 2 is out of range: nr_cpu_ids is 2' },
  { file: 'cpu-huge-digits.csv', expect: `5:14: cpu ${NINES40} is out of range: nr_cpu_ids is 2` },
  { file: 'unknown-state-name.csv', expect: `5:35: ${STATE}, found "ESTABLISH"` },
  { file: 'unknown-state-number.csv', expect: `5:35: ${STATE}, found "13"` },
  { file: 'undeclared-queue.csv', expect: '5:48: queue "eth0:0" is not declared in a "# queue=" line (declared: lo:0)' },
  { file: 'ts-negative.csv', expect: '5:1: expected ts as a non-negative integer number of nanoseconds, found "-5"' },
  { file: 'ts-fractional.csv', expect: '5:1: expected ts as a non-negative integer number of nanoseconds, found "1000.5"' },
  { file: 'ts-above-2-53.csv', expect: '5:1: ts 9007199254740992 is above 9007199254740991 (2^53-1), the largest timestamp held exactly' },
  // the NUL is the 11th byte of the socket field (column 16)
  { file: 'nul-byte.csv', expect: '5:26: unexpected byte 0x00 (binary data in a text trace)' },
  { file: 'missing-socket.csv', expect: '5:16: a socket event needs the socket column' },
  // "1500,packet," is 12 characters
  { file: 'missing-cpu.csv', expect: '5:13: expected a cpu, found an empty field' },
  // "1900,state,1,0xffff8881023c4e40," is 32 characters
  { file: 'missing-state.csv', expect: '5:33: a state event needs the state column' },
  // "1000,recvmsg" is 12 characters: a missing field is reported where the next one would start
  { file: 'short-row.csv', expect: '5:14: expected a cpu, found an empty field' },
  // the skb field (column 53) is 18 characters, so the 9th field starts at 72
  { file: 'too-many-fields.csv', expect: '5:72: row has 9 fields but the header row names 8 columns' },
  { file: 'unterminated-quote.csv', expect: '5:6: a quoted field is not closed before the end of the line' },
  { file: 'quote-inside-field.csv', expect: '5:22: a quote inside an unquoted field (quote the whole field and double the quote: "a""b")' },
  { file: 'text-after-closing-quote.csv', expect: '5:15: expected a comma after the closing quote, found "x"' },
  // whole lines out of place (two rows on lines 5 and 6, then the second trace or header row on 7)
  { file: 'concatenated-traces.csv', expect: '7:1: a "#" comment line after the header row: comments must come before it (were two traces concatenated?)' },
  { file: 'repeated-header-row.csv', expect: '7:1: the header row appears again (first on line 4): were two traces concatenated?' },
  // lenient mode skips bad rows, but a trace with nothing left is still an error
  {
    file: 'all-rows-bad-lenient.csv',
    expect: '4:1: every row is bad: all 2 were skipped (--lenient), the first on line 5; nothing to replay',
    args: ['--lenient'],
  },
];

/** A cut gzip stream has no line: the message gives the compressed byte offset, which for a cut file is its size. */
function gzipCase(file: string) {
  const size = statSync(BAD + file).size;
  return `gzip data ends early or is corrupt (failed at or before compressed byte ${size} of ${size})`;
}

function expectedLine(c: { file: string; expect: string }): string {
  return c.expect.startsWith('rfs-replay:') ? c.expect : `${BAD}${c.file}:${c.expect}`;
}

const ALL: { file: string; expect: string; args?: string[] }[] = [
  ...CASES,
  { file: 'truncated.csv.gz', expect: `rfs-replay: ${BAD}truncated.csv.gz: ${gzipCase('truncated.csv.gz')}` },
];

function cli(args: string[]): Promise<{ status: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [CLI, ...args], { encoding: 'utf8' }, (err, stdout, stderr) => {
      resolve({ status: err ? ((err as { code?: number }).code ?? null) : 0, stdout, stderr });
    });
  });
}

function optsOf(args: string[] = []) {
  return { lenient: args.includes('--lenient'), cpus: args.includes('--cpus') ? Number(args[args.indexOf('--cpus') + 1]) : undefined };
}

describe('bad-input corpus', () => {
  it('covers every file in test/fixtures/bad/ (a new fixture needs its expected message here)', () => {
    expect(readdirSync(BAD).sort()).toEqual(ALL.map((c) => c.file).sort());
  });

  for (const c of ALL) {
    it(`${c.file}: both readers give the same one-line message`, async () => {
      for (const reader of READERS) {
        const o = await replayWith(BAD + c.file, reader, optsOf(c.args));
        expect(o.ok, `${reader} accepted ${c.file}`).toBe(false);
        if (!o.ok) expect(o.line, reader).toBe(expectedLine(c));
      }
    });
  }

  it('through the CLI: exit status 2, exactly that line on stderr, nothing on stdout, no JSON', async () => {
    const out = mkdtempSync(join(tmpdir(), 'rfs-corpus-'));
    const runs = ALL.flatMap((c) => READERS.map((reader) => ({ c, reader })));
    // Eight processes at a time: the point is each process's behaviour, not their order.
    for (let i = 0; i < runs.length; i += 8) {
      await Promise.all(
        runs.slice(i, i + 8).map(async ({ c, reader }) => {
          const json = join(out, `${c.file}-${reader}.json`);
          const r = await cli(['replay', BAD + c.file, '--no-progress', '--reader', reader, '--json', json, ...(c.args ?? [])]);
          expect(r.status, `${c.file} (${reader}): ${r.stderr}`).toBe(2);
          expect(r.stderr, c.file).toBe(`${expectedLine(c)}\n`);
          expect(r.stdout, c.file).toBe('');
          expect(existsSync(json), `${c.file}: a rejected trace writes no output`).toBe(false);
        }),
      );
    }
    expect(readdirSync(out)).toEqual([]);
  }, 180_000);
});
