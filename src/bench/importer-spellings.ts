/**
 * The bench's canonical trace written as the tools' own output that the
 * importers read (src/ingest/importers), and, for each, the v1 trace of
 * exactly what that output carries ("restricted"): the fair reference an
 * importer's replay is timed and counted against (bench/README.md).
 *
 * - bpftrace text and `-f json`: the rfs-capture protocol our `capture`
 *   program prints (capture-protocol.ts). It carries every row; the only
 *   thing added is an skb address for a packet that has none (the protocol
 *   has one; the bench trace has no deliver rows, so nothing pairs them).
 * - perf script (`--ns --header`): packets (net:netif_receive_skb_entry:
 *   hash and skbaddr, no queue: the importer gives the trace its implicit
 *   queue), deliveries (net:netif_receive_skb: skbaddr only), receives and sends (sock:sock_recv_length / sock_send_length:
 *   the socket, no sk_rxhash, no state). accept, splice and state rows have
 *   no event perf can print them with (inet_sock_set_state's print format
 *   names no socket) and are left out.
 * - ftrace as `trace-cmd report -R` (raw fields, ns timestamps): what perf
 *   carries, plus state rows (skaddr, newstate; no sk_rxhash).
 */
import { createReadStream, createWriteStream, existsSync, renameSync } from 'node:fs';
import { finished } from 'node:stream/promises';
import { BatchedLines, CANONICAL, CPU, chunkLines, EVENT, type Fields, QUEUE, RXHASH, SKB, SOCKET, STATE, TS } from './spellings.js';

const V1_COLUMNS = CANONICAL.join(',');

/** Per-trace state a writer keeps: header comments seen, packets numbered, devices by index. */
interface Context {
  /** `#` lines of the canonical header, without the magic. */
  comments: string[];
  nrCpuIds: string;
  /** Packets so far (their skb addresses). */
  packets: number;
  /** Device name → ifindex (from the queue names). */
  ifindex: Map<string, number>;
}

export interface ImporterSpelling {
  /** File name part, and the importer's format name (provenance). */
  name: string;
  format: string;
  what: string;
  /** File extension. */
  ext: string;
  /** The restricted v1 trace's file name part (spellings carrying the same share it). */
  restricted: string;
  /** What `replay` needs besides the file, for both it and its restricted trace (the tracepoint formats carry no table size). */
  replayArgs: string[];
  /** Lines before the first row, once the canonical header is read. */
  head(c: Context): string[];
  /** A canonical row's line(s) in this format ('' for none). */
  row(f: Fields, c: Context, skb: string): string;
  /** Lines after the last row. */
  tail?(c: Context): string[];
  /** The restricted v1 header's `#` lines. */
  restrictedHead(c: Context): string[];
  /** The canonical row as the importer reads it from this format: v1 fields, or null when the format cannot carry it. */
  restrict(f: Fields, skb: string): Fields | null;
}

/** An skb address for the n-th packet (as the kernel's slab hands them out: distinct while in flight). */
function skbOf(n: number): string {
  return `0xffff8882${(n * 0x100).toString(16).padStart(8, '0')}`;
}

/** Nanoseconds → seconds with 9 decimals, as perf --ns and trace-cmd report print them. */
function seconds(ns: string): string {
  const s = ns.padStart(10, '0');
  return `${s.slice(0, -9)}.${s.slice(-9)}`;
}

function devAndQueue(queue: string): [string, number] {
  const i = queue.lastIndexOf(':');
  return [queue.slice(0, i), Number(queue.slice(i + 1))];
}

const hashDecimal = (h: string): string => String(Number(h));

