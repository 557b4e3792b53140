/**
 * Greedy placement of an ordered batch onto the cluster state: each task goes to the feasible node with the
 * highest weighted fitness. Guarantees: no node overcommitted, hard constraints hold, deterministic (ties go to
 * the lower node id). Empty nodes of one shape are interchangeable, so only the first of each shape is scored:
 * per task the cost is O((U + S)·R) for U non-empty nodes with room and S shapes, not O(N·R).
 */
import type { Constraint } from '../../pipeline/schema.js';
import { createCandidateIndex } from './candidate-index.js';
import { EPSILON, occupy, type ClusterState } from './cluster-state.js';
import { satisfies, type ConstraintContext } from './constraints.js';
import type { CpuLedger } from './cpu-pinning.js';
import type { PreparedTask } from './prepared-task.js';
import type { CpuAssignment, PendingTask, ScheduleOptions, ScorerName } from './types.js';

export type { PreparedTask } from './prepared-task.js';

/**
 * Cpu pinning state shared with the caller: eligibility asks the ledger, and each placement records its
 * cpuset by task index. The caller may swap in a fresh ledger (and clear `pins`) before `rebuild`.
 */
export interface PinningSlot {
  ledger: CpuLedger;
  readonly pins: Map<number, CpuAssignment>;
}

export interface Placer {
  /** Places the task and returns its node index, or -1. */
  place(task: PreparedTask): number;
  /** Excludes a node from further placements in this iteration (a reservation for a starving task). */
  reserve(j: number): void;
  /** Re-reads the cluster state after something else changed it (the improvement phase). */
  rebuild(): void;
}

const DEFAULT_WEIGHTS: Partial<Record<ScorerName, number>> = { binPacking: 1, stranding: 0.25 };

const NO_CONSTRAINTS: readonly Constraint[] = [];

/**
 * `request` may be handed in as a view of one shared buffer, so a large batch allocates one backing store
 * instead of one per task (cheaper to allocate and for the garbage collector).
 */
export function prepareTask(
  state: ClusterState,
  task: PendingTask,
  maxCapacity: Float64Array,
  index: number,
  request: Float64Array = new Float64Array(state.dims),
): PreparedTask {
  const { resources, dims } = state;
  const requested: number[] = [];
  let size = 0;
  for (let d = 0; d < dims; d++) {
    const amount = task.request[resources[d]!] ?? 0;
    request[d] = amount;
    if (amount > 0) requested.push(d);
    size += maxCapacity[d]! > 0 ? amount / maxCapacity[d]! : amount;
  }
  const constraints = task.constraints;
  return {
    task,
    index,
    request,
    requested,
    hard: constraints.length === 0 ? NO_CONSTRAINTS : constraints.filter((c) => c.hard),
    soft: constraints.length === 0 ? NO_CONSTRAINTS : constraints.filter((c) => !c.hard),
    size,
  };
}

export function maxCapacityOf(state: ClusterState): Float64Array {
  const max = new Float64Array(state.dims);
  for (let j = 0; j < state.nodes.length; j++) {
    for (let d = 0; d < state.dims; d++) max[d] = Math.max(max[d]!, state.capacity[j * state.dims + d]!);
  }
  return max;
}

export function fitsNode(state: ClusterState, j: number, task: PreparedTask, free = state.free): boolean {
  const { dims } = state;
  for (let k = 0; k < task.requested.length; k++) {
    const d = task.requested[k]!;
    if (task.request[d]! > free[j * dims + d]! + EPSILON) return false;
  }
  return true;
}

