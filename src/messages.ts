/**
 * Every user-facing message text lives here, grouped by pipeline phase, so
 * wording stays consistent and tests can match the exact text.
 * Sections: ingest, options, replay, report, capture, generate.
 */

// ---- ingest ---------------------------------------------------------------
export const msg = {
  emptyFile: () => 'empty file: expected "# rfs-trace v1" on the first line',
  blankFirstLine: () => 'the first line is blank: expected "# rfs-trace v1" there',
  missingMagic: (got: string) => `expected "# rfs-trace v1" on the first line, found ${quote(got)}`,
  unknownVersion: (v: string) => `unknown trace format version "${v}" (this rfs-replay reads v1)`,
  noHeaderRow: () => 'expected a header row naming the columns (ts,event,cpu,socket,state,rxhash,queue,skb), found end of file',
  missingColumn: (name: string) => `header row lacks the required column "${name}"`,
  duplicateColumn: (name: string) => `header row names the column "${name}" twice`,
  badHeaderPair: (text: string) => `expected key=value in the header comment, found ${quote(text)}`,
  conflictingKey: (key: string, a: string, b: string) => `header key ${key} is given twice with different values (${a} and ${b})`,
  badHeaderNumber: (key: string, text: string) => `${key} must be a non-negative integer, found ${quote(text)}`,
  sockEntriesTooLarge: (text: string) => `rps_sock_flow_entries ${clip(text)} is above the kernel's limit of 536870912 (2^29)`,
  flowCntTooLarge: (text: string) => `rps_flow_cnt ${clip(text)} is above the kernel's limit of 1073741824 (2^30)`,
  queueKeyRepeated: (key: string) => `the queue line gives ${key} twice`,
  badNrCpuIds: (text: string) => `nr_cpu_ids must be an integer from 1 to 65535, found ${quote(text)}`,
  queueLineNeedsName: () => 'a queue line needs queue=NAME first, then rps_cpus=HEXMASK rps_flow_cnt=N',
  duplicateQueue: (name: string) => `queue "${name}" is declared twice`,
  badHexMask: (text: string) => `rps_cpus must be a hex CPU mask such as 3 or ff,ffffffff, found ${quote(text)}`,
  maskBeyondCpus: (mask: string, cpu: number, nr: number) => `rps_cpus=${mask} names CPU ${cpu}, but nr_cpu_ids is ${nr}`,
  missingNrCpuIds: () => 'the trace header has no nr_cpu_ids and --cpus was not given',
  unknownEvent: (text: string) => `expected an event (recvmsg, sendmsg, accept, splice, state, packet, deliver), found ${quote(text)}`,
  badTs: (text: string) => `expected ts as a non-negative integer number of nanoseconds, found ${quote(text)}`,
  tsTooLarge: (text: string) => `ts ${clip(text)} is above 9007199254740991 (2^53-1), the largest timestamp held exactly`,
  badCpu: (text: string) => `expected cpu as a non-negative integer, found ${quote(text)}`,
  cpuOutOfRange: (text: string, nr: number) => `cpu ${clip(text)} is out of range: nr_cpu_ids is ${nr}`,
  cpuBeyondWhatIf: (text: string, cpus: number) =>
    `cpu ${clip(text)} does not exist with --cpus ${cpus}: the trace uses this CPU, so a what-if needs nr_cpu_ids of at least ${Number(text) + 1 || cpus + 1}`,
  cpusWhatIfLenient: (cpus: number, nr: number) =>
    `--cpus ${cpus} is below the trace's nr_cpu_ids (${nr}), and --lenient would skip the rows on the missing CPUs: drop --lenient, or ask for at least the CPUs the trace uses`,
  missingCpu: () => 'expected a cpu, found an empty field',
  badRxhash: (text: string) => `expected rxhash as an unsigned 32-bit integer (decimal or 0x hex), found ${quote(text)}`,
  rxhashTooLarge: (text: string) => `rxhash ${text} does not fit in 32 bits (maximum 4294967295 = 0xffffffff)`,
  badState: (text: string) => `expected a TCP state (1..12 or a name such as ESTABLISHED, TCP_CLOSE), found ${quote(text)}`,
  missingState: () => 'a state event needs the state column',
  missingSocket: () => 'a socket event needs the socket column',
  unknownQueue: (name: string, known: string[]) => `queue ${quote(name)} is not declared in a "# queue=" line (declared: ${known.join(', ')})`,
  binaryJunk: (byte: number) =>
    byte === 0x0d
      ? 'unexpected carriage return (0x0d) inside a line: lines must end in LF or CRLF'
      : `unexpected byte 0x${byte.toString(16).padStart(2, '0')} (binary data in a text trace)`,
  lineTooLong: (max: number) => `line is longer than ${max} bytes: not a trace line (binary data, or no line endings?)`,
  unterminatedQuote: () => 'a quoted field is not closed before the end of the line',
  charAfterQuote: (text: string) => `expected a comma after the closing quote, found ${quote(text)}`,
  quoteInField: () => 'a quote inside an unquoted field (quote the whole field and double the quote: "a""b")',
  badQueueName: (name: string) => `queue name ${quote(name)} cannot be used in rows: it holds a comma or a quote`,
  lateComment: () => 'a "#" comment line after the header row: comments must come before it (were two traces concatenated?)',
  repeatedHeaderRow: (first: number) => `the header row appears again (first on line ${first}): were two traces concatenated?`,
  truncatedGzip: (offset: number, size: number) => `gzip data ends early or is corrupt (failed at or before compressed byte ${offset} of ${size})`,
  headerOnly: () => 'the trace has a header but no rows',
  allRowsSkipped: (n: number, firstLine: number) => `every row is bad: all ${n} were skipped (--lenient), the first on line ${firstLine}; nothing to replay`,
  tooManyFields: (n: number, cols: number) => `row has ${n} fields but the header row names ${cols} columns`,
};

/** An integer with thousands separators, locale-independent (tests compare exact text): 30,197. */
export function grouped(n: number): string {
  const s = Math.round(Math.abs(n))
    .toString()
    .replace(/\B(?=(\d{3})+(?!\d))/g, ',');
  return n < 0 ? `-${s}` : s;
}

/** A count and its noun, singular for exactly one: "1 row", "2,683 rows". */
export function counted(n: number, singular: string, plural = `${singular}s`): string {
  return `${grouped(n)} ${n === 1 ? singular : plural}`;
}

function quote(s: string): string {
  const shown = s.length > 40 ? `${s.slice(0, 40)}…` : s;
  return JSON.stringify(shown);
}

/** A number as written, cut short when a hostile file gives thousands of digits. */
function clip(s: string): string {
  return s.length > 40 ? `${s.slice(0, 40)}…` : s;
}

// ---- the command line ---------------------------------------------------------
export const cliMsg = {
  tagline: () => "Replay Linux Receive Flow Steering traces through a faithful model of the kernel's flow tables.",
  nameACommand: () => 'Name a command: replay, report, validate, capture or generate (see --help).',
  optionNeedsValue: (name: string) => `${name.length === 1 ? '-' : '--'}${name} needs a value after it`,
  readingStdin: () => 'reading the trace from standard input (end it with Ctrl-D)',
};

