/**
 * ftrace text: the tracefs `trace` file and `trace-cmd report` (same line
 * shape; quoted from real output on Linux 6.18):
 *
 *   tracefs trace (header "# tracer: nop", latency flags, hashed %p):
 *             node-26576   [001] b....  1186.149570: netif_rx_entry: dev=lo napi_id=0x0 queue_mapping=0 skbaddr=000000008c2a8cc5 … hash=0x942737b6 …
 *             node-26576   [001] .....  1186.151487: sys_write(fd: 0x13, buf: 0x16843610, count: 0x40)
 *   trace-cmd report (first line "cpus=2"):
 *             node-26940 [001]  1195.187047: netif_rx_entry:       dev=lo napi_id=0 queue_mapping=0 skbaddr=0xffff8881420f48e0 …
 *             node-26899 [000]  1194.981202: sys_enter_read:       fd: 0x00000011, buf: 0x7ffccaa3a520, count: 0x00000400
 *   trace-cmd report -R (raw fields; the only text form whose state events name the socket):
 *             node-26929 [001]  1195.114922: inet_sock_set_state:   skaddr=0xffff88810b3d8940 oldstate=7 newstate=10 sport=7070 …
 *
 * Pointers hashed by the kernel (%p) stay consistent within a boot, which is
 * all an identity needs. What the rows can and cannot hold: see tracepoint-text.ts.
 */
import { InputError } from '../../errors.js';
import { importMsg } from '../../messages.js';
import { digits, isDigit, isSpace, isWord, secondsAt } from './line-bytes.js';
import { TracepointLines, tracepointReading } from './tracepoint-lines.js';
import { secondsToNs } from './tracepoint-text.js';
import type { Importer } from './types.js';

const LINE = /^(\s*.*?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:[^\s\]]{4,6}\s+)?(\d+\.\d+):\s+(\w+)(?::\s*(.*)|\((.*)\)|\s+->.*)$/;

const SYS_ENTER = Buffer.from('sys_enter', 'latin1');

/** One ftrace / trace-cmd trace's lines, as text (run()) or bytes (readChunks()). */
class FtraceLines extends TracepointLines {
  constructor(file: string) {
    super(file, 'ftrace');
  }

  text(text: string, lineNo: number): void {
    const rows = this.rows;
    if (lineNo === 1) {
      const c = /^cpus=(\d+)\s*$/.exec(text);
      if (c) {
        rows.nrCpuIds = Number(c[1]);
        return;
      }
    }
    if (text.startsWith('#')) {
      // "# entries-in-buffer/entries-written: 421/421   #P:2" names the CPUs the buffer has.
      const p = /#P:(\d+)/.exec(text);
      if (p) rows.nrCpuIds = Number(p[1]);
      return;
    }
    if (text.trim().length === 0 || /^CPU \d+ is empty$|^cpus=/.test(text.trim())) return;
    const m = LINE.exec(text);
    if (!m) throw new InputError(this.file, lineNo, 1, importMsg.badFtraceLine(), 'bad_import_line');
    const tsColumn = text.indexOf(m[4], m[1].length) + 1;
    const ts = secondsToNs(m[4]);
    if (ts === null) throw new InputError(this.file, lineNo, tsColumn, importMsg.badTimestamp(m[4]), 'bad_import_line');
    const tid = Number(m[2]);
    const cpu = Number(m[3]);
    const name = m[5];
    // ftrace prints syscall entry as "sys_read(fd: …)", trace-cmd as "sys_enter_read: fd: …"; exits as "sys_read -> 0x40".
    if (m[7] !== undefined || name.startsWith('sys_enter')) {
      rows.syscallEntry(tid, ts, cpu);
      return;
    }
    if (m[6] === undefined) return;
    const cpuColumn = text.indexOf(`[${m[3]}]`) + 2;
    rows.add({ ts, cpu, tid, name, body: m[6], bodyColumn: text.length - m[6].length + 1, tsColumn, cpuColumn }, lineNo);
  }

  /** A line as bytes buf[s, e): the common event line read in place, anything else as text. */
  bytes(buf: Buffer, s: number, e: number, lineNo: number): void {
    if (lineNo === 1 || !this.event(buf, s, e, lineNo)) this.text(buf.toString('latin1', s, e), lineNo);
  }

