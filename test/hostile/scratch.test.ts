import { it } from 'vitest';
import { bothReaders, verdict, writeInput } from './harness.js';
const H = '# rfs-trace v1\n# nr_cpu_ids=2 rps_sock_flow_entries=64\n# queue=q0 rps_cpus=3 rps_flow_cnt=64\nts,event,cpu,socket,state,rxhash,queue,skb\n';
const R = '1000,recvmsg,1,0xs1,1,0x10,,\n2000,packet,0,,,0x10,q0,0xk1\n';
const cases: Record<string, string> = {
  ok: H + R,
  quoteUnclosed: H + '1000,"recvmsg,1,0xs1,1,0x10,,\n' + R,
  quoteAfter: H + '1000,"recvmsg"x,1,0xs1,1,0x10,,\n',
  quoteMid: H + '1000,rec"vmsg,1,0xs1,1,0x10,,\n',
  quotedThenBad: H + '1000,"recvmsg",1,"0xs1",1,0x1g,,\n',
  shortRow: H + '1000,recvmsg\n',
  shortRow2: H + '1000\n',
  extraAndBad: H + '1000,bogus,1,0xs1,1,0x10,,,x\n',
  nulInIgnored: H.replace('skb', 'skb,note') + '1000,recvmsg,1,0xs1,1,0x10,,,a\x00b\n',
  lateComment: H + R + '# rfs-trace v1\n',
  repeatedHeader: H + R + 'ts,event,cpu,socket,state,rxhash,queue,skb\n',
  bigTs: H + '9999999999999999,recvmsg,1,0xs1,1,0x10,,\n',
  leadingZeros: H + '0000000000000000001000,recvmsg,0001,0xs1,001,0x0000000010,,\n2000,packet,0,,,0x10,q0,0xk1\n',
  cpuHuge: H + '1000,recvmsg,99999999999999999999,0xs1,1,0x10,,\n',
  commentQuote: '# rfs-trace v1\n# nr_cpu_ids=2 note="a,b\n' + H.split('\n').slice(2).join('\n') + R,
  blankFirst: '\n' + H + R,
  allBlank: '\n\n  \n',
  quotesOnlyRow: H + R + '"",""\n',
  headerQuoted: H.replace('ts,event', '"ts","event"') + R,
  headerQuotedComma: H.replace('skb', '"a,b",skb') + '1000,recvmsg,1,0xs1,1,0x10,,x,\n',
  maskBeyond: H.replace('rps_cpus=3', 'rps_cpus=f') + R,
  queueInline: H.replace('rps_sock_flow_entries=64', 'rps_sock_flow_entries=64 queue=x') + R,
  crMid: H + '1000,recv\rmsg,1,0xs1,1,0x10,,\n',
  macLines: (H + R).replace(/\n/g, '\r'),
  noLfEnd: H + R.trimEnd(),
  headerOnly: H,
  badThenQuote: H + '1000,bogus,1,0xs1,1,"0x10,,\n',
  quoteInSocket: H + '1000,recvmsg,1,0x"s1,1,0x10,,\n',
  quotedSocketQuote: H + '1000,recvmsg,1,"a""b",1,0x10,,\n2000,packet,0,,,0x10,q0,0xk1\n',
  emptyQuotedExtra: H + '1000,recvmsg,1,0xs1,1,0x10,,,""\n2000,packet,0,,,0x10,q0,0xk1\n',
  headerMidQuote: H.replace('skb', 'sk"b') + R,
  queueQuote: H.replace('queue=q0', 'queue=q"0') + R,
  lenientMix: H + R + '1000,bogus,1\n3000,recvmsg,9,0xs2,1,0x1,,\n4000,recvmsg,1,0xs3,1,0x1,,\n',
  trailingBlank: '# rfs-trace v1\n# nr_cpu_ids=2\n\n\n',
};
it('scratch', async () => {
  for (const [name, text] of Object.entries(cases)) {
    const p = writeInput(text, `scratch-${name}.csv`);
    const { fast, ref } = await bothReaders(p, name.startsWith('lenient') ? { lenient: true } : {});
    const a = JSON.stringify(verdict(fast)), b = JSON.stringify(verdict(ref));
    console.log(name.padEnd(18), a === b ? 'SAME' : 'DIFF', fast.ok ? 'ok rows=' + fast.result.trace.rows : fast.line.replace(p, 'F'));
    if (a !== b) console.log('   ref:', ref.ok ? 'ok rows=' + ref.result.trace.rows : ref.line.replace(p, 'F'));
  }
});
