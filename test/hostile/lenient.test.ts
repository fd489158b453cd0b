/**
 * What is counted rather than fatal: bad rows under --lenient (skipped,
 * counted by reason, first examples with line numbers), time going backwards,
 * and lost or unmatched packet/deliver events (contract §2). Also the inputs
 * that look odd but are valid and must be accepted (CRLF, BOM, blank lines,
 * trailing commas, RFS switched off with zero sizes).
 */
import { describe, expect, it } from 'vitest';
import { renderSummary } from '../../src/replay/summary.js';
import { bothReaders, READERS, replayWith, verdict, writeInput } from './harness.js';

const H =
  '# rfs-trace v1\n# nr_cpu_ids=2 rps_sock_flow_entries=64 kernel=test\n# queue=lo:0 rps_cpus=3 rps_flow_cnt=64\nts,event,cpu,socket,state,rxhash,queue,skb\n';

describe('--lenient', () => {
  // Lines 5..12; bad ones: 6 (cpu 7), 8 (event), 9 (rxhash), 11 (cpu 9).
  const text =
    H +
    [
      '1000,recvmsg,1,0xa1,1,0x10,,',
      '1100,recvmsg,7,0xa2,1,0x20,,',
      '1200,packet,0,,,0x10,lo:0,0xb1',
      '1300,bogus,0,,,0x10,lo:0,0xb2',
      '1400,packet,0,,,0x1g,lo:0,0xb3',
      '1500,deliver,1,,,0x10,lo:0,0xb1',
      '1600,packet,9,,,0x10,lo:0,0xb4',
      '1700,sendmsg,1,0xa1,1,0x10,,',
    ].join('\n') +
    '\n';

  it('is off by default: the first bad row stops the run', async () => {
    const path = writeInput(text);
    for (const reader of READERS) {
      const o = await replayWith(path, reader);
      expect(o.ok ? 'accepted' : o.line).toBe(`${path}:6:14: cpu 7 is out of range: nr_cpu_ids is 2`);
    }
  });

  it('skips bad rows, counts them by reason with the first examples, identically in both readers', async () => {
    const path = writeInput(text);
    const { fast, ref } = await bothReaders(path, { lenient: true });
    expect(verdict(fast)).toEqual(verdict(ref));
    if (!fast.ok) throw fast.error;
    const t = fast.result.trace;
    expect(t.rows).toBe(4);
    expect(t.skipped.total).toBe(4);
    expect(t.skipped.by_reason).toEqual({ cpu_out_of_range: 2, unknown_event: 1, bad_rxhash: 1 });
    expect(t.skipped.examples.map((e) => [e.line, e.column, e.reason])).toEqual([
      [6, 14, 'cpu_out_of_range'],
      [8, 6, 'unknown_event'],
      [9, 17, 'bad_rxhash'],
      [11, 13, 'cpu_out_of_range'],
    ]);
    expect(t.skipped.examples[0].message).toBe(`${path}:6:14: cpu 7 is out of range: nr_cpu_ids is 2`);
    // A skipped row leaves nothing behind: the socket 0xa2 of line 6 is not counted.
    expect(t.distinct_sockets).toBe(1);
    // The summary says so in words, and the JSON carries the same object.
    expect(renderSummary(fast.result)).toContain(
      `skipped 4 bad rows (--lenient): cpu_out_of_range 2, unknown_event 1, bad_rxhash 1; first: ${path}:6:14: cpu 7 is out of range: nr_cpu_ids is 2`,
    );
    expect(JSON.parse(JSON.stringify(fast.result)).trace.skipped).toEqual(t.skipped);
  });

  it('keeps at most 10 examples but counts every skipped row', async () => {
    const bad = Array.from({ length: 25 }, (_, i) => `${2000 + i},recvmsg,5,0xa1,1,0x10,,`);
    const path = writeInput(H + '1000,recvmsg,1,0xa1,1,0x10,,\n' + bad.join('\n') + '\n');
    const { fast, ref } = await bothReaders(path, { lenient: true });
    expect(verdict(fast)).toEqual(verdict(ref));
    if (!fast.ok) throw fast.error;
    expect(fast.result.trace.skipped.total).toBe(25);
    expect(fast.result.trace.skipped.examples.map((e) => e.line)).toEqual([6, 7, 8, 9, 10, 11, 12, 13, 14, 15]);
  });

  it('does not skip header errors: a trace with a broken header is still rejected', async () => {
    const path = writeInput(H.replace('nr_cpu_ids=2', 'nr_cpu_ids=two') + '1000,recvmsg,1,0xa1,1,0x10,,\n');
    for (const reader of READERS) {
      const o = await replayWith(path, reader, { lenient: true });
      expect(o.ok ? 'accepted' : o.line).toBe(`${path}:2:14: nr_cpu_ids must be an integer from 1 to 65535, found "two"`);
    }
  });
});