  /**
   * "comm-tid [cpu] flags secs: name: body" as LINE reads it; false (nothing
   * done) for any line it is not sure LINE reads the same way. LINE's comm is
   * lazy, so its match is the one at the first "[" that fits.
   */
  private event(buf: Buffer, s: number, e: number, lineNo: number): boolean {
    if (e - s < 8 || buf[s] === 0x23) return false;
    let br = s;
    while (br < e && buf[br] !== 0x5b) br++;
    if (br >= e || this.cr.within(buf, s, e)) return false;
    // Before "[": "-", the tid, \s+ (a "(tgid)" between goes the text way).
    let p = br - 1;
    if (p < s || !isSpace(buf[p])) return false;
    while (p >= s && isSpace(buf[p])) p--;
    const tidEnd = p + 1;
    while (p >= s && isDigit(buf[p])) p--;
    const tidStart = p + 1;
    if (tidStart === tidEnd || p < s || buf[p] !== 0x2d) return false;
    // "[cpu]", \s+, latency flags (4 to 6 characters, optional), seconds, ":", \s+.
    let q = br + 1;
    while (q < e && isDigit(buf[q])) q++;
    if (q === br + 1 || q >= e || buf[q] !== 0x5d) return false;
    const cpu = digits(buf, br + 1, q);
    q++;
    if (q >= e || !isSpace(buf[q])) return false;
    while (q < e && isSpace(buf[q])) q++;
    let t = q;
    while (t < e && !isSpace(buf[t])) t++;
    const tokenLength = t - q;
    if (tokenLength >= 4 && tokenLength <= 6) {
      // Flags, or seconds short enough to be read as flags: those go the text way.
      if (secondsAt(buf, q, e, this.at)) return false;
      for (let k = q; k < t; k++) if (buf[k] === 0x5d) return false;
      if (t >= e) return false;
      while (t < e && isSpace(buf[t])) t++;
      q = t;
    }
    const tsStart = q;
    if (!secondsAt(buf, q, e, this.at)) return false;
    q = this.at.end + 1;
    if (q >= e || !isSpace(buf[q])) return false;
    while (q < e && isSpace(buf[q])) q++;
    const nameStart = q;
    while (q < e && isWord(buf[q])) q++;
    const nameEnd = q;
    if (nameEnd === nameStart || q >= e) return false;
    const rows = this.rows;
    const ts = this.at.ns;
    const tid = digits(buf, tidStart, tidEnd);
    const sysEnter = nameEnd - nameStart >= SYS_ENTER.length && buf.compare(SYS_ENTER, 0, SYS_ENTER.length, nameStart, nameStart + SYS_ENTER.length) === 0;
    const c = buf[q];
    if (c === 0x3a) {
      q++;
      while (q < e && isSpace(buf[q])) q++;
    } else if (c === 0x28) {
      // "sys_read(fd: …)": an entry, if the line ends in ")".
      if (buf[e - 1] !== 0x29) return false;
      rows.syscallEntry(tid, ts, cpu);
      return true;
    } else {
      // "sys_read -> 0x40": an exit.
      let r = q;
      while (r < e && isSpace(buf[r])) r++;
      if (r === q || r + 1 >= e || buf[r] !== 0x2d || buf[r + 1] !== 0x3e) return false;
      if (sysEnter) rows.syscallEntry(tid, ts, cpu);
      return true;
    }
    if (sysEnter) {
      rows.syscallEntry(tid, ts, cpu);
      return true;
    }
    rows.addEventBytes(lineNo, buf, s, nameStart, nameEnd, q, e, ts, cpu, tid, tsStart, br + 1);
    return true;
  }
}

export const ftraceImporter: Importer = {
  format: 'ftrace',
  sniff(head: string): boolean {
    const first = head.slice(0, head.indexOf('\n') >>> 0);
    if (/^cpus=\d+\s*$/.test(first) || /^# tracer: /.test(first)) return true;
    return head.split('\n', 200).some((l) => LINE.test(l) && /\b(netif_\w+|napi_gro_\w+|sock_\w+_length|inet_sock_set_state):/.test(l));
  },
  ...tracepointReading((file) => new FtraceLines(file)),
};