/** Capture protocol line of a canonical row (capture-protocol.ts). */
function protocolLine(f: Fields, c: Context, skb: string): string {
  switch (f[EVENT]) {
    case 'packet': {
      const [dev, q] = devAndQueue(f[QUEUE]);
      return `pkt ${f[TS]} ${f[CPU]} e ${skb} ${hashDecimal(f[RXHASH])} ${q + 1} ${c.ifindex.get(dev)}`;
    }
    case 'deliver': {
      const [dev, q] = devAndQueue(f[QUEUE]);
      return `dlv ${f[TS]} ${f[CPU]} ${skb} ${hashDecimal(f[RXHASH])} ${q + 1} ${c.ifindex.get(dev)}`;
    }
    case 'state':
      return `st ${f[TS]} ${f[CPU]} ${f[SOCKET]} 1 ${f[STATE]} ${hashDecimal(f[RXHASH])}`;
    default:
      return `rec ${f[TS]} ${f[CPU]} ${f[EVENT][0] === 'r' ? 'r' : f[EVENT][0] === 's' ? (f[EVENT] === 'splice' ? 'p' : 's') : 'a'} ${f[SOCKET]} ${f[STATE] === '' ? 0 : f[STATE]} ${hashDecimal(f[RXHASH])}`;
  }
}

function protocolHead(c: Context): string[] {
  return [
    'rfs-capture v1',
    ...c.comments.filter((l) => l.includes('=')).map((l) => `cfg ${l.replace(/^#\s*/, '')}`),
    ...[...c.ifindex].map(([dev, i]) => `ifname ${i} ${dev}`),
  ];
}

/** What both bpftrace spellings carry: every row, and the capture's own counts. */
const BPFTRACE_RESTRICTED = {
  restricted: 'bpftrace.v1',
  replayArgs: [],
  restrictedHead: (c: Context) => [...c.comments, '# capture_lost_events=0 capture_gro_merged=0 capture_reordered=0'],
  restrict: (f: Fields, skb: string) => (f[EVENT] === 'packet' || f[EVENT] === 'deliver' ? [...f.slice(0, 7), skb] : f),
};

/** What the tracepoint formats carry: no queue (the implicit one), no sk_rxhash, no state on records. */
function tracepointRestrict(f: Fields, skb: string, states: boolean): Fields | null {
  switch (f[EVENT]) {
    case 'packet':
      return [f[TS], 'packet', f[CPU], '', '', f[RXHASH], '', skb];
    case 'deliver':
      return [f[TS], 'deliver', f[CPU], '', '', '', '', skb];
    case 'recvmsg':
    case 'sendmsg':
      return [f[TS], f[EVENT], f[CPU], f[SOCKET], '', '0', '', ''];
    case 'state':
      return states ? [f[TS], 'state', f[CPU], f[SOCKET], f[STATE], '0', '', ''] : null;
    default:
      return null;
  }
}

const tracepointHead = (c: Context) => [`# nr_cpu_ids=${c.nrCpuIds}`, '# socket_rxhash=absent'];

/** A packet's tracepoint fields as the kernel prints them (net_dev_rx_verbose_template), `dev`/`name` first. */
function packetFields(devKey: string, f: Fields, skb: string): string {
  const [dev, q] = devAndQueue(f[QUEUE]);
  return `${devKey}=${dev} napi_id=0x0 queue_mapping=${q + 1} skbaddr=${skb} vlan_tagged=0 vlan_proto=0x0000 vlan_tci=0x0000 protocol=0x0800 ip_summed=3 hash=${f[RXHASH]} l4_hash=1 len=1500 data_len=0 truesize=2304 mac_header_valid=1 mac_header=-14 nr_frags=0 gso_size=0 gso_type=0x1`;
}

/** A thread id for a socket row's task: one per CPU, as a pinned worker. */
const tidOf = (cpu: string): number => 4000 + Number(cpu);

