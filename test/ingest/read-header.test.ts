/**
 * readHeader() (what `validate` reads the capture losses with): the header of
 * a v1 trace through the readers' own code, gzip detected by content as for
 * every read, without reading the rows; null for imported formats.
 */
import { readFileSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { InputError } from '../../src/errors.js';
import { readHeader } from '../../src/ingest/read.js';
import { writeTrace } from '../helpers/trace.js';

const TRACE = [
  '\xef\xbb\xbf# rfs-trace v1',
  '# nr_cpu_ids=2 rps_sock_flow_entries=64 kernel=6.18.44',
  '# queue=lo:0 rps_cpus=3 rps_flow_cnt=16',
  '',
  '# capture_lost_events=4 capture_missed_events=9',
  'ts,event,cpu,socket,state,rxhash,queue,skb',
  '10,recvmsg,1,0xs1,1,0x100,,',
].join('\r\n');

describe('readHeader', () => {
  it('reads the # lines of a plain or gzip v1 trace as the readers do', async () => {
    for (const path of [writeTrace(Buffer.from(TRACE, 'latin1')), writeTrace(gzipSync(Buffer.from(TRACE, 'latin1')), 'h.csv.gz')]) {
      const h = await readHeader(path);
      expect(h?.extra).toEqual({ capture_lost_events: '4', capture_missed_events: '9' });
      expect(h?.nrCpuIds).toBe(2);
      expect(h?.queues.map((q) => q.name)).toEqual(['lo:0']);
    }
  });

  it('stops at the header row: the rows are not read', async () => {
    // A row no reader accepts (a NUL byte) after the header row.
    const h = await readHeader(writeTrace(Buffer.from(TRACE + '\r\n20,pa\x00cket,0,,,1,,\r\n', 'latin1')));
    expect(h?.extra.capture_lost_events).toBe('4');
  });

  it("rejects a bad header with the readers' message and position", async () => {
    const bad = writeTrace(Buffer.from(TRACE.replace('rps_flow_cnt=16', 'rps_flow_cnt=lots'), 'latin1'));
    await expect(readHeader(bad)).rejects.toThrow(InputError);
    await expect(readHeader(bad)).rejects.toThrow(`${bad}:3:38: rps_flow_cnt must be a non-negative integer, found "lots"`);
  });

  it('is null for a format an importer reads', async () => {
    const perf = new URL('../fixtures/importers/perf-script.txt', import.meta.url).pathname;
    expect(readFileSync(perf, 'latin1').startsWith('#')).toBe(true);
    expect(await readHeader(perf)).toBeNull();
  });
});
