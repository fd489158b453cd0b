/**
 * Every importer of a foreign trace format, in the order sniffing tries them
 * (most specific first). The v1 format itself is not here: the reader
 * handles it directly (see ../sniff.ts).
 */
import { bpftraceJsonImporter, bpftraceTextImporter } from './bpftrace.js';
import { ftraceImporter } from './ftrace.js';
import { perfScriptImporter } from './perf-script.js';
import type { Importer } from './types.js';

export const IMPORTERS: Importer[] = [bpftraceJsonImporter, bpftraceTextImporter, ftraceImporter, perfScriptImporter];