export const IMPORTER_SPELLINGS: ImporterSpelling[] = [
  {
    name: 'bpftrace-text',
    format: 'bpftrace-text',
    what: 'bpftrace text output of `capture --print-program` (every row)',
    ext: 'txt',
    ...BPFTRACE_RESTRICTED,
    head: (c) => ['Attaching 24 probes...', ...protocolHead(c)],
    row: protocolLine,
    tail: () => ['end'],
  },
  {
    name: 'bpftrace-json',
    format: 'bpftrace-json',
    what: 'bpftrace -f json output of `capture --print-program` (every row)',
    ext: 'json',
    ...BPFTRACE_RESTRICTED,
    head: (c) => ['{"type": "attached_probes", "data": {"probes": 24}}', ...protocolHead(c).map(jsonPrintf)],
    row: (f, c, skb) => jsonPrintf(protocolLine(f, c, skb)),
    tail: () => [jsonPrintf('end')],
  },
  {
    name: 'perf-script',
    format: 'perf-script',
    what: 'perf script --ns --header (packets, receives and sends; no hash on socket rows, no queue, no state)',
    ext: 'txt',
    restricted: 'perf-script.v1',
    replayArgs: ['--entries', '32768'],
    head: (c) => ['# ========', `# nrcpus avail : ${c.nrCpuIds}`, '# ========', '#'],
    row(f, _c, skb) {
      const cpu = f[CPU].padStart(3, '0');
      const at = seconds(f[TS]);
      switch (f[EVENT]) {
        case 'packet':
          return `         swapper/${f[CPU]}       0 [${cpu}] ${at}: net:netif_receive_skb_entry: ${packetFields('dev', f, skb)}`;
        case 'deliver':
          return `         swapper/${f[CPU]}       0 [${cpu}] ${at}: net:netif_receive_skb: dev=${devAndQueue(f[QUEUE])[0]} skbaddr=${skb} len=1500`;
        case 'recvmsg':
        case 'sendmsg':
          return `           nginx ${String(tidOf(f[CPU])).padStart(7)} [${cpu}] ${at}: sock:sock_${f[EVENT] === 'recvmsg' ? 'recv' : 'send'}_length: sk address = ${f[SOCKET]}, family = AF_INET protocol = IPPROTO_TCP, length = 1448, error = 0, flags = 0x40`;
        default:
          return '';
      }
    },
    restrictedHead: tracepointHead,
    restrict: (f, skb) => tracepointRestrict(f, skb, false),
  },
  {
    name: 'ftrace',
    format: 'ftrace',
    what: 'trace-cmd report -R (raw fields; packets, receives, sends and state changes; no hash on socket rows, no queue)',
    ext: 'txt',
    restricted: 'ftrace.v1',
    replayArgs: ['--entries', '32768'],
    head: (c) => [`cpus=${c.nrCpuIds}`],
    row(f, _c, skb) {
      const cpu = f[CPU].padStart(3, '0');
      const at = seconds(f[TS]);
      switch (f[EVENT]) {
        case 'packet':
          return `          <idle>-0     [${cpu}] ${at}: netif_receive_skb_entry: ${packetFields('name', f, skb)}`;
        case 'deliver':
          return `          <idle>-0     [${cpu}] ${at}: netif_receive_skb:     skbaddr=${skb} len=1500 name=${devAndQueue(f[QUEUE])[0]}`;
        case 'recvmsg':
        case 'sendmsg':
          return `           nginx-${tidOf(f[CPU])}  [${cpu}] ${at}: sock_${f[EVENT] === 'recvmsg' ? 'recv' : 'send'}_length:      sk=${f[SOCKET]} family=2 protocol=6 ret=1448 flags=64`;
        case 'state':
          return `           nginx-${tidOf(f[CPU])}  [${cpu}] ${at}: inet_sock_set_state:   skaddr=${f[SOCKET]} oldstate=1 newstate=${f[STATE]} sport=7070 dport=40000 family=2 protocol=6 saddr=ARRAY[0a, 00, 00, 01] daddr=ARRAY[0a, 00, 00, 02] saddr_v6= daddr_v6=`;
        default:
          return '';
      }
    },
    restrictedHead: tracepointHead,
    restrict: (f, skb) => tracepointRestrict(f, skb, true),
  },
];

function jsonPrintf(text: string): string {
  return `{"type": "printf", "data": ${JSON.stringify(`${text}\n`)}}`;
}

