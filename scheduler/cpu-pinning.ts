/**
 * Eru-style cpu pinning: a task asking for 3.2 cores gets 3 exclusive cores plus a 0.2 share of a fragment
 * core. Cores are tracked per node as shares used (1 = exclusive); whole cores go to the lowest free ids and
 * the fragment to the fullest core that still has room (best fit), so fragments pack together.
 * O(C) per task for C cores on its node. The container layer applies the cpuset.
 */
import { EPSILON, type ClusterState } from './cluster-state.js';
import type { PreparedTask } from './placement.js';
import type { Allocation, CpuAssignment } from './types.js';

/** Per-task cpusets for the placed tasks (index into `tasks`); a task that cannot be pinned gets none. */
export function assignCpus(
  state: ClusterState,
  allocations: readonly Allocation[],
  tasks: readonly PreparedTask[],
  nodeOf: Int32Array,
): Map<number, CpuAssignment> {
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
  const result = new Map<number, CpuAssignment>();
  tasks.forEach((task, i) => {
    const j = nodeOf[i]!;
    if (j < 0) return;
    const assignment = pinCpus(coresOf(j), task.request[0]!);
    if (assignment) result.set(i, assignment);
  });
  return result;
}

/** Takes cores for `cpu` from `used` (mutated); undefined when the free cores are too fragmented. */
export function pinCpus(used: Float64Array, cpu: number): CpuAssignment | undefined {
  const whole = Math.floor(cpu + EPSILON);
  const share = Math.round((cpu - whole) * 100) / 100;
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
