/**
 * `perf script` text of the net/sock tracepoints (perf record -e net:… -e sock:…).
 * Default line shape (perf 6.1, quoted from a real capture):
 *
 *             node 26533 [000]  1184.389296:        net:netif_rx_entry: dev=lo napi_id=0 queue_mapping=0 skbaddr=0xffff888136b164e0 … hash=0xa30d64d1 l4_hash=1 …
 *             node 26533 [000]  1184.389300:     net:netif_receive_skb: dev=lo skbaddr=0xffff888136b164e0 len=60
 *             node 26482 [000]  1184.395640:     sock:sock_recv_length: sk address = 0xffff8881806a1bc0, family = AF_INET protocol = IPPROTO_TCP, length = 64, error = 0, flags = 0x40
 *
 * comm (may hold spaces), tid (or pid/tid with -F), [cpu], seconds with 6
 * digits (9 with --ns), an optional period, then system:event: and the
 * tracepoint's print format. `--header` adds "# nrcpus avail : N".
 * What the rows can and cannot hold: see tracepoint-text.ts.
 */
import { InputError } from '../../errors.js';
import { importMsg } from '../../messages.js';
import { digits, isDigit, isSpace, isWord, secondsAt } from './line-bytes.js';
import { TracepointLines, tracepointReading } from './tracepoint-lines.js';
import { secondsToNs } from './tracepoint-text.js';
import type { Importer } from './types.js';

const LINE = /^(\s*.*?)\s+(\d+)(?:\/(\d+))?\s+\[(\d+)\]\s+(\d+\.\d+):\s+(?:\d+\s+)?(\w+):(\w+):\s?(.*)$/;

const SYSCALLS = Buffer.from('syscalls', 'latin1');
const RAW_SYSCALLS = Buffer.from('raw_syscalls', 'latin1');
const SYS_ENTER = Buffer.from('sys_enter', 'latin1');

function equals(buf: Buffer, start: number, end: number, word: Buffer, prefix = false): boolean {
  if (prefix ? end - start < word.length : end - start !== word.length) return false;
  for (let k = 0; k < word.length; k++) if (buf[start + k] !== word[k]) return false;
  return true;
}

/** One perf script trace's lines, as text (run()) or bytes (readChunks()). */
class PerfLines extends TracepointLines {
  constructor(file: string) {
    super(file, 'perf-script');
  }

  text(text: string, lineNo: number): void {
    const rows = this.rows;
    if (text.startsWith('#')) {
      const m = /^#\s*nrcpus avail\s*:\s*(\d+)/.exec(text);
      if (m) rows.nrCpuIds = Number(m[1]);
      return;
    }
    if (text.trim().length === 0) return;
    const m = LINE.exec(text);
    if (!m) throw new InputError(this.file, lineNo, 1, importMsg.badPerfLine(), 'bad_import_line');
    const ts = secondsToNs(m[5]);
    const tsColumn = text.indexOf(m[5], m[1].length) + 1;
    if (ts === null) throw new InputError(this.file, lineNo, tsColumn, importMsg.badTimestamp(m[5]), 'bad_import_line');
    const tid = Number(m[3] ?? m[2]);
    const cpu = Number(m[4]);
    const cpuColumn = text.indexOf(`[${m[4]}]`) + 2;
    const name = m[7];
    if ((m[6] === 'syscalls' && name.startsWith('sys_enter_')) || (m[6] === 'raw_syscalls' && name === 'sys_enter')) {
      rows.syscallEntry(tid, ts, cpu);
      return;
    }
    const bodyColumn = text.length - m[8].length + 1;
    rows.add({ ts, cpu, tid, name, body: m[8], bodyColumn, tsColumn, cpuColumn }, lineNo);
  }

  /** A line as bytes buf[s, e): the common event line read in place, anything else as text. */
  bytes(buf: Buffer, s: number, e: number, lineNo: number): void {
    if (!this.event(buf, s, e, lineNo)) this.text(buf.toString('latin1', s, e), lineNo);
  }