/** The spelled file of `canonical` (bench-2m.csv → bench-2m.perf-script.txt). */
export function importerSpelledPath(canonical: string, s: ImporterSpelling): string {
  return canonical.replace(/\.csv$/, `.${s.name}.${s.ext}`);
}

/** The restricted v1 trace of `canonical` for `s` (bench-2m.csv → bench-2m.perf-script.v1.csv). */
export function restrictedPath(canonical: string, s: ImporterSpelling): string {
  return canonical.replace(/\.csv$/, `.${s.restricted}.csv`);
}

/** Writes `canonical` in `s`'s format and its restricted v1 trace (unless they exist); returns both paths. */
export async function ensureImporterSpelled(canonical: string, s: ImporterSpelling): Promise<{ path: string; restricted: string }> {
  const path = importerSpelledPath(canonical, s);
  const restricted = restrictedPath(canonical, s);
  for (const [to, what] of [
    [path, 'spelled'],
    [restricted, 'restricted'],
  ] as const) {
    if (existsSync(to)) continue;
    process.stderr.write(`writing ${canonical} as ${s.name} (${what}) ...\n`);
    await writeImporterSpelling(canonical, `${to}.tmp`, s, what === 'restricted');
    renameSync(`${to}.tmp`, to);
  }
  return { path, restricted };
}

/** Rows of a v1 trace (lines after the header row), counted. */
export async function countRows(path: string): Promise<number> {
  let lines = 0;
  let header = 0;
  let atLineStart = true;
  let inHeader = true;
  for await (const chunk of createReadStream(path, { highWaterMark: 1 << 20 })) {
    const b = chunk as Buffer;
    for (let i = 0; i < b.length; i++) {
      if (atLineStart && inHeader) {
        // '#' lines, then the header row, then rows.
        header++;
        if (b[i] !== 0x23) inHeader = false;
      }
      atLineStart = b[i] === 0x0a;
      if (atLineStart) lines++;
    }
  }
  return lines - header;
}

/** Rewrites the v1 trace at `from` (canonical spelling, LF) into `to`: `s`'s format, or (`restricted`) the v1 trace of what it carries. */
export async function writeImporterSpelling(from: string, to: string, s: ImporterSpelling, restricted = false): Promise<void> {
  const out = createWriteStream(to);
  const c: Context = { comments: [], nrCpuIds: '', packets: 0, ifindex: new Map() };
  const lines = new BatchedLines(out);
  let inRows = false;
  const emit = (l: string) => lines.add(`${l}\n`);
  const line = (l: string) => {
    if (!inRows) {
      if (l.startsWith('#')) {
        if (/^#\s*rfs-trace\b/.test(l)) return;
        c.comments.push(l);
        const nr = /\bnr_cpu_ids=(\d+)/.exec(l);
        if (nr) c.nrCpuIds = nr[1];
        const q = /^# queue=(\S+)/.exec(l);
        if (q) {
          const [dev] = devAndQueue(q[1]);
          if (!c.ifindex.has(dev)) c.ifindex.set(dev, c.ifindex.size + 2);
        }
        return;
      }
      inRows = true; // the header row: canonical columns
      if (restricted) {
        emit('# rfs-trace v1');
        for (const h of s.restrictedHead(c)) emit(h);
        emit(V1_COLUMNS);
      } else {
        for (const h of s.head(c)) emit(h);
      }
      return;
    }
    if (l === '') return;
    const f = l.split(',');
    // The trace's own skb (deliver rows pair by it), else one per packet.
    const skb = f[SKB] !== '' ? f[SKB] : f[EVENT] === 'packet' ? skbOf(c.packets++) : '';
    if (restricted) {
      const r = s.restrict(f, skb);
      if (r) emit(r.join(','));
    } else {
      const text = s.row(f, c, skb);
      if (text !== '') emit(text);
    }
  };
  for await (const parts of chunkLines(from)) {
    for (const p of parts) line(p);
    await lines.flushIfFull();
  }
  if (!restricted) for (const t of s.tail?.(c) ?? []) emit(t);
  await lines.flush();
  out.end();
  await finished(out);
}
