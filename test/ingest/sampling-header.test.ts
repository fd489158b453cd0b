/**
 * sample_shift= and sample_bits=: the rule of a sampled trace, read by every
 * reader through the header parser, with one positioned line for each way
 * the pair can be wrong (docs/format.md).
 */
import { describe, expect, it } from 'vitest';
import { readHeader } from '../../src/ingest/read.js';
import { replayFile } from '../../src/replay/engine.js';
import { writeTrace } from '../helpers/trace.js';

function trace(sampleLine: string): string {
  return [
    '# rfs-trace v1',
    '# nr_cpu_ids=2 rps_sock_flow_entries=8192 kernel=6.18.0',
    sampleLine,
    'ts,event,cpu,socket,state,rxhash,queue,skb',
    '10,recvmsg,1,0xs1,1,0x0000e001,,',
    '20,packet,0,,,0x0000e001,,',
    '',
  ].join('\n');
}

describe('the sampling rule in the header', () => {
  it('is read into the header and reported with the replay', async () => {
    const path = writeTrace(trace('# sample_shift=9 sample_bits=4 capture_lost_events=0'));
    expect((await readHeader(path))?.sampling).toEqual({ shift: 9, bits: 4 });
    const r = await replayFile(path, { configs: [{}] });
    expect(r.trace.sampling).toEqual({ sample_shift: 9, sample_bits: 4, one_in: 16, exact_from_entries: 8192, applied: 'trace' });
    expect(r.configs[0].sampling?.global_table_exact).toBe(true);
  });

  it('may be split over lines and repeated with the same value (numbers by value)', async () => {
    const path = writeTrace(trace('# sample_shift=9\n# sample_bits=4 sample_shift=09'));
    expect((await readHeader(path))?.sampling).toEqual({ shift: 9, bits: 4 });
  });

  it('is absent from a whole trace', async () => {
    const path = writeTrace(trace('# free text'));
    expect((await readHeader(path))?.sampling).toBeUndefined();
    expect((await replayFile(path, { configs: [{}] })).trace.sampling).toBeUndefined();
  });

  it.each([
    ['# sample_shift=32 sample_bits=1', '3:16: sample_shift must be an integer from 0 to 31 (the lowest sampled hash bit), found "32"'],
    ['# sample_shift=x sample_bits=1', '3:16: sample_shift must be an integer from 0 to 31 (the lowest sampled hash bit), found "x"'],
    ['# sample_shift=9 sample_bits=0', '3:30: sample_bits must be an integer from 1 to 32 (flows kept: one in 2^sample_bits), found "0"'],
    ['# sample_shift=9 sample_bits=-4', '3:30: sample_bits must be an integer from 1 to 32 (flows kept: one in 2^sample_bits), found "-4"'],
    ['# sample_shift=30 sample_bits=4', '3:31: sample_shift=30 with sample_bits=4 names hash bits up to 33, but the flow hash has 32 bits (0..31)'],
    ['# sample_bits=4', '3:3: sample_bits= needs sample_shift= on the header too: a sampling rule is both'],
    ['#  sample_shift=9', '3:4: sample_shift= needs sample_bits= on the header too: a sampling rule is both'],
    ['# sample_shift=9 sample_bits=4\n# sample_bits=5', '4:3: header key sample_bits is given twice with different values (4 and 5)'],
  ])('%s is refused at its position', async (line, want) => {
    const path = writeTrace(trace(line));
    await expect(readHeader(path)).rejects.toThrow(`${path}:${want}`);
    await expect(replayFile(path, { configs: [{}] })).rejects.toThrow(`${path}:${want}`);
  });
});