describe('counted, never fatal', () => {
  it('time going backwards: each row earlier than the one before counts once', async () => {
    const path = writeInput(
      H +
        [
          '1000,recvmsg,1,0xa1,1,0x10,,',
          '900,recvmsg,1,0xa1,1,0x10,,', // back
          '950,recvmsg,1,0xa1,1,0x10,,',
          '950,recvmsg,1,0xa1,1,0x10,,', // equal is not backwards
          '10,recvmsg,1,0xa1,1,0x10,,', // back
          '2000,recvmsg,1,0xa1,1,0x10,,',
        ].join('\n') +
        '\n',
    );
    const { fast, ref } = await bothReaders(path);
    expect(verdict(fast)).toEqual(verdict(ref));
    if (!fast.ok) throw fast.error;
    expect(fast.result.trace.time_backwards).toBe(2);
    expect(fast.result.trace.rows).toBe(6);
    expect(renderSummary(fast.result)).toContain('time went backwards on 2 rows (capture reordering; replayed in file order)');
  });

  it('lost events: packets never delivered and delivers with no packet', async () => {
    const path = writeInput(
      H +
        [
          '1000,packet,0,,,0x10,lo:0,0xb1',
          '1100,packet,0,,,0x20,lo:0,0xb2', // never delivered
          '1200,deliver,1,,,0x10,lo:0,0xb1',
          '1300,deliver,1,,,0x30,lo:0,0xb9', // no such packet
          '1400,deliver,1,,,0x40,lo:0,', // no skb at all
          '1500,packet,1,,,0x50,lo:0,0xb3', // never delivered
        ].join('\n') +
        '\n',
    );
    const { fast, ref } = await bothReaders(path);
    expect(verdict(fast)).toEqual(verdict(ref));
    if (!fast.ok) throw fast.error;
    const t = fast.result.trace;
    expect(t.packets_undelivered).toBe(2);
    expect(t.deliver_unmatched).toBe(2);
    expect(fast.result.configs[0].metrics.deliver_matched).toBe(1);
    expect(renderSummary(fast.result)).toContain('lost events: 2 packets without deliver, 2 delivers without packet');
  });
});

describe('odd but valid input is accepted, with the same replay as the plain trace', () => {
  const rows = ['1000,recvmsg,1,0xa1,1,0x10,,', '1200,packet,0,,,0x10,lo:0,0xb1', '1500,deliver,1,,,0x10,lo:0,0xb1', '1700,state,,0xa1,TCP_CLOSE,0x10,,'];
  const plain = H + rows.join('\n') + '\n';
  const variants: Record<string, string> = {
    'CRLF line endings': plain.replace(/\n/g, '\r\n'),
    'a UTF-8 BOM': '\xef\xbb\xbf' + plain,
    'blank lines in the header and between rows, and no final newline': plain.replace('# queue', '\n# queue').replace('0xb1\n', '0xb1\n\n   \n').trimEnd(),
    'trailing commas and rows of bare commas': plain.replace(/,,\n/g, ',,,\n') + ',,,,\n',
    'a duplicate header key that agrees (2 and 02)': plain.replace('kernel=test', 'kernel=test\n# nr_cpu_ids=02'),
    'a free-text comment line': plain.replace('# queue', '# captured on the test box\n# queue'),
    'leading zeros and quoted fields': plain.replace('1000,recvmsg,1,', '0001000,"recvmsg",01,').replace(',0xa1,TCP_CLOSE', ',"0xa1","tcp_close"'),
  };
  for (const [what, body] of Object.entries(variants)) {
    it(what, async () => {
      const base = await replayWith(writeInput(plain), 'fast');
      if (!base.ok) throw base.error;
      const path = writeInput(body);
      const { fast, ref } = await bothReaders(path);
      expect(verdict(fast)).toEqual(verdict(ref));
      if (!fast.ok) throw fast.error;
      expect(fast.result.trace.rows).toBe(4);
      expect(fast.result.configs).toEqual(base.result.configs);
    });
  }

  it('zero table sizes are legal: rps_sock_flow_entries=0 and rps_flow_cnt=0 switch RFS off (plain RPS)', async () => {
    const path = writeInput(
      H.replace('rps_sock_flow_entries=64', 'rps_sock_flow_entries=0').replace('rps_flow_cnt=64', 'rps_flow_cnt=0') + rows.join('\n') + '\n',
    );
    const { fast, ref } = await bothReaders(path);
    expect(verdict(fast)).toEqual(verdict(ref));
    if (!fast.ok) throw fast.error;
    const m = fast.result.configs[0].metrics;
    expect(m.lookups).toBe(0);
    expect(m.steered_rps).toBe(m.packets);
  });
});
