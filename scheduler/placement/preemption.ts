/**
 * Preemption for a critical task that does not fit: per node, the fewest flex allocations whose eviction
 * frees enough room (ties: the youngest victims), then the best node (fewest victims, youngest, lowest id).
 * Exact for up to two victims per node, greedy by largest contribution beyond that. O(N·V²·R) for V flex
 * allocations per node. The caller carries out nothing: it receives a decision.
 */
import { EPSILON, compareIds, type ClusterState } from './cluster-state.js';
import { isStatic, satisfies, type ConstraintContext } from './constraints.js';
import type { PreparedTask } from './placement.js';
import type { Allocation } from './types.js';

export interface PreemptionChoice {
  readonly node: number;
  readonly victims: readonly Allocation[];
}

export function choosePreemption(
  state: ClusterState,
  context: ConstraintContext,
  task: PreparedTask,
  flexByNode: ReadonlyMap<number, readonly Allocation[]>,
  taken: ReadonlySet<string>,
): PreemptionChoice | undefined {
  const { dims, capacity, free, resources } = state;
  const staticHard = task.hard.filter(isStatic);
  let best: { node: number; victims: Allocation[]; oldest: number } | undefined;
  for (const [j, allocations] of flexByNode) {
    if (state.isExclusive[j] === 1) continue;
    if (!staticHard.every((c) => satisfies(state, context, j, c))) continue;
    let canHold = true;
    for (let d = 0; d < dims; d++) if (task.request[d]! > capacity[j * dims + d]! + EPSILON) canHold = false;
    if (!canHold) continue;
    const candidates = allocations.filter((a) => !taken.has(a.taskId));
    const deficit = new Float64Array(dims);
    let isShort = false;
    for (let d = 0; d < dims; d++) {
      deficit[d] = task.request[d]! - free[j * dims + d]!;
      if (deficit[d]! > EPSILON) isShort = true;
    }
    if (!isShort || candidates.length === 0) continue;
    const covers = (set: readonly Allocation[]): boolean => {
      for (let d = 0; d < dims; d++) {
        const name = resources[d]!;
        const freed = set.reduce((sum, a) => sum + (a.request[name] ?? 0), 0);
        if (freed + EPSILON < deficit[d]!) return false;
      }
      return true;
    };
    // Youngest first, so the first cover found at each size is the youngest one.
    const sorted = [...candidates].sort(
      (a, b) => b.startedAt - a.startedAt || compareIds(a.taskId, b.taskId),
    );
    let victims: Allocation[] | undefined = sorted.find((a) => covers([a])) && [
      sorted.find((a) => covers([a]))!,
    ];
    for (let x = 0; victims === undefined && x < sorted.length; x++) {
      for (let y = x + 1; y < sorted.length; y++) {
        if (covers([sorted[x]!, sorted[y]!])) {
          victims = [sorted[x]!, sorted[y]!];
          break;
        }
      }
    }
    if (victims === undefined && covers(sorted)) victims = greedyCover(sorted, deficit, resources, covers);
    if (victims === undefined) continue;
    const oldest = Math.min(...victims.map((a) => a.startedAt));
    if (
      !best ||
      victims.length < best.victims.length ||
      (victims.length === best.victims.length && oldest > best.oldest)
    ) {
      best = { node: j, victims, oldest };
    }
  }
  return best && { node: best.node, victims: best.victims };
}

function greedyCover(
  sorted: readonly Allocation[],
  deficit: Float64Array,
  resources: readonly string[],
  covers: (set: readonly Allocation[]) => boolean,
): Allocation[] {
  const chosen: Allocation[] = [];
  const remaining = [...sorted];
  while (!covers(chosen) && remaining.length > 0) {
    let bestIndex = 0;
    let bestGain = -1;
    remaining.forEach((a, i) => {
      let gain = 0;
      resources.forEach((name, d) => {
        if (deficit[d]! > EPSILON) gain += Math.min(a.request[name] ?? 0, deficit[d]!) / deficit[d]!;
      });
      if (gain > bestGain + EPSILON) {
        bestGain = gain;
        bestIndex = i;
      }
    });
    chosen.push(remaining.splice(bestIndex, 1)[0]!);
  }
  return chosen;
}