// ---- --help: what each command and option is (the README's usage section quotes these) ----
const TRACE_FORMATS =
  'a v1 trace (CSV, optionally gzip), the output of the capture program run by bpftrace, perf script text or ftrace / trace-cmd text, detected by content; - reads standard input';
const KERNEL_HELP =
  "kernel releases to model, e.g. 6.18 or 5.10.0-23-amd64, or profile names (6.16, 6.15, 4.10, 4.0, 3.19); several with commas (default: the profile of the trace's kernel= header, else 6.16)";
export const helpMsg = {
  trace: `trace file: ${TRACE_FORMATS}`,
  kernel: KERNEL_HELP,
  cpus: "nr_cpu_ids what-ifs, e.g. 4,8, replayed next to the trace's own nr_cpu_ids, which always stays (the first also stands in for a header without one)",
  fifoNs: "model each CPU backlog as a FIFO that processes one packet every N ns, instead of the trace's deliver rows (without them, queue heads move at once)",
  lenient: 'skip bad rows (counted by reason) instead of stopping at the first',
  progress: 'show a progress bar on stderr (--no-progress to hide)',
  openLoop: 'what-ifs with every socket call on its captured CPU only (no closed loop: threads never follow their packets; no ranges)',
  keepSample: 'count only the flows capture --sample 1/N would keep (every row still replayed): 1/N, N a power of two',
  sampleShift: (defaultShift: number) => `lowest hash bit of the sampling rule [default: ${defaultShift}, above a 512-entry RSS indirection table]`,
  capture: {
    command: 'Record a v1 trace of this machine with bpftrace and perf (root)',
    output: 'Trace file to write (.gz: compressed)',
    duration: 'Seconds to capture (default: until Ctrl-C)',
    netns: 'Network namespace of the device (a name from ip netns list); sockets are recorded in every namespace',
    dev: 'Only packets of this device (in --netns)',
    socketNetns: 'Only socket events of this namespace (the table is shared by all: hints of the others are missed)',
    deliverProbe: 'Who records deliveries: perf (all of them), bpftrace (also sees hashes computed during steering), auto (perf for loopback and veth)',
    printProgram: 'Print one bpftrace program of both sides instead of capturing',
    sample: 'Keep only the flows whose hash has log2(N) chosen bits zero, filtered in the kernel: 1/N, N a power of two',
    examples: [
      ['sudo $0 capture --duration 5 -o traces/mine.csv.gz', 'five seconds of the whole machine'],
      ['sudo $0 capture --duration 10 --netns B --dev vethB -o t.csv', 'packets of vethB in namespace B, sockets of every namespace'],
      ['sudo $0 capture --sample 1/16 --duration 5 -o t.csv', 'one flow in 16, filtered in the kernel (docs/model.md#flow-sampling)'],
      [
        '$0 capture --print-program > rfs.bt\nsudo bpftrace -f json rfs.bt > mine.json',
        'run bpftrace yourself, on the machine the program was printed on; rfs-replay reads mine.json',
      ],
    ] as [string, string][],
  },
  replay: {
    command: 'Replay a trace through the kernel RFS model and print the metrics of each configuration',
    entries: 'net.core.rps_sock_flow_entries values to replay, e.g. 256,1024,32768 (default: the trace header)',
    flowCnt: 'rps_flow_cnt for every RX queue, e.g. 64,4096 (default: the trace header)',
    rpsCpus: 'rps_cpus hex mask for every RX queue, e.g. ff',
    json: 'also write the full result as JSON to this file (- for standard output)',
    reader: 'trace reader: fast (the byte scanner), csv-parse (the reference reader, held to the scanner on every input)',
    timeline: 'include the time-binned series in the JSON',
    examples: [
      ['rfs-replay replay traces/default.csv.gz', 'replay with the configuration recorded in the trace'],
      ['rfs-replay replay t.csv.gz --entries 256,4096,32768 --json out.json', 'three global table sizes in one pass'],
      ['zcat t.csv.gz | rfs-replay replay - --kernel 6.18,5.10', 'a trace on standard input, as two kernel releases would steer it'],
    ] as [string, string][],
  },
  report: {
    command: 'Replay a trace across table sizes and write an HTML + JSON report with a size recommendation',
    trace: `trace files or folders of traces; each file: ${TRACE_FORMATS}. Several: one comparison report too`,
    output: 'HTML report path (default reports/NAME.html; with several traces, the comparison report)',
    entries: 'global table sizes to sweep, e.g. 256,1024,65536 (default: every power of two 64..262144)',
    flowCnt: 'per-queue table sizes to sweep (default: every power of two 8..32768)',
    kernel: `${KERNEL_HELP}; the first is the main one`,
    json: 'JSON path (default: the HTML path with .json; - for standard output)',
    examples: [
      ['rfs-replay report traces/default.csv.gz', 'writes reports/default.html and reports/default.json'],
      ['rfs-replay report traces/scenarios --kernel 6.18,5.10', 'one report per trace plus a comparison report'],
      ['rfs-replay report traces/scenarios/small-table.csv.gz --cpus 64,4096', "hit and alias rates at the trace's own nr_cpu_ids, 64 and 4096"],
    ] as [string, string][],
  },
  validate: {
    command: 'Check the model against the kernel: replay a trace with deliver rows and explain every disagreement',
    trace: `trace with deliver rows: ${TRACE_FORMATS}`,
    minAgreement: 'exit 1 when agreement is below this (0..1)',
    json: 'also write the report as JSON to this file (- for standard output)',
    cpus: 'nr_cpu_ids when the trace header has none',
    lenient: 'skip bad rows (counted) instead of stopping at the first',
    predict: 'another trace with deliver rows: replay <trace> at its configuration and compare with what its kernel achieved',
    examples: [
      ['rfs-replay validate traces/mine.csv.gz', "how often the model picks the kernel's CPU, and why not"],
      ['rfs-replay validate small.csv.gz --predict large.csv.gz', "the large table's locality predicted from the small one, and the error"],
    ] as [string, string][],
  },
};

// ---- options ----------------------------------------------------------------
export const optMsg = {
  badCount: (what: string, text: string) => `${what} must be a non-negative integer, got "${text}"`,
  countTooLarge: (what: string, n: number, max: number) => `${what} ${n} is above the kernel's limit of ${max}`,
  badCpus: (text: string) => `--cpus must be an integer from 1 to 65535, got "${text}"`,
  unknownKernel: (text: string) => `--kernel expects kernel releases such as 6.18 or 5.10.0-23-amd64 (2.6.35 or later, when RFS began), got ${quote(text)}`,
  badRpsCpus: (text: string) => `--rps-cpus must be a hex CPU mask such as 3 or ff,ffffffff, got "${text}"`,
  rpsCpusBeyond: (mask: string, nr: number) => `--rps-cpus ${mask} names CPUs at or above nr_cpu_ids ${nr}`,
  badList: (opt: string, text: string) => `${opt} expects a comma-separated list of integers, got "${text}"`,
  tablesTooLarge: (bytes: number, limit: number) =>
    `the replayed tables would need ${(bytes / 2 ** 30).toFixed(1)} GiB of memory (limit ${(limit / 2 ** 30).toFixed(1)} GiB): replay fewer or smaller configurations (--entries, --flow-cnt)`,
  badFifo: (text: string) => `--fifo-ns must be a positive integer number of nanoseconds, got "${text}"`,
  cpusList: (text: string) => `--cpus expects one nr_cpu_ids or a comma-separated list of them, each from 1 to 65535, got "${text}"`,
  jsonNeedsPath: () => '--json needs a file name (or - for standard output)',
  noSuchFile: (path: string) => `cannot read ${path}: no such file`,
  unreadable: (path: string, why: string) => `cannot read ${path}: ${why}`,
  notAFile: (path: string) => `cannot read ${path}: it is a directory`,
  cannotWriteOutput: (path: string, why: string) => `cannot write ${path}: ${why}`,
  outOfMemory: (detail: string) => `not enough memory to model the configured tables (${detail}); try smaller --entries / --flow-cnt or fewer configurations`,
};

