/**
 * Option parsing shared by the commands: lists like `--entries 256,1024`,
 * kernel profile names, and the cross product of what-if dimensions.
 */
import { UsageError } from '../errors.js';
import { optMsg } from '../messages.js';
import { KERNEL_PROFILE_NAMES } from '../model/kernel.js';
import type { ConfigRequest } from '../types/config-request.js';
import type { KernelProfileName } from '../types/result.js';

/** "256,1024" (or repeated flags) → [256, 1024]; undefined when absent. */
export function intList(opt: string, value: unknown): number[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  return parts.map((p) => {
    const t = p.trim();
    if (!/^[0-9]+$/.test(t)) throw new UsageError(optMsg.badList(opt, String(value)));
    return Number(t);
  });
}

export function kernelList(value: unknown): KernelProfileName[] | undefined {
  if (value === undefined) return undefined;
  const parts = (Array.isArray(value) ? value : [value]).flatMap((v) => String(v).split(','));
  return parts.map((p) => {
    const t = p.trim();
    if (!(KERNEL_PROFILE_NAMES as string[]).includes(t)) throw new UsageError(optMsg.unknownKernel(t));
    return t as KernelProfileName;
  });
}

/** Every combination of the given dimensions; a missing dimension means "as in the trace". */
export function crossProduct(d: { entries?: number[]; flowCnt?: number[]; cpus?: number[]; kernels?: KernelProfileName[]; rpsCpus?: string }): ConfigRequest[] {
  const out: ConfigRequest[] = [];
  for (const kernel of d.kernels ?? [undefined]) {
    for (const cpus of d.cpus ?? [undefined]) {
      for (const entries of d.entries ?? [undefined]) {
        for (const flowCnt of d.flowCnt ?? [undefined]) {
          const asConfigured = kernel === undefined && cpus === undefined && entries === undefined && flowCnt === undefined && d.rpsCpus === undefined;
          out.push({ kernel, cpus, entries, flowCnt, rpsCpus: d.rpsCpus, role: asConfigured ? 'configured' : 'what-if' });
        }
      }
    }
  }
  return out;
}
