/**
 * Kernel arithmetic and the behaviour differences between kernel versions
 * (docs/model.md, "Kernel profiles"). All values are unsigned 32-bit.
 */
import type { KernelProfileName } from '../types/result.js';
// GOLDEN_RATIO_32 (include/linux/hash.h) and RPS_NO_CPU are in lane-layout.ts, which the WebAssembly lanes compile too.
import { GOLDEN_RATIO_32 } from './lane-layout.js';

/**
 * hash_32(val, bits) (include/linux/hash.h): multiply, keep the top `bits` bits.
 * bits = 0 (rps_flow_cnt = 1) is the contract's one-slot table: always slot 0.
 * The kernel differs here: store_rps_dev_flow_table_cnt() (net/core/net-sysfs.c,
 * 6.15+) sets table->log = ilog2(mask) + 1 = ilog2(0) + 1 = 0, and hash_32(h, 0)
 * shifts a u32 by 32, undefined in C (x86 masks the count to 0: the whole
 * product, far outside the one-entry table). See the README.
 */
export function hash32(val: number, bits: number): number {
  if (bits === 0) return 0;
  return Math.imul(val, GOLDEN_RATIO_32) >>> (32 - bits);
}

/** roundup_pow_of_two(n) for 1 <= n <= 2^31; 0 stays 0 (table off). */
export function roundupPowerOfTwo(n: number): number {
  if (n <= 1) return n;
  return 2 ** Math.ceil(Math.log2(n));
}

/** ilog2 of a power of two. */
export function log2Exact(n: number): number {
  return Math.round(Math.log2(n));
}

/**
 * reciprocal_scale(hash, len) (include/linux/kernel.h): (u64)hash * len >> 32.
 * The product of two values below 2^32 and 2^16 fits a double exactly.
 */
export function reciprocalScale(hash: number, len: number): number {
  return Math.floor((hash * len) / 4294967296);
}

export interface KernelProfile {
  name: KernelProfileName;
  /** sock_rps_delete_flow() from inet_unhash() on close (6.16+). */
  deleteOnClose: boolean;
  /** rfs_slot() uses hash_32() (6.15+); before, hash & mask. */
  hashedQueueSlot: boolean;
  /** sock_rps_record_flow() checks sk_state == TCP_ESTABLISHED (4.10+). */
  recordOnlyEstablished: boolean;
  /** Slots store hash high bits | CPU and lookups compare them (4.0+). */
  collisionDetection: boolean;
  /** 2.6.35–3.19: rps_reset_sock_flow() on close and on rxhash change. */
  resetOnCloseAndRehash: boolean;
  description: string;
}

export const KERNEL_PROFILES: Record<KernelProfileName, KernelProfile> = {
  '6.16': {
    name: '6.16',
    deleteOnClose: true,
    hashedQueueSlot: true,
    recordOnlyEstablished: true,
    collisionDetection: true,
    resetOnCloseAndRehash: false,
    description: '6.16 and later: delete on close, hash_32 per-queue slot',
  },
  '6.15': {
    name: '6.15',
    deleteOnClose: false,
    hashedQueueSlot: true,
    recordOnlyEstablished: true,
    collisionDetection: true,
    resetOnCloseAndRehash: false,
    description: '6.15: hash_32 per-queue slot, no delete on close',
  },
  '4.10': {
    name: '4.10',
    deleteOnClose: false,
    hashedQueueSlot: false,
    recordOnlyEstablished: true,
    collisionDetection: true,
    resetOnCloseAndRehash: false,
    description: '4.10–6.14: per-queue slot = hash & (rps_flow_cnt-1)',
  },
  '4.0': {
    name: '4.0',
    deleteOnClose: false,
    hashedQueueSlot: false,
    recordOnlyEstablished: false,
    collisionDetection: true,
    resetOnCloseAndRehash: false,
    description: '4.0–4.9: records in every socket state',
  },
  '3.19': {
    name: '3.19',
    deleteOnClose: false,
    hashedQueueSlot: false,
    recordOnlyEstablished: false,
    collisionDetection: false,
    resetOnCloseAndRehash: true,
    description: '2.6.35–3.19: slots hold only a CPU, no collision detection',
  },
};

export const KERNEL_PROFILE_NAMES = Object.keys(KERNEL_PROFILES) as KernelProfileName[];
export const DEFAULT_KERNEL: KernelProfileName = '6.16';