  /**
   * "comm tid [cpu] secs: [period] sys:event: body" as LINE reads it; false
   * (nothing done) for any line it is not sure LINE reads the same way.
   * LINE's comm is lazy, so its match is the one at the first "[" that fits.
   */
  private event(buf: Buffer, s: number, e: number, lineNo: number): boolean {
    if (e - s < 8 || buf[s] === 0x23) return false;
    let br = s;
    while (br < e && buf[br] !== 0x5b) br++;
    if (br >= e || this.cr.within(buf, s, e)) return false;
    // Before "[": \s+, the tid, "/" and a tid before it (pid/tid), \s+.
    let p = br - 1;
    if (p < s || !isSpace(buf[p])) return false;
    while (p >= s && isSpace(buf[p])) p--;
    const tidEnd = p + 1;
    while (p >= s && isDigit(buf[p])) p--;
    const tidStart = p + 1;
    if (tidStart === tidEnd) return false;
    if (p >= s && buf[p] === 0x2f) {
      p--;
      const pidEnd = p + 1;
      while (p >= s && isDigit(buf[p])) p--;
      if (p + 1 === pidEnd) return false;
    }
    if (p < s || !isSpace(buf[p])) return false;
    // "[cpu]", \s+, seconds, ":", \s+.
    let q = br + 1;
    while (q < e && isDigit(buf[q])) q++;
    if (q === br + 1 || q >= e || buf[q] !== 0x5d) return false;
    const cpu = digits(buf, br + 1, q);
    q++;
    if (q >= e || !isSpace(buf[q])) return false;
    while (q < e && isSpace(buf[q])) q++;
    const tsStart = q;
    if (!secondsAt(buf, q, e, this.at)) return false;
    q = this.at.end + 1;
    if (q >= e || !isSpace(buf[q])) return false;
    while (q < e && isSpace(buf[q])) q++;
    // A period: digits then whitespace (system names are words, never followed by whitespace).
    let r = q;
    while (r < e && isDigit(buf[r])) r++;
    if (r > q && r < e && isSpace(buf[r])) {
      while (r < e && isSpace(buf[r])) r++;
      q = r;
    }
    const sysStart = q;
    while (q < e && isWord(buf[q])) q++;
    if (q === sysStart || q >= e || buf[q] !== 0x3a) return false;
    const sysEnd = q++;
    const nameStart = q;
    while (q < e && isWord(buf[q])) q++;
    if (q === nameStart || q >= e || buf[q] !== 0x3a) return false;
    const nameEnd = q++;
    if (q < e && isSpace(buf[q])) q++;
    const rows = this.rows;
    const ts = this.at.ns;
    const tid = digits(buf, tidStart, tidEnd);
    if (
      (equals(buf, sysStart, sysEnd, SYSCALLS) && equals(buf, nameStart, nameEnd, SYS_ENTER, true) && buf[nameStart + SYS_ENTER.length] === 0x5f) ||
      (equals(buf, sysStart, sysEnd, RAW_SYSCALLS) && equals(buf, nameStart, nameEnd, SYS_ENTER))
    ) {
      rows.syscallEntry(tid, ts, cpu);
      return true;
    }
    rows.addEventBytes(lineNo, buf, s, nameStart, nameEnd, q, e, ts, cpu, tid, tsStart, br + 1);
    return true;
  }
}

export const perfScriptImporter: Importer = {
  format: 'perf-script',
  sniff(head: string): boolean {
    return head.split('\n', 200).some((l) => {
      const m = LINE.exec(l);
      return m !== null && (m[6] === 'net' || m[6] === 'sock' || m[6] === 'syscalls' || m[6] === 'raw_syscalls');
    });
  },
  ...tracepointReading((file) => new PerfLines(file)),
};
