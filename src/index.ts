/**
 * The library API that the CLI (and the tests) sit on:
 * ingest → model → replay → analyze → report.
 */
export { replayFile } from './replay/engine.js';
export type { ReplayOptions } from './replay/options.js';
export type { ConfigRequest } from './types/config-request.js';
export type { ConfigResult, ReplayResult, TraceSummary, TimelineBin, KernelProfileName } from './types/result.js';
export { RESULT_SCHEMA, RESULT_VERSION } from './types/result.js';
export { renderSummary } from './replay/summary.js';
export { readTrace } from './ingest/read.js';
export type { ReadOptions, ReadResult } from './ingest/read.js';
export { EventKind, TcpState, type TraceBatch, type TraceHeader, type TraceSink } from './ingest/trace.js';
export { KERNEL_PROFILES, KERNEL_PROFILE_NAMES, DEFAULT_KERNEL, hash32, reciprocalScale } from './model/kernel.js';
export { resolveConfig } from './model/config.js';
export { FlowTableBank, FlowTableModel } from './model/flow-tables.js';
export { COUNTER_NAMES, RATIO_NAMES, checkIdentities, deriveRatios, type Metrics } from './types/metrics.js';
export { InputError, UsageError } from './errors.js';