// ---- replay -----------------------------------------------------------------
export const replayMsg = {
  noConfigs: () => 'no configuration to replay',
  /** A worker thread ended (process.exit(), killed, out of memory) without posting an error. */
  threadExited: (thread: 'replay' | 'parse', code: number) => `the ${thread} thread stopped without reporting an error (exit code ${code})`,
};

// ---- report -----------------------------------------------------------------
export const reportMsg = {
  emptyFolder: (dir: string) => `folder ${dir} holds no traces (files ending in .csv, .csv.gz or .gz)`,
  sizeOutOfRange: (opt: string, n: number, max: number) => `${opt} sizes must be from 1 to ${max}, got ${n}`,
  outputNotHtml: (path: string) => `-o expects a path ending in .html, got "${path}"`,
  jsonWithSeveral: () => '--json names one file, but several traces were given; each trace gets NAME.json next to its report',
  duplicateName: (name: string, a: string, b: string) =>
    `two traces would both write reports/${name}.html (${a} and ${b}); rename one or report them separately`,
  wrote: (what: string, path: string, replaced = false) => `${what}: ${path}${replaced ? ' (replaced the earlier file)' : ''}`,
  writingReport: () => 'writing the report (rendering its charts)…',
  engineMismatch: (asked: number, got: number) => `internal error: asked the replay engine for ${asked} configurations, got ${got}`,
  sweepTooSmall: (largest: number, flows: number, suggest: string) =>
    `the sweep stopped at ${grouped(largest)} slots but the trace has ${counted(flows, 'distinct flow')}; pass --entries ${suggest} to extend it`,
  headerBeyondSweep: (header: number, largest: number) =>
    `the trace's configured table (${header} slots) is larger than a quarter of the largest size swept (${largest}); pass --entries to extend the sweep`,
  recommendationAtEdge: (largest: number) =>
    `the advice is the largest size tried (${largest}): locality was still rising there, so a larger table may help further (pass --entries to extend the sweep)`,
  noLocality: () =>
    'no packet could be matched to a later socket call of its flow (packets with hash 0, or flows never used again), so locality cannot be measured and no size can be judged',
  noDeliver: () => 'the trace has no deliver rows, so the model cannot be compared with the kernel',
  noSocketSide: (records: number, hashlessFormat: string | null) =>
    `No socket side: ${records === 0 ? 'the trace has no record events (recvmsg, sendmsg, accept, splice)' : `none of the trace's ${counted(records, 'record event')} (recvmsg, sendmsg, accept, splice) wrote a hint: each has hash 0${hashlessFormat ? ` (the ${hashlessFormat} format prints neither the socket's sk_rxhash nor its TCP state)` : ' or a socket that is not ESTABLISHED'}`}. Without it the replay cannot tell which CPU each application used, so it judges no table size (advice: unknown). rfs-replay capture records the socket side.`,
  queueHeadsInstant: () =>
    'queue heads move at once in this replay (no deliver rows, no --fifo-ns), so the ordering guard never holds a packet and per-queue sizes change locality only through flows sharing an entry; pass --fifo-ns to model CPU backlogs',
  // verdict sentences, shared by the HTML, text and JSON reports
  globalKeep: (conf: string, loc: string, best: { size: string; loc: string; change: string; margin: string } | null) =>
    `Keep the global table at ${conf} slots: no size tried moves locality by more than the noise margin. Locality is ${loc} here${best ? `; the best size tried, ${best.size} slots, reaches ${best.loc} (${best.change}, margin ±${best.margin})` : ', and no other size tried reaches more'}.`,
  globalKeepRfsOff: (loc: string, best: { size: string; loc: string; change: string; margin: string } | null) =>
    `Keep RFS off (rps_sock_flow_entries = 0): no global table size tried raises locality by more than the noise margin. Locality is ${loc} with plain RPS${best ? `; the best size tried, ${best.size} slots, reaches ${best.loc} (${best.change}, margin ±${best.margin})` : ''}.`,
  globalChange: (verb: 'Grow' | 'Shrink', from: string, to: string, fromLoc: string, toLoc: string, change: string, margin: string, memory: string) =>
    `${verb} the global table from ${from} to ${to} slots: locality rises from ${fromLoc} to ${toLoc} (${change}, beyond the noise margin of ±${margin}), ${verb === 'Grow' ? `for ${memory} more memory` : `and the tables use ${memory} less memory`}.`,
  globalEnable: (to: string, fromLoc: string, toLoc: string, change: string, margin: string, memory: string) =>
    `Turn RFS on with a global table of ${to} slots: locality rises from ${fromLoc} (plain RPS) to ${toLoc} (${change}, beyond the noise margin of ±${margin}), for ${memory} more memory.`,
  globalChangeCrossCpu: (verb: 'Grow' | 'Shrink', from: string, to: string, loc: string, fromCross: string, toCross: string, change: string, margin: string) =>
    `${verb} the global table from ${from} to ${to} slots: locality stays at ${loc} or better, and the cross-CPU share falls from ${fromCross} to ${toCross} (${change}, beyond its noise margin of ±${margin}).`,
  globalUnknownNoSocket: () =>
    'No advice on the global table size (unknown): no record event in this trace carries a flow hash, so no size can be judged (see the note).',
  globalUnknownNoLocality: () => 'No advice on the global table size (unknown): locality cannot be measured on this trace (see the note).',
  queueKeep: (global: string, fc: string, best: { size: string; loc: string; change: string; margin: string } | null) =>
    `Per-queue tables, with the global table at ${global} slots: keep ${fc} slots per RX queue: no size tried moves locality by more than the noise margin${best ? ` (best: ${best.size} slots, ${best.loc}, ${best.change}, margin ±${best.margin})` : ''}.`,
  queueChange: (
    verb: 'Grow' | 'Shrink',
    global: string,
    from: string,
    to: string,
    fromLoc: string,
    toLoc: string,
    change: string,
    margin: string,
    holdsFrom: string,
    holdsTo: string,
  ) =>
    `Per-queue tables, with the global table at ${global} slots: ${verb.toLowerCase()} from ${from} to ${to} slots per RX queue: locality rises from ${fromLoc} to ${toLoc} (${change}, beyond the noise margin of ±${margin}); ordering holds go from ${holdsFrom} to ${holdsTo} of packets.`,
  queueChangeCrossCpu: (
    verb: 'Grow' | 'Shrink',
    global: string,
    from: string,
    to: string,
    fromCross: string,
    toCross: string,
    change: string,
    margin: string,
  ) =>
    `Per-queue tables, with the global table at ${global} slots: ${verb.toLowerCase()} from ${from} to ${to} slots per RX queue: locality does not fall, and the cross-CPU share falls from ${fromCross} to ${toCross} (${change}, beyond its noise margin of ±${margin}).`,
  queueUnknown: () => 'No advice on the per-queue table size either (unknown).',
  queueRfsOff: () => 'Per-queue tables: no advice while RFS stays off; they are read only after a hit in the global table.',
  hitsNotLocality: (fromHit: string, toHit: string, at: string) =>
    `A larger table raises the hit ratio (${fromHit} here, ${toHit} at ${at} slots), but locality by no more than the noise margin.`,
  limitMigration: (at: string, staleOfHits: string) =>
    `At ${at} slots, ${staleOfHits} of hits point to a CPU the application had left. Thread migration, not table size, limits locality here; pinning the consumer threads to CPUs would help.`,
  limitEmpty: (at: string, share: string) =>
    `At ${at} slots, ${share} of lookups find an empty slot: the flow's application had not used its socket yet (a new connection, or one the capture joined midway) or had closed it. A bigger table does not change this.`,
  limitTableSize: (at: string, share: string) =>
    `At ${at} slots, ${share} of lookups still find another flow's hint in their slot: the largest size tried is too small for the flows in use (see the note on the sweep).`,
  limitInvalidCpu: (at: string, share: string, nr: number) =>
    `At ${at} slots, ${share} of lookups decode to a CPU at or above nr_cpu_ids (${nr}, not a power of two), which no hint can name. The CPU count, not table size, limits locality here.`,
  limitNone: (at: string, loc: string) => `At ${at} slots, nothing limits locality much: ${loc} of resolved packets land on their application's CPU.`,
  noiseMargin: (flows: string) =>
    `Noise margin: the 95% margin for the difference of two shares, counting each of the trace's ${flows} flows as one independent draw (see docs/metrics.md).`,
  rule: () =>
    "Rule: change a size only if its locality beats the configured size's by more than the noise margin (or does not fall and the cross-CPU share falls beyond its own margin); of those sizes, the ones within min(margin, 1 pp) of the best locality tie, and the smallest table wins.",
  noAdvice: () => 'There is nothing to advise: the report has no kernel profile.',
  agreementOnlyOwn: () => "same CPU as the deliver row / delivered packets; only where the kernel ran (the trace's own configuration)",
  traceChanged: (path: string) => `${path} changed while the report read it twice (the per-queue sweep needs a second pass); run the report again`,
  // CPU-count what-if and queue-head model
  cpusFolded: (counts: number[], own: number) =>
    `nr_cpu_ids ${counts.join(', ')} ${counts.length > 1 ? 'are' : 'is'} below the trace's own ${own}: the trace's CPU ids at or above the what-if count are folded onto it (cpu mod nr_cpu_ids), so those replays also move applications and packets, not only the mask.`,
  headsFifo: (ns: number, hasDeliver: boolean) =>
    `--fifo-ns ${ns}: each CPU is modelled as a FIFO that processes one packet every ${ns} ns of trace time; this decides when the ordering guard releases a flow${hasDeliver ? ", instead of the trace's deliver rows (which are still used for agreement)" : ''}.`,
  headsDeliver: () => "queue heads move with the trace's deliver rows (a CPU has processed a packet once its deliver row is seen).",
  headsInstant: () =>
    'queue heads move at once (no deliver rows, no --fifo-ns): every packet counts as processed when it is queued, so the ordering guard never holds one.',
};

