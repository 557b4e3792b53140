/**
 * Order of service within one tier: capacity groups below their guarantee first, then dominant resource
 * fairness (Ghodsi et al., NSDI 2011, as in Mesos): the group with the smallest dominant share goes next.
 * Within a group, largest task first, so big tasks are never starved by a stream of small ones.
 * O(T·G) for G groups.
 */
import { compareIds, type ClusterState } from './cluster-state.js';
import type { PreparedTask } from './placement.js';
import type { Allocation, CapacityGroup } from './types.js';

export function bySizeDescending(a: PreparedTask, b: PreparedTask): number {
  return b.size - a.size || a.task.enqueuedAt - b.task.enqueuedAt || compareIds(a.task.id, b.task.id);
}

interface GroupQueue {
  readonly name: string;
  readonly tasks: PreparedTask[];
  next: number;
  readonly used: Float64Array;
  readonly guaranteed: Float64Array | undefined;
  /** Dominant share, kept current as `used` grows. */
  share: number;
}

/**
 * Serves the tier's tasks group by group; `place` returns whether the task was placed, so the shares
 * follow what was actually granted.
 */
export function serveFairly(
  state: ClusterState,
  tasks: readonly PreparedTask[],
  allocations: readonly Allocation[],
  groups: Readonly<Record<string, CapacityGroup>>,
  place: (task: PreparedTask) => boolean,
  shouldStop: () => boolean,
): void {
  const { dims, resources } = state;
  const queues = new Map<string, GroupQueue>();
  for (const task of tasks) {
    const name = task.task.group ?? '';
    let queue = queues.get(name);
    if (!queue) {
      const spec = groups[name]?.guaranteed;
      queue = {
        name,
        tasks: [],
        next: 0,
        used: new Float64Array(dims),
        guaranteed: spec && Float64Array.from(resources, (r) => spec[r] ?? 0),
        share: 0,
      };
      queues.set(name, queue);
    }
    queue.tasks.push(task);
  }
  const list = [...queues.values()].sort((a, b) => compareIds(a.name, b.name));
  for (const queue of list) queue.tasks.sort(bySizeDescending);
  if (list.length === 1) {
    for (const task of list[0]!.tasks) {
      if (shouldStop()) return;
      place(task);
    }
    return;
  }
  const total = new Float64Array(dims);
  for (let j = 0; j < state.nodes.length; j++) {
    for (let d = 0; d < dims; d++) total[d] = total[d]! + state.capacity[j * dims + d]!;
  }
  for (const allocation of allocations) {
    const queue = queues.get(allocation.group ?? '');
    if (queue) resources.forEach((r, d) => (queue.used[d] = queue.used[d]! + (allocation.request[r] ?? 0)));
  }
  const share = (queue: GroupQueue): number => {
    let max = 0;
    for (let d = 0; d < dims; d++) if (total[d]! > 0) max = Math.max(max, queue.used[d]! / total[d]!);
    return max;
  };
  const isBelowGuarantee = (queue: GroupQueue): boolean => {
    if (!queue.guaranteed) return false;
    let isBelow = false;
    for (let d = 0; d < dims; d++) {
      if (queue.guaranteed[d]! > 0 && queue.used[d]! < queue.guaranteed[d]!) isBelow = true;
      if (queue.guaranteed[d]! < queue.used[d]! && queue.guaranteed[d]! > 0) return false;
    }
    return isBelow;
  };
  for (const queue of list) queue.share = share(queue);
  for (;;) {
    if (shouldStop()) return;
    let pick: GroupQueue | undefined;
    for (const queue of list) {
      if (queue.next >= queue.tasks.length) continue;
      if (!pick) {
        pick = queue;
        continue;
      }
      const below = Number(isBelowGuarantee(pick)) - Number(isBelowGuarantee(queue));
      if (below < 0 || (below === 0 && queue.share < pick.share - 1e-12)) pick = queue;
    }
    if (!pick) return;
    const task = pick.tasks[pick.next++]!;
    if (place(task)) {
      for (let d = 0; d < dims; d++) pick.used[d] = pick.used[d]! + task.request[d]!;
      pick.share = share(pick);
    }
  }
}
