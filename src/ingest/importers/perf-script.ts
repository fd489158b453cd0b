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
import { secondsToNs, TracepointRows } from './tracepoint-text.js';
import type { ImportContext, Importer } from './types.js';

const LINE = /^(\s*.*?)\s+(\d+)(?:\/(\d+))?\s+\[(\d+)\]\s+(\d+\.\d+):\s+(?:\d+\s+)?(\w+):(\w+):\s?(.*)$/;

export const perfScriptImporter: Importer = {
  format: 'perf-script',
  sniff(head: string): boolean {
    return head.split('\n', 200).some((l) => {
      const m = LINE.exec(l);
      return m !== null && (m[6] === 'net' || m[6] === 'sock' || m[6] === 'syscalls' || m[6] === 'raw_syscalls');
    });
  },
  async run(lines: AsyncIterable<string>, ctx: ImportContext): Promise<void> {
    const rows = new TracepointRows(ctx.file, 'perf-script');
    let lineNo = 0;
    for await (const text of lines) {
      lineNo++;
      if (text.startsWith('#')) {
        const m = /^#\s*nrcpus avail\s*:\s*(\d+)/.exec(text);
        if (m) rows.nrCpuIds = Number(m[1]);
        continue;
      }
      if (text.trim().length === 0) continue;
      const m = LINE.exec(text);
      if (!m) throw new InputError(ctx.file, lineNo, 1, importMsg.badPerfLine(), 'bad_import_line');
      const ts = secondsToNs(m[5]);
      const tsColumn = text.indexOf(m[5], m[1].length) + 1;
      if (ts === null) throw new InputError(ctx.file, lineNo, tsColumn, importMsg.badTimestamp(m[5]), 'bad_import_line');
      const tid = Number(m[3] ?? m[2]);
      const cpu = Number(m[4]);
      const cpuColumn = text.indexOf(`[${m[4]}]`) + 2;
      const name = m[7];
      if ((m[6] === 'syscalls' && name.startsWith('sys_enter_')) || (m[6] === 'raw_syscalls' && name === 'sys_enter')) {
        rows.syscallEntry(tid, ts, cpu);
        continue;
      }
      const bodyColumn = text.length - m[8].length + 1;
      rows.add({ ts, cpu, tid, name, body: m[8], bodyColumn, tsColumn, cpuColumn }, lineNo);
    }
    rows.emit(ctx);
  },
};
