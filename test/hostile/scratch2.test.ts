import { it } from 'vitest';
import { bothReaders, verdict, writeInput } from './harness.js';
import { caseBytes } from './mutate.js';
it('one', async () => {
  const c = JSON.parse(process.env.CASE!);
  const bytes = caseBytes(c);
  console.log(JSON.stringify(bytes.toString('latin1').slice(-200)));
  const p = writeInput(bytes);
  const { fast, ref } = await bothReaders(p, { lenient: c.lenient, chunkSize: c.chunkSize });
  console.log('fast', fast.ok ? 'ok ' + fast.result.trace.rows : fast.line);
  console.log('ref ', ref.ok ? 'ok ' + ref.result.trace.rows : ref.line);
});