export function createPlacer(
  state: ClusterState,
  context: ConstraintContext,
  options: ScheduleOptions,
  now: number,
  pinning?: PinningSlot,
): Placer {
  const { dims, capacity, free, nodes } = state;
  const weights = options.scorers ?? DEFAULT_WEIGHTS;
  const w = (name: ScorerName): number => weights[name] ?? 0;
  const wCpu = w('cpuBinPacking');
  const wMem = w('memoryBinPacking');
  const wPack = w('binPacking');
  const wDominant = w('dominantResource');
  const wSpread = w('spread');
  const wStranding = w('stranding');
  const weightSum = wCpu + wMem + wPack + wDominant + wSpread + wStranding || 1;
  const softPenalty = options.softConstraintPenalty ?? 0.5;
  const goodEnough = options.goodEnoughScore ?? 1;
  const durationWeight = options.durationWeight ?? 0.1;
  const reserved = new Uint8Array(nodes.length);
  const maxCandidates = options.maxCandidates ?? 16;
  // Best fit scans the index's buckets and stops after `maxCandidates` feasible nodes, so a placement costs
  // O(B + K·R) instead of O(N·R).
  const index = createCandidateIndex(state, (j) => state.isExclusive[j] === 1 || reserved[j] === 1);
  const { bucketCount, buckets, bucketMaxMem, bucketFor } = index;
  const hasMem = dims > 1;
  const isSpreading = wSpread > wCpu + wMem + wPack + wDominant;
  const maxCapacity = maxCapacityOf(state);

  const softPenaltyOf = (j: number, task: PreparedTask): number => {
    let penalty = 0;
    for (const constraint of task.soft) if (!satisfies(state, context, j, constraint)) penalty += softPenalty;
    return penalty;
  };
  const score = (j: number, task: PreparedTask): number => {
    if (!isSpreading && state.taskCount[j] === 0) {
      // Packing: open a new node only when no used node fits, and then the shape largest in what the task
      // asks for, which leaves the most room for what follows and so the fewest nodes in the end. What it
      // does not ask for (a GPU node's gpus) must not draw it there: that wastes the gpus and strands the
      // memory of memory-rich shapes (2,000 nodes × 10,000 tasks: 981 nodes instead of 1,064, 5.8 % of
      // memory stranded instead of 10.3 %).
      let relative = 0;
      for (let k = 0; k < task.requested.length; k++) {
        const d = task.requested[k]!;
        if (maxCapacity[d]! > 0) relative += capacity[j * dims + d]! / maxCapacity[d]!;
      }
      // Between shapes equal in what the task asks for, the one with less it does not ask for.
      let unasked = 0;
      for (let d = 0; d < dims; d++) if (task.request[d] === 0 && capacity[j * dims + d]! > 0) unasked += 1;
      return -1 + relative / Math.max(1, task.requested.length) - 1e-6 * unasked - softPenaltyOf(j, task);
    }
    let cpuUtil = 0;
    let memUtil = 0;
    let sum = 0;
    let count = 0;
    let max = 0;
    let min = 1;
    for (let d = 0; d < dims; d++) {
      const cap = capacity[j * dims + d]!;
      if (cap <= 0) continue;
      const util = (cap - free[j * dims + d]! + task.request[d]!) / cap;
      if (d === 0) cpuUtil = util;
      if (d === 1) memUtil = util;
      if (d < 2 || task.request[d]! > 0) {
        sum += util;
        count += 1;
      }
      if (util > max) max = util;
      if (util < min) min = util;
    }
    const packing = count > 0 ? sum / count : 0;
    let fitness =
      (wCpu * cpuUtil +
        wMem * memUtil +
        wPack * packing +
        wDominant * max +
        wSpread * (1 - packing) +
        wStranding * (1 - (max - min))) /
      weightSum;
    fitness -= softPenaltyOf(j, task);
    const duration = task.task.expectedDurationSeconds;
    if (duration !== undefined && durationWeight > 0 && state.taskCount[j]! > 0) {
      // A task that ends before the node's current work costs nothing; one that outlives it keeps the node.
      const extension = Math.max(0, now + duration * 1000 - state.busyUntil[j]!);
      fitness += durationWeight * (1 - Math.min(1, extension / (duration * 1000)));
    }
    return fitness;
  };

  const isEligible = (j: number, task: PreparedTask): boolean => {
    if (reserved[j] === 1 || state.isExclusive[j] === 1 || !fitsNode(state, j, task)) return false;
    if (pinning && !pinning.ledger.canPin(j, task.request[0]!)) return false;
    for (const constraint of task.hard) if (!satisfies(state, context, j, constraint)) return false;
    // A soft member of a uniqueNode set still may not join a node where a member holds the set as hard.
    for (const constraint of task.soft) {
      if (constraint.kind === 'uniqueNode' && (state.hardSetCount.get(constraint.set)?.[j] ?? 0) > 0)
        return false;
    }
    return true;
  };

  // The scan's running best, kept in the placer's scope so a placement allocates no closure.
  let best = -1;
  let bestScore = -Infinity;
  let feasible = 0;
  /** Scores node j for the task; returns whether the score is good enough to stop the scan. */
  const consider = (j: number, task: PreparedTask): boolean => {
    if (!isEligible(j, task)) return false;
    feasible += 1;
    const s = score(j, task);
    if (s > bestScore + 1e-12 || (s > bestScore - 1e-12 && j < best)) {
      bestScore = s;
      best = j;
    }
    return s >= goodEnough - 1e-12;
  };

  const place = (task: PreparedTask): number => {
    best = -1;
    bestScore = -Infinity;
    feasible = 0;
    let isDone = false;
    const first = bucketFor(task.request[0]!);
    const cpu = task.request[0]!;
    const mem = hasMem ? task.request[1]! : 0;
    for (let step = 0; step < bucketCount && !isDone && feasible < maxCandidates; step++) {
      const b = isSpreading ? bucketCount - 1 - step : first + step;
      if (b < 0 || b >= bucketCount || (isSpreading && b < first)) break;
      const list = buckets[b]!;
      if (list.length === 0 || (hasMem && mem > bucketMaxMem[b]! + EPSILON)) continue;
      let maxMem = 0;
      let k = 0;
      for (; k < list.length && !isDone; k++) {
        const j = list[k]!;
        // Cheap necessary condition before the full eligibility check: room in cpu and memory.
        const nodeMem = hasMem ? free[j * dims + 1]! : 0;
        if (nodeMem > maxMem) maxMem = nodeMem;
        if (cpu > free[j * dims]! + EPSILON || mem > nodeMem + EPSILON) continue;
        isDone = consider(j, task);
      }
      if (k === list.length && hasMem) bucketMaxMem[b] = maxMem;
    }
    // An empty node scores at most 0 when packing, so a used node already above that cannot be beaten.
    const isEmptyUseless = !isSpreading && bestScore > 1e-9;
    const shapeList = index.shapes();
    for (let e = 0; e < shapeList.length && !isDone && !isEmptyUseless; e++) {
      const entry = shapeList[e]!;
      while (entry.next < entry.members.length && state.taskCount[entry.members[entry.next]!]! > 0)
        entry.next += 1;
      // The first empty node of a shape stands for all of them, unless it is reserved.
      for (let k = entry.next; k < entry.members.length; k++) {
        const j = entry.members[k]!;
        if (state.taskCount[j]! > 0 || reserved[j] === 1) continue;
        isDone = consider(j, task);
        break;
      }
    }
    if (best < 0) return -1;
    const chosen = best;
    const duration = task.task.expectedDurationSeconds;
    occupy(
      state,
      chosen,
      task.request,
      task.task.constraints,
      duration === undefined ? 0 : now + duration * 1000,
    );
    index.link(chosen);
    const cpuset = pinning?.ledger.pin(chosen, task.request[0]!);
    if (cpuset) pinning!.pins.set(task.index, cpuset);
    return chosen;
  };

  return {
    rebuild: index.rebuild,
    reserve(j: number): void {
      reserved[j] = 1;
      index.unlink(j);
    },
    place,
  };
}
