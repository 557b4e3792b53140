/**
 * Eru-style cpu pinning: a task asking for 3.2 cores gets 3 exclusive cores plus a 0.2 share of a fragment
 * core. Cores are tracked per node as shares used (1 = exclusive); whole cores go to the lowest free ids and
 * the fragment to the fullest core that still has room (best fit), so fragments pack together.
 * In pinning mode a node is only eligible when it can pin the task (placement.ts asks `canPin`), so no task
 * ever runs unpinned beside exclusive cores. O(C) per check for C cores on the node. The container layer
 * applies the cpuset.
 */
import { EPSILON, type ClusterState } from './cluster-state.js';
import type { PreparedTask } from './prepared-task.js';
import type { Allocation, CpuAssignment } from './types.js';

/** Per-node core usage for one scheduling iteration. */
export interface CpuLedger {
  /** Whether node j has `cpu` as free whole cores plus a core with room for the fraction. */
  canPin(j: number, cpu: number): boolean;
  /** Takes the cores on node j; undefined (and nothing taken) when they are too fragmented. */
  pin(j: number, cpu: number): CpuAssignment | undefined;
  /** Whole cores of node j with nothing pinned on them. */
  freeCores(j: number): number;
  /** Cores node j has (its whole cpu capacity). */
  coreCount(j: number): number;
}

/** A ledger holding the cpusets the allocations already hold. */
export function createCpuLedger(state: ClusterState, allocations: readonly Allocation[]): CpuLedger {
  const cores = new Map<number, Float64Array>();
  const coresOf = (j: number): Float64Array => {
    let used = cores.get(j);
    if (!used) {
      used = new Float64Array(Math.floor(state.capacity[j * state.dims]! + EPSILON));
      cores.set(j, used);
    }
    return used;
  };
  for (const allocation of allocations) {
    const j = state.nodeIndex.get(allocation.nodeId);
    if (j === undefined || !allocation.cpuset) continue;
    const used = coresOf(j);
    for (const core of allocation.cpuset.exclusiveCores) if (core < used.length) used[core] = 1;
    const fragment = allocation.cpuset.fragment;
    if (fragment && fragment.core < used.length) used[fragment.core] = used[fragment.core]! + fragment.share;
  }
  return {
    canPin: (j, cpu) => canPinCpus(coresOf(j), cpu),
    pin: (j, cpu) => pinCpus(coresOf(j), cpu),
    freeCores: (j) => coresOf(j).filter((share) => share < EPSILON).length,
    coreCount: (j) => coresOf(j).length,
  };
}

/**
 * Pins every placed task (index into `tasks`), largest cpu first so whole cores are not broken up by
 * fragments; returns the cpusets and the tasks that could not be pinned where they were put.
 */
export function assignCpus(
  ledger: CpuLedger,
  tasks: readonly PreparedTask[],
  nodeOf: Int32Array,
): { readonly cpusets: Map<number, CpuAssignment>; readonly unpinned: number[] } {
  const placed: number[] = [];
  for (let i = 0; i < tasks.length; i++) if (nodeOf[i]! >= 0) placed.push(i);
  placed.sort((a, b) => tasks[b]!.request[0]! - tasks[a]!.request[0]! || a - b);
  const cpusets = new Map<number, CpuAssignment>();
  const unpinned: number[] = [];
  for (const i of placed) {
    const assignment = ledger.pin(nodeOf[i]!, tasks[i]!.request[0]!);
    if (assignment) cpusets.set(i, assignment);
    else unpinned.push(i);
  }
  return { cpusets, unpinned: unpinned.sort((a, b) => a - b) };
}

/** Whole cores and the fraction (to 0.01 core) a pinned task takes. */
export function splitCpu(cpu: number): { whole: number; share: number } {
  const whole = Math.floor(cpu + EPSILON);
  return { whole, share: Math.round((cpu - whole) * 100) / 100 };
}

/** Distinct cores a pinned task spans: its whole cores, plus one for the fraction. */
export function coresSpanned(cpu: number): number {
  const { whole, share } = splitCpu(cpu);
  return whole + (share > EPSILON ? 1 : 0);
}

/** Whether `pinCpus(used, cpu)` would succeed, without taking anything. */
export function canPinCpus(used: Float64Array, cpu: number): boolean {
  const { whole, share } = splitCpu(cpu);
  let free = 0;
  let hasFragmentRoom = false;
  for (let core = 0; core < used.length; core++) {
    const load = used[core]!;
    if (load < EPSILON) free += 1;
    else if (load + share <= 1 + EPSILON) hasFragmentRoom = true;
  }
  if (free < whole) return false;
  // The fraction goes on a partly used core with room, or on one more free core.
  return share <= EPSILON || hasFragmentRoom || free > whole;
}

/** Takes cores for `cpu` from `used` (mutated); undefined when the free cores are too fragmented. */
export function pinCpus(used: Float64Array, cpu: number): CpuAssignment | undefined {
  const { whole, share } = splitCpu(cpu);
  const exclusiveCores: number[] = [];
  for (let core = 0; core < used.length && exclusiveCores.length < whole; core++) {
    if (used[core]! < EPSILON) exclusiveCores.push(core);
  }
  if (exclusiveCores.length < whole) return undefined;
  for (const core of exclusiveCores) used[core] = 1;
  if (share <= EPSILON) return { exclusiveCores };
  let best = -1;
  for (let core = 0; core < used.length; core++) {
    if (used[core]! + share > 1 + EPSILON) continue;
    if (best < 0 || used[core]! > used[best]! + EPSILON) best = core;
  }
  if (best < 0) {
    for (const core of exclusiveCores) used[core] = 0;
    return undefined;
  }
  used[best] = used[best]! + share;
  return { exclusiveCores, fragment: { core: best, share } };
}
