/** The line that says which kernel profiles a replay used, and where the trace's own came from. */
import { kernelMsg } from '../messages.js';
import { traceKernelProfile } from '../model/config.js';
import { kernelProfileOfRelease } from '../types/own-config.js';
import type { KernelProfileName } from '../types/result.js';

export function profilesLine(profiles: KernelProfileName[], traceKernel: string | null): string {
  const own = traceKernelProfile(traceKernel);
  const shown = [...new Set(profiles)].map((p) => {
    if (p !== own) return p;
    if (traceKernel === null) return kernelMsg.traceNone(p);
    return kernelProfileOfRelease(traceKernel) === null ? kernelMsg.traceUnread(p, traceKernel) : kernelMsg.traceOwn(p, traceKernel);
  });
  return kernelMsg.used(shown);
}