// ---- comparison report: one size for the fleet ---------------------------------------
export const comparisonMsg = {
  fleetHeading: () => 'One global size for every trace:',
  fleet: (
    size: string,
    traces: number,
    loc: string,
    best: { size: string; loc: string; tie: string } | null,
    worst: { name: string; loss: string; best: string } | null,
    leftOut: string[],
  ) =>
    `${size} slots, where the locality of the ${traces === 1 ? 'trace' : `${traces} traces`} together (each weighted by its packets) is ${loc}` +
    (best
      ? ` (the best size tried, ${best.size} slots, reaches ${best.loc}: within ${best.tie}, so the smaller table wins)`
      : ', the best of the sizes tried') +
    (worst
      ? `; the trace that loses most there is ${worst.name}, ${worst.loss} against its best size (${worst.best} slots)`
      : '; every trace is at its best size there') +
    (leftOut.length ? `. Left out (no locality to weigh): ${leftOut.join(', ')}` : '') +
    '.',
  noFleet: () => 'none can be judged: no trace measures locality at a size every trace was replayed at.',
  fleetRule: () =>
    "The fleet's size maximises the packet-weighted locality of all traces together; sizes within min(noise margin, 1 pp) of the best tie, and the smallest table wins. Each trace's loss there is against the best locality it reaches alone.",
  loss: (pp: string, best: string) => `${pp} (best ${best})`,
};

