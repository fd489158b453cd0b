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
import { secondsToNs, TracepointRows } from './tracepoint-text.js';
import type { ImportContext, Importer } from './types.js';

const LINE = /^(\s*.*?)-(\d+)\s+(?:\(\s*[-\d]+\)\s+)?\[(\d+)\]\s+(?:[^\s\]]{4,6}\s+)?(\d+\.\d+):\s+(\w+)(?::\s*(.*)|\((.*)\)|\s+->.*)$/;

export const ftraceImporter: Importer = {
  format: 'ftrace',
  sniff(head: string): boolean {
    const first = head.slice(0, head.indexOf('\n') >>> 0);
    if (/^cpus=\d+\s*$/.test(first) || /^# tracer: /.test(first)) return true;
    return head.split('\n', 200).some((l) => LINE.test(l) && /\b(netif_\w+|napi_gro_\w+|sock_\w+_length|inet_sock_set_state):/.test(l));
  },
  async run(lines: AsyncIterable<string>, ctx: ImportContext): Promise<void> {
    const rows = new TracepointRows(ctx.file, 'ftrace');
    let lineNo = 0;
    for await (const text of lines) {
      lineNo++;
      if (lineNo === 1) {
        const c = /^cpus=(\d+)\s*$/.exec(text);
        if (c) {
          rows.nrCpuIds = Number(c[1]);
          continue;
        }
      }
      if (text.startsWith('#')) {
        // "# entries-in-buffer/entries-written: 421/421   #P:2" names the CPUs the buffer has.
        const p = /#P:(\d+)/.exec(text);
        if (p) rows.nrCpuIds = Number(p[1]);
        continue;
      }
      if (text.trim().length === 0 || /^CPU \d+ is empty$|^cpus=/.test(text.trim())) continue;
      const m = LINE.exec(text);
      if (!m) throw new InputError(ctx.file, lineNo, 1, importMsg.badFtraceLine(), 'bad_import_line');
      const tsColumn = text.indexOf(m[4], m[1].length) + 1;
      const ts = secondsToNs(m[4]);
      if (ts === null) throw new InputError(ctx.file, lineNo, tsColumn, importMsg.badTimestamp(m[4]), 'bad_import_line');
      const tid = Number(m[2]);
      const cpu = Number(m[3]);
      const name = m[5];
      // ftrace prints syscall entry as "sys_read(fd: …)", trace-cmd as "sys_enter_read: fd: …"; exits as "sys_read -> 0x40".
      if (m[7] !== undefined || name.startsWith('sys_enter')) {
        rows.syscallEntry(tid, ts, cpu);
        continue;
      }
      if (m[6] === undefined) continue;
      const cpuColumn = text.indexOf(`[${m[3]}]`) + 2;
      rows.add({ ts, cpu, tid, name, body: m[6], bodyColumn: text.length - m[6].length + 1, tsColumn, cpuColumn }, lineNo);
    }
    rows.emit(ctx);
  },
};
