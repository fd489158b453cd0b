/** The importers' fixtures in test/fixtures/importers/, each with the format it is written in. */
export const IMPORTER_FIXTURES: [file: string, format: string][] = [
  ['perf-script.txt', 'perf-script'],
  ['ftrace-trace.txt', 'ftrace'],
  ['trace-cmd-report.txt', 'ftrace'],
  ['trace-cmd-report-raw.txt', 'ftrace'],
  ['bpftrace-f-json.json', 'bpftrace-json'],
  ['bpftrace-text.txt', 'bpftrace-text'],
];