// ---- replay: the summary -----------------------------------------------------------
export const summaryMsg = {
  trace: (file: string, rows: string, span: string, packets: string, records: string, flows: string, kernel: string, nr: string) =>
    `${file}: ${rows} over ${span} s — ${packets}, ${records}, ${flows}, kernel ${kernel}, nr_cpu_ids ${nr}`,
  kernelDecisions: (delivers: string, packets: string, unmatched: string) =>
    `kernel decisions: ${delivers}; lost events: ${packets} without deliver, ${unmatched} without packet`,
  kernelAchieved: (loc: string, cross: string, own: [string, string] | null) =>
    `kernel achieved: locality ${loc}, cross-CPU ${cross}${own ? ` (model at the trace's own configuration: ${own[0]}, ${own[1]})` : ''}`,
  timeBackwards: (rows: string) => `time went backwards on ${rows} (capture reordering; replayed in file order)`,
  skipped: (rows: string, reasons: string, first: string) => `skipped ${rows} (--lenient): ${reasons}; first: ${first}`,
  legend: () => [
    "* = the trace's own configuration. Ratios: hits/lookups, collision misses/lookups, aliased hits/lookups,",
    "stale hits/resolved hits, packets on the next record event's CPU, packets moved off their arrival CPU,",
    'model CPU = kernel CPU over matched deliver rows. — = no denominator.',
  ],
  rounded: () => 'N→M: a table size as asked for (N), and as the kernel makes it (M, rounded up to a power of two).',
  rfsOff: () =>
    'E=0: RFS is off (rps_sock_flow_entries = 0), so there is no table to look up and the hit, collision, alias and stale rates are —; pass --entries N (e.g. --entries 32768) to replay a table of N slots.',
};

// ---- replay: what the output means ---------------------------------------------
export const replayNoteMsg = {
  agreementOnlyOwn: () =>
    "agreement is shown only for the trace's own configuration (its header's table sizes, RPS maps, nr_cpu_ids and kernel profile, queue heads from the deliver rows): the kernel ran no other.",
};

// ---- CPU-count what-ifs -------------------------------------------------------
const CPUS_BELOW = (low: number) => `every CPU in the rps_cpus maps and every CPU the trace uses is below ${low}`;
const masksText = (masks: number[]) => masks.map((m) => `0x${m.toString(16)}`).join(' and ');
export const cpuWhatIfMsg = {
  unchanged: (count: number, own: number, why: string) =>
    `--cpus ${count} changes nothing here: it replays exactly as the trace's own nr_cpu_ids ${own}, because ${why}.`,
  rfsOff: (low: number) => `RFS is off (no global table), so nr_cpu_ids reaches only the RPS maps, and ${CPUS_BELOW(low)}`,
  sameMask: (low: number, mask: number) => `both give rps_cpu_mask 0x${mask.toString(16)}, and ${CPUS_BELOW(low)}`,
  noHashBits: (low: number, profile: string) => `${CPUS_BELOW(low)}, and profile ${profile} keeps only the CPU in a slot (no hash bits for the mask to take)`,
  maskInIndex: (low: number, masks: number[], slots: number) =>
    `${CPUS_BELOW(low)}, and the CPU masks (${masksText(masks)}) take only hash bits that the ${grouped(slots)}-slot table's index already fixes, so both compare the same bits`,
  maskBeyondIndex: (low: number, masks: number[], slots: number) =>
    `${CPUS_BELOW(low)}; the CPU masks (${masksText(masks)}) differ in hash bits above the ${grouped(slots)}-slot table's index, but no lookup of this trace told them apart`,
  byData: (low: number) => `the trace uses no CPU at or above ${low}, and no packet of this trace was steered differently`,
};

// ---- kernel profiles -----------------------------------------------------------
export const kernelMsg = {
  /** --kernel values that are releases rather than profile names, and the profile each maps to. */
  asked: (pairs: { asked: string; profile: string }[]) => `--kernel: ${pairs.map((p) => `${p.asked} is modelled by profile ${p.profile}`).join(', ')}`,
  /** Which profiles a replay used, and where the trace's own came from. */
  used: (profiles: string[]) => `kernel profile${profiles.length === 1 ? '' : 's'}: ${profiles.join(', ')}`,
  traceOwn: (profile: string, release: string) => `${profile} (the trace's kernel ${release})`,
  traceNone: (profile: string) => `${profile} (the default: the trace names no kernel)`,
  traceUnread: (profile: string, release: string) => `${profile} (the default: the trace's kernel ${quote(release)} is no release this tool can read)`,
};

// ---- input format ------------------------------------------------------------
export const formatMsg = {
  detected: (format: string) => `input format: ${format} (detected from the content)`,
};

// ---- capture ----------------------------------------------------------------
export const captureMsg = {
  badProtocolField: (what: string, text: string) => `expected ${what} in the rfs-capture line, found ${quote(text)}`,
  badProtocolArity: (kind: string, want: number, got: number) => `an rfs-capture "${kind}" line has ${want} fields, this one has ${got}`,
  unknownCaptureVersion: (v: string) => `unknown rfs-capture version ${quote(v)} (this rfs-replay reads v1)`,
  tooManyEvents: (max: number) =>
    `more than ${max} events: a capture this large cannot be held to be sorted by time; capture a shorter time, or sample flows (capture --sample 1/N)`,
  noCaptureMagic: () => 'no "rfs-capture v1" line: this is not the output of the rfs-replay capture program (did BEGIN run?)',
  badCpuList: (text: string) => `cannot read the possible CPUs: expected a list such as 0-3 in /sys/devices/system/cpu/possible, found ${quote(text)}`,
  noSuchNetns: (name: string) => `network namespace ${quote(name)} does not exist (no /run/netns/${name}; create it with ip netns add)`,
  noSuchDev: (dev: string, netns?: string) => `device ${quote(dev)} does not exist${netns ? ` in network namespace ${quote(netns)}` : ''}`,
  noSockFlowSysctl: () =>
    'cannot read /proc/sys/net/core/rps_sock_flow_entries: run capture in the initial network namespace (use --netns for another one) on a kernel built with CONFIG_RPS',
  noRxhashField: (tried: string[]) => `the kernel's BTF has no sk_rxhash in struct sock (tried ${tried.join(', ')}): this kernel is not supported`,
  noTracefs: () => 'the kernel has no tracefs (/sys/kernel/tracing): tracepoints cannot be used',
  noBtf: () => 'the kernel has no BTF (/sys/kernel/btf/vmlinux): bpftrace cannot read socket and packet fields',
  tracefsMountFailed: (detail: string) =>
    `tracefs is not mounted and mounting it failed (${detail}); mount it with: mount -t tracefs nodev /sys/kernel/tracing`,
  needRoot: () => 'capture needs root (it loads BPF programs); run it with sudo, or use --print-program and run bpftrace yourself',
  noBpftrace: () => 'bpftrace is not installed (on Debian or Ubuntu: apt-get install bpftrace)',
  noPerf: () => 'perf is not installed (on Debian: apt-get install linux-perf; on Ubuntu: linux-tools-$(uname -r))',
  perfFailed: (code: number | null, detail: string) =>
    `perf record stopped with ${code === null ? 'a signal' : `exit status ${code}`} before recording anything${detail ? `:\n${detail}` : ''}`,
  perfStopFailed: (code: number | null, detail: string) =>
    `perf record did not finish its file (${code === null ? 'killed by a signal' : `exit status ${code}`})${detail ? `:\n${detail}` : ''}`,
  perfDataUnsupported: (path: string, what: string) => `${path}: this perf.data has ${what}, which capture does not read`,
  perfDataTruncated: (path: string) => `${path}: the perf.data file ends early (perf record was killed before it finished writing)`,
  noTracepoint: (name: string, tracefs: string) => `the kernel has no tracepoint ${name} (no ${tracefs}/events/${name.replace(':', '/')}/format)`,
  badTracepointFormat: (name: string, what: string) => `cannot read the format of tracepoint ${name}: ${what}`,
  devNameUnfilterable: (dev: string) => `device name ${quote(dev)} contains a quote or backslash, which a tracepoint filter cannot match`,
  badDeliverProbe: (text: string) => `--deliver-probe must be auto, perf or bpftrace, found ${quote(text)}`,
  socketNetnsLimited: (name: string) =>
    `warning: socket events only from network namespace ${quote(name)}; sockets of every namespace write hints into the one global rps_sock_flow_table, so the replay misses the hints of the others`,
  sharedDeviceNames: (names: string[]) =>
    `note: ${names.join(', ')} also name${names.length === 1 ? 's' : ''} a device in another network namespace; perf records by name, so each packet is kept only if a BPF probe saw it on this device (the rest are counted as unattributed)`,
  deliversByBpf: (devs: string[]) =>
    `note: ${devs.join(', ')} ${devs.length === 1 ? 'is' : 'are'} neither loopback nor veth, so packets may reach steering without a hash; deliveries are read by BPF, which sees the hash get_rps_cpu() computes, but may skip some under load (counted). --deliver-probe perf records them all when the device sets the hash itself`,
  bpftraceBehind: () => 'warning: bpftrace did not catch up with its per-CPU buffers within 30 s of the end; the last socket events may be missing',
  startingTimedOut: (what: string) => `${what} did not start within 60 s`,
  noIp: () => 'the ip command is not installed (on Debian or Ubuntu: apt-get install iproute2)',
  bpftraceFailed: (code: number | null, detail: string) =>
    `bpftrace stopped with ${code === null ? 'a signal' : `exit status ${code}`} before capturing anything${detail ? `:\n${detail}` : ''}`,
  capturing: (s: number) => `capturing for ${s} s (Ctrl-C stops early and keeps what was captured)`,
  capturingUntilInterrupt: () => 'capturing until Ctrl-C',
  stoppedEarly: () => 'capture stopped early; writing what was captured',
  summary: (out: string, rows: number, events: string) => `wrote ${out}: ${rows} rows (${events})`,
  lostEvents: (n: number) =>
    `warning: bpftrace lost ${n} socket events (per-CPU buffers were full); the replay misses their hints. Raise BPFTRACE_PERF_RB_PAGES or capture for a shorter time`,
  missedEvents: (n: number) =>
    `warning: the kernel skipped ${n} socket probe runs because another BPF program was running on the same CPU; the replay misses their hints`,
  perfLost: (n: number) =>
    `warning: perf lost ${n} packet-side samples (its per-CPU buffers were full); replay and validate count the unmatched packets. Raise RFS_CAPTURE_PERF_PAGES or capture for a shorter time`,
  packetCheckLosses: (lost: number, missed: number) =>
    `note: the packet-checking BPF probes lost ${lost} events and were skipped ${missed} times (a softirq interrupting another BPF program); see the unattributed and hash-unknown counts for what that cost`,
  unattributed: (n: number) =>
    `warning: ${n} packet and deliver events of a device name shared with another namespace were left out: no BPF probe tied them to the captured device`,
  hashUnknown: (n: number) =>
    `warning: ${n} packets on steering queues have no hash: the kernel computed one during steering that the capture did not see (try --deliver-probe bpftrace); the replay does not steer them`,
  groMerged: (n: number) => `${n} packets seen at GRO entry were merged into other packets before steering; they are left out`,
  reordered: (n: number) => `${n} events arrived out of time order from per-CPU buffers and were sorted`,
  undeclaredQueues: (names: string[]) =>
    `warning: queues ${names.join(', ')} appeared after the configuration snapshot; declared with rps_cpus=0 rps_flow_cnt=0`,
  queuesBeyondDevice: (names: string[]) =>
    `note: packets arrived on ${names.join(', ')}, past the device's RX queues; get_rps_cpu() does not steer those (the queue index comes from the sender's TX queue on veth), so they are declared with rps_cpus=0 rps_flow_cnt=0`,
  durationNotPositive: (text: string) => `--duration must be a positive number of seconds, found ${quote(text)}`,
  outputRequired: () => 'capture needs -o FILE (unless --print-program)',
};

// ---- import (perf script, ftrace / trace-cmd, bpftrace output) ---------------
export const importMsg = {
  missingField: (event: string, field: string) => `the ${event} event has no ${field}= field`,
  badFieldValue: (field: string, text: string) => `expected ${field} as a number, found ${quote(text)}`,
  badTimestamp: (text: string) => `expected a timestamp in seconds such as 1184.389296, found ${quote(text)}`,
  badPerfLine: () => 'expected a perf script line: COMM TID [CPU] SECONDS: system:event: fields',
  badFtraceLine: () => 'expected an ftrace line: COMM-PID [CPU] SECONDS: event: fields',
  tooManyRows: (max: number) => `more than ${max} event rows: a trace this large cannot be held to be sorted by time; record a shorter time`,
  badJsonLine: (detail: string) => `expected one bpftrace JSON object per line (bpftrace -f json): ${detail}`,
};

// ---- validate ----------------------------------------------------------------
export const validateMsg = {
  badMinAgreement: (text: string) => `--min-agreement must be a number from 0 to 1, found ${quote(text)}`,
  noDeliverRows: (file: string) =>
    `${file} has no deliver rows: validate compares the model with the kernel's own decisions (net:netif_receive_skb); capture them with rfs-replay capture`,
  headline: (file: string, agreement: string, agree: number, matched: number, min: string, pass: boolean) =>
    `${file}: agreement ${agreement} (${grouped(agree)} of ${counted(matched, 'compared packet')} on the kernel's CPU); threshold ${min}: ${pass ? 'PASS' : 'FAIL'}`,
  outcomes: (kLoc: string, kCross: string, mLoc: string, mCross: string) =>
    `kernel achieved: locality ${kLoc}, cross-CPU ${kCross}; the model: locality ${mLoc}, cross-CPU ${mCross}`,
  lostHeading: () => "Capture losses (they shrink what is compared and can skew the model's tables):",
  lostPackets: (n: number) => `${counted(n, 'packet')} without a deliver row (deliver event lost or skipped, or packet dropped)`,
  lostDelivers: (n: number) => `${counted(n, 'deliver row')} without a packet row (packet event lost or skipped)`,
  lostBuffer: (n: number) => `${counted(n, 'socket event')} lost by bpftrace (per-CPU buffers full)`,
  lostMissed: (n: number) => `${counted(n, 'socket probe run')} skipped by the kernel (BPF recursion protection)`,
  lostPerf: (n: number) => `${counted(n, 'packet-side sample')} lost by perf (per-CPU buffers full)`,
  lostPacketCheck: (lost: number | null, missed: number | null) =>
    `${lost ?? 0} events lost and ${missed ?? 0} runs skipped by the packet-checking BPF probes (namespace confirmation, hashes computed during steering)`,
  unattributed: (n: number) =>
    `${grouped(n)} packet and deliver ${n === 1 ? 'event' : 'events'} left out: their device name is shared with another namespace and no BPF probe tied them to this one`,
  hashUnknown: (n: number) => `${counted(n, 'packet')} on steering queues without a hash (computed by the kernel during steering, not seen by the capture)`,
  timeBackwards: (n: number) => `${counted(n, 'row')} earlier than the row before them (clock or buffer ordering)`,
  noDisagreements: () => "No disagreements: the model chose the kernel's CPU for every compared packet.",
  classesHeading: (n: number) => `${counted(n, 'disagreement')}, by how the model routed the packet:`,
  classFollowedHint: () =>
    'the model followed a sock flow table hint the kernel did not have or did not use: a record, state or close event missing, late, or reordered in the capture',
  classNoHint: () =>
    "the model found no matching hint and used the RPS map while the kernel steered by RFS: a record event missing or captured after the packet (ordering across CPUs), or the socket's hash unknown",
  classSwitched: () =>
    "ordering-guard timing: the model moved the flow's per-queue slot to the new CPU, the kernel kept it (its old CPU's backlog was not yet drained; missed deliver rows leave the model's queue heads behind or ahead)",
  classHeld: () =>
    'ordering-guard timing: the model kept the flow on its old CPU while packets were queued there, the kernel had already drained them and switched',
  classNotSteered: () => 'the model did not steer the packet: its hash is unknown (0) or the queue has no RPS map or flow table in the trace header',
  classInvalidCpu: () => 'the stored CPU was not a valid CPU id, so the model used the RPS map',
  classUnknown: () => 'unclassified',
  example: (line: number, hash: string, model: number, kernel: number) => `line ${line}: hash ${hash}, model CPU ${model}, kernel CPU ${kernel}`,
};

export const predictMsg = {
  noConfiguration: (file: string, missing: string) =>
    `${file} has no ${missing} in its header: validate --predict replays the other trace at this trace's configuration (# nr_cpu_ids=N rps_sock_flow_entries=N kernel=RELEASE)`,
  noDeliverRows: (file: string) =>
    `${file} has no deliver rows: validate --predict compares with what the kernel achieved there (net:netif_receive_skb); capture them with rfs-replay capture`,
  queuesDiffer: (file: string, other: string, queues: string) =>
    `${file} has queue(s) ${queues} that ${other} does not configure: validate --predict needs the same receive queues in both traces`,
  headline: (file: string, other: string, label: string) => `${file} replayed at ${other}'s configuration (${label}):`,
  row: (what: string, predicted: string, observed: string, error: string, margin: string) =>
    `  ${what.padEnd(10)} predicted ${predicted.padStart(7)}  kernel ${observed.padStart(7)}  error ${error.padStart(9)}  (noise margin ±${margin})`,
  verdict: (within: boolean | null) =>
    within === null ? 'no margin: a share had no denominator' : within ? 'locality error within the noise margin' : 'locality error beyond the noise margin',
  footnote: () => "error = predicted − kernel, in percentage points; the kernel's shares come from the deliver rows of the other trace.",
};

// ---- generate ---------------------------------------------------------------
export const generateMsg = {
  notANumber: (where: string, text: string) => `${where} must be a number, got ${quote(text)}`,
  notAnInteger: (where: string, text: string) => `${where} must be an integer, got ${quote(text)}`,
  outOfRange: (where: string, n: number, min: number, max: number, minExclusive: boolean) =>
    `${where} must be ${minExclusive ? `above ${min}` : `at least ${min}`} and at most ${max}, got ${n}`,
  notOneOf: (where: string, text: string, values: readonly string[]) => `${where} must be one of ${values.join(', ')}, got ${quote(text)}`,
  notABoolean: (where: string, text: string) => `${where} must be true or false, got ${quote(text)}`,
  notAString: (where: string, text: string) => `${where} must be a string, got ${text}`,
  badString: (where: string, text: string, hint: string) => `${where} must be ${hint}, got ${quote(text)}`,
  unknownKey: (where: string, key: string, known: string[]) => `${where}: unknown workload key ${quote(key)} (known: ${known.join(', ')})`,
  noWorkloadFile: (path: string) => `cannot read workload ${path}: no such file`,
  unreadableWorkload: (path: string, why: string) => `cannot read workload ${path}: ${why}`,
  badWorkloadJson: (path: string, why: string) => `workload ${path} is not valid JSON: ${why}`,
  workloadNotObject: (path: string) => `workload ${path} must hold one JSON object of settings, such as {"flows": 1000}`,
  unknownScenario: (name: string, known: string[]) => `unknown scenario ${quote(name)} (known: ${known.length > 0 ? known.join(', ') : 'none installed'})`,
  activeAboveFlows: (active: number, flows: number) => `--active ${active} is above --flows ${flows}: there are only ${flows} clients to connect`,
  badRpsCpus: (text: string) => `--rps-cpus must be a hex CPU mask such as 3 or ff,ffffffff, got ${quote(text)}`,
  rpsCpusBeyond: (mask: string, cpu: number, nr: number) => `--rps-cpus ${mask} names CPU ${cpu}, but --cpus is ${nr}`,
  hashBitsWithToeplitz: (bits: number) => `--hash-bits ${bits} needs --rss lowbits: Toeplitz hashes always have 32 bits`,
  tooManyToeplitzClients: (n: number, max: number) =>
    `--rss toeplitz gives each flow its own client address in 10.0.0.0/8, so --flows must be at most ${max}, got ${n}`,
  tooManyThreads: (flows: number, consumers: number, max: number) =>
    `--flows ${flows} x --consumers ${consumers} is above ${max} consumer threads; lower one of them`,
  cannotWrite: (path: string, why: string) => `cannot write ${path}: ${why}`,
  wrote: (rows: number, fileBytes: number, textBytes: number, seconds: number, path: string) =>
    `generated ${counted(rows, 'row')} (${(fileBytes / 1e6).toFixed(1)} MB${fileBytes !== textBytes ? `, ${(textBytes / 1e6).toFixed(1)} MB uncompressed` : ''}) in ${seconds.toFixed(2)} s (${(rows / Math.max(seconds, 1e-9) / 1e6).toFixed(2)} M rows/s): ${path}`,
  scenarioLine: (name: string, description: string) => `${name.padEnd(16)} ${description}`,
  help: {
    command: 'Write a deterministic synthetic v1 trace from a workload description (flags, a JSON file or a named scenario)',
    seed: 'PRNG seed (same seed and settings give the same bytes) [default: 1]',
    output: 'output file; .gz compresses; "-" or none writes to standard output',
    workload: 'JSON file of workload settings (camelCase keys, e.g. {"flows": 5000, "connRequests": 3})',
    scenario: 'start from a named scenario in traces/scenarios/ (flags and --workload override it)',
    listScenarios: 'list the named scenarios and exit',
    quiet: 'do not print the summary line',
    cpus: 'nr_cpu_ids [default: 8]',
    queues: 'RX queues, named eth0:0, eth0:1, ... [default: 1]',
    rpsCpus: 'rps_cpus hex mask of every queue [default: every CPU]',
    flowCnt: 'rps_flow_cnt of every queue [default: 4096]',
    entries: 'rps_sock_flow_entries [default: 32768]',
    kernel: 'kernel release written to the header [default: 6.16.0-synthetic]',
    flows: 'client endpoints, each with at most one open connection [default: 1000]',
    active: 'connections open at once, at most [default: --flows]',
    rates: 'how request rates spread over flows: uniform or zipf [default: zipf]',
    zipf: 'Zipf exponent: the k-th busiest flow has rate 1/k^s [default: 1]',
    rate: 'requests per second over all flows [default: 50000]',
    duration: 'seconds of trace time; 0 = none when --rows is set, else 1 [default: 0]',
    rows: 'stop after exactly this many rows; 0 = no limit [default: 0]',
    burst: 'mean packets per request (geometric) [default: 2]',
    reply: 'probability that a request gets a sendmsg reply [default: 0.8]',
    connRequests: 'mean requests per connection before it closes; 0 = connections never close [default: 0]',
    activeClose: 'share of closes the server starts (FIN_WAIT path, no RFS delete) [default: 0.5]',
    reuse: 'share of reconnects that reuse the previous 4-tuple and hence the hash [default: 0]',
    consumers: 'threads serving each connection [default: 1]',
    migration: 'probability per request that the serving thread moves to another CPU [default: 0.01]',
    rss: 'flow hashes: lowbits (random) or toeplitz (Microsoft key over generated IPv4 5-tuples); the queue comes from the low bits [default: lowbits]',
    hashBits: 'random bits per hash with --rss lowbits [default: 32]',
    deliver: 'also write deliver rows, claiming ideal steering to the consumer CPU [default: false]',
  },
};

// ---- flow sampling (docs/model.md#flow-sampling) -----------------------------
export const sampleMsg = {
  badShift: (text: string) => `sample_shift must be an integer from 0 to 31 (the lowest sampled hash bit), found ${quote(text)}`,
  badBits: (text: string) => `sample_bits must be an integer from 1 to 32 (flows kept: one in 2^sample_bits), found ${quote(text)}`,
  beyondHash: (shift: number, bits: number) =>
    `sample_shift=${shift} with sample_bits=${bits} names hash bits up to ${shift + bits - 1}, but the flow hash has 32 bits (0..31)`,
  keyAlone: (given: string, missing: string) => `${given}= needs ${missing}= on the header too: a sampling rule is both`,
};

export const sampleOptMsg = {
  badRule: (opt: string, text: string, shift: number) =>
    `${opt} expects 1/N with N a power of two (1/2 … 1/2^31) whose bits fit above --sample-shift ${shift} in the 32-bit hash, got "${text}"`,
  badShift: (text: string) => `--sample-shift must be an integer from 0 to 31 (the lowest sampled hash bit), got "${text}"`,
  shiftWithoutRule: (opt: string) => `--sample-shift needs ${opt} 1/N`,
  keepOnSampled: (rule: string) =>
    `the trace is already sampled, ${rule}: --keep-sample counts the kept flows of a whole trace (replay it without --keep-sample)`,
  keepWithTimeline: () => '--keep-sample cannot be combined with --timeline: the time series count every flow',
  badKeepRule: (shift: number, bits: number) => `--keep-sample: a rule of hash bits ${shift}..${shift + bits - 1} does not fit in the 32-bit hash`,
};

export const sampleNoteMsg = {
  sampledTrace: (bits: string, n: number, bound: string) =>
    `sampled trace: only the flows with ${bits} zero, one in ${n}. Counts are of these flows (× ${n} estimates the whole); global-table metrics are exact for them at ${bound} global slots or more (docs/model.md#flow-sampling).`,
  keptOnly: (bits: string, n: number) =>
    `counting only the flows with ${bits} zero, one in ${n} (--keep-sample): every row is replayed, every counter counts these flows' rows, as a capture with --sample 1/${n} would.`,
  belowBound: (labels: string[], bound: string) =>
    `below ${bound} global slots kept and dropped flows share slots, so the global table's metrics are estimates (too good: the dropped flows' collisions are missing) for ${labels.join(', ')}.`,
  legend: () =>
    '~ = estimated: depends on the dropped flows (shared slots, backlog positions of the ordering guard); unmarked ratios are exact for the kept flows.',
  /** The tag after a configuration's label when its global table is below the bound. */
  belowTag: () => ' (below bound)',
};

export const sampleCaptureMsg = {
  sampling: (rule: string, deliversByBpf: boolean) =>
    `sampling flows ${rule} in the kernel: BPF tests sk_rxhash and skb->hash, perf filters packets by their hash field${deliversByBpf ? '; deliveries are read by BPF (net:netif_receive_skb has no hash field for perf to filter)' : '; perf records every delivery (net:netif_receive_skb has no hash field) and the capture drops the others afterwards'}; BPF reads TCP state changes (sock:inet_sock_set_state has no hash field either)`,
  rfsOff: () =>
    'RFS is off on this machine (net.core.rps_sock_flow_entries=0): the kernel steers by plain RPS only, and the trace records that; replay it with --entries N to see what RFS would do',
  kept: (rows: number, filtered: number) => `sampled capture: ${rows} rows kept; ${filtered} rows the kernel could not filter by hash were dropped afterwards`,
  /** stderr, after --print-program. */
  programFitsThisMachine: (config: string, devices: string) =>
    `the program is right for this machine only: its BEGIN prints this configuration as the trace header (${config}) and it names queues by this machine's ifindexes (${devices}). Generate it on the server you capture, run it there ("sudo bpftrace rfs.bt > rfs.txt", or "bpftrace -f json"), then read the output with "rfs-replay replay rfs.txt" (report and validate read it too).`,
};

export const reportSampleMsg = {
  sampled: (bits: string, n: number, bound: string) =>
    `sampled trace: only the flows with ${bits} zero, one in ${n}. Counts marked ≈ are the kept flows' × ${n}, estimates of the whole server; ratios are the kept flows'. Global-table ratios (hit, collision, alias, stale) are exact for them at ${bound} global slots or more; values marked ~ are estimates (they depend on the dropped flows: backlog positions of the ordering guard, shared per-queue entries).`,
  belowBoundSwept: (sizes: string, bound: string) =>
    `global sizes below ${bound} slots (${sizes}) were replayed but not judged: there the kept flows share slots with flows the capture dropped, so their collisions are missing and every number is too good.`,
  configuredBelowBound: (size: string, bound: string) =>
    `the trace's own global table (${size} slots) is below ${bound}: its numbers are estimates, too good by the dropped flows' collisions; the advice compares it with sizes from ${bound} up only.`,
};

// ---- the closed loop: ranges of what-ifs (replay/closed-loop.ts) -----------------
export const closedLoopMsg = {
  /** The one sentence every output gives for why a what-if carries a range. */
  whyRange: () =>
    "Ranges: a what-if moves packets, and applications react to where their packets are processed, but the trace shows their reactions only to its own placement; so each what-if is given with every socket call where it ran (open loop), with the threads that would have followed the what-if's packets moved as often as the trace shows threads following theirs (closed loop), and as the range of both at the follow rate's 95% bounds.",
  evidence: (elsewhere: string, followed: string, followedShare: string, inPlace: string, movedShare: string, rate: string, low: string, high: string) =>
    `Threads in this trace followed their packet at ${followed} of ${elsewhere} wake-ups processed off their CPU (${followedShare}), and moved anyway at ${movedShare} of ${inPlace} wake-ups on it: follow rate ${rate} (95%: ${low}–${high}).`,
  noEvidence: () =>
    "The trace shows no wake-up processed off its thread's CPU (its kernel steered every packet to its application, or no socket call follows a packet): it cannot tell whether threads would follow packets placed elsewhere, so the ranges run to a follow rate of 100%.",
  noReference: () =>
    'The trace states no configuration of its own (table sizes), so nothing tells where its kernel processed a packet: the ranges run from threads that never follow their packets to threads that always do.',
  summaryHeading: () => 'What-ifs with threads that follow their packets (closed loop):',
  summaryColumns: () => ['configuration', 'locality: open', 'closed', 'range', 'cross-CPU: open', 'closed', 'range'],
  range: (low: string, high: string) => `${low}–${high}`,
  verdictRange: (at: string, open: string, closed: string, low: string, high: string, changeLow: string, changeHigh: string) =>
    `At ${at} slots locality is ${open} with every socket call where it ran, ${closed} with threads following their packets as the trace shows, ${low}–${high} over the range (a change of ${changeLow} to ${changeHigh}); a size is advised only when its whole range beats the noise margin.`,
  verdictUnsure: (at: string, changeLow: string, changeHigh: string) =>
    `${at} slots would change locality by ${changeLow} to ${changeHigh} depending on how the threads react: not by more than the noise margin over the whole range, so it is not advised.`,
  tableLocalityClosed: () => 'Locality, closed loop',
  tableLocalityClosedUnit: () => 'threads follow their packets as often as the trace shows',
  tableLocalityRange: () => 'Locality range',
  tableCrossRange: () => 'Cross-CPU range',
  tableRangeUnit: () => 'open loop to closed loop at the follow rate’s 95% bounds',
  withinRange: (within: boolean) =>
    within
      ? "the kernel's locality lies within the range (widened by the noise margin)"
      : "the kernel's locality lies outside the range, even widened by the noise margin",
  predictRow: (what: string, open: string, closed: string, low: string, high: string, openError: string, closedError: string) =>
    `  ${what.padEnd(10)} open loop ${open.padStart(7)} (error ${openError}), closed loop ${closed.padStart(7)} (error ${closedError}), range ${low}–${high}`,
};
