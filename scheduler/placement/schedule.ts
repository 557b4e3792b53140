/**
 * Placement entry point: one scheduling iteration over a batch of pending tasks.
 * Guarantees: no node is overcommitted in any resource; hard constraints hold; the same input gives the same
 * output whatever the order of the nodes (ties broken by node id); every pending task gets exactly one
 * decision, in input order. Tier critical is served before flex; within a tier, groups share by DRF and each
 * group's tasks go largest first. A critical task that does not fit may yield a preemption decision.
 * Cost: O(T·(U + S)·R) for the greedy pass (U non-empty nodes with room, S node shapes, R resources) plus the
 * bounded improvement phase. See placement.ts, fair-share.ts, vector-packer.ts.
 */
import { adviseScaling } from './autoscale.js';
import { EPSILON, buildClusterState, compareIds, vacate, type ClusterState } from './cluster-state.js';
import { buildConstraintContext } from './constraints.js';
import { assignCpus, createCpuLedger } from './cpu-pinning.js';
import { bySizeDescending, serveFairly } from './fair-share.js';
import { optimizePacking } from './optimize-packing.js';
import {
  createPlacer,
  maxCapacityOf,
  prepareTask,
  type PinningSlot,
  type PreparedTask,
} from './placement.js';
import { choosePreemption } from './preemption.js';
import { explainUnplaced } from './reasons.js';
import { createSearchWork } from './search-work.js';
import type { Allocation, Preemption, ScheduleInput, ScheduleResult, TaskDecision } from './types.js';

const DEFAULT_OPTIMIZE_ITERATIONS = 5_000;
// From this many pending tasks the improvement phase by default only re-packs each node shape by best-fit
// decreasing, without the local search: on batches this large the re-pack is where the nodes are saved (10,000
// generated tasks: 4,122 nodes greedy, 4,034 re-packed, the same with or without the search) and the search only
// costs time. An explicit `optimize.maxIterations` still turns it on.
const LARGE_BATCH_TASKS = 5_000;
// In offline mode the clock, not a count, ends the search.
const OFFLINE_ITERATIONS = Number.MAX_SAFE_INTEGER;

export function schedule(input: ScheduleInput): ScheduleResult {
  const options = input.options ?? {};
  const clock = options.clock;
  const deadline =
    clock && options.timeBudgetMillis !== undefined ? clock() + options.timeBudgetMillis : undefined;
  let isOutOfTime = false;
  let checks = 0;
  const shouldStop = (): boolean => {
    if (isOutOfTime) return true;
    if (clock && deadline !== undefined && (++checks & 63) === 0 && clock() > deadline) isOutOfTime = true;
    return isOutOfTime;
  };
  const state = buildClusterState(input);
  const context = buildConstraintContext(input, state);
  const maxCapacity = maxCapacityOf(state);
  const requests = new Float64Array(input.pending.length * state.dims);
  const tasks = input.pending.map((task, i) =>
    prepareTask(state, task, maxCapacity, i, requests.subarray(i * state.dims, (i + 1) * state.dims)),
  );
  const wasEmpty = Uint8Array.from(state.taskCount, (count) => (count === 0 ? 1 : 0));
  const pinning: PinningSlot | undefined = options.cpuPinning
    ? { ledger: createCpuLedger(state, input.allocations), pins: new Map() }
    : undefined;
  const placer = createPlacer(state, context, options, input.now, pinning);
  const nodeOf = new Int32Array(tasks.length).fill(-1);
  const isConsidered = new Uint8Array(tasks.length);
  const preemptions: Preemption[] = [];
  const preemptedFor = new Map<number, Preemption>();
  const place = (task: PreparedTask): boolean => {
    const i = task.index;
    isConsidered[i] = 1;
    nodeOf[i] = placer.place(task);
    return nodeOf[i] >= 0;
  };
  for (const tier of ['critical', 'flex'] as const) {
    const tierTasks = tasks.filter((task) => task.task.tier === tier);
    serveFairly(state, tierTasks, input.allocations, options.groups ?? {}, place, shouldStop);
    if (tier === 'critical') {
      preemptFor(
        state,
        context,
        input.allocations,
        tierTasks,
        nodeOf,
        isConsidered,
        preemptions,
        preemptedFor,
      );
    }
    const waiting = tierTasks.filter((task) => {
      const i = task.index;
      return nodeOf[i]! < 0 && isConsidered[i] === 1 && !preemptedFor.has(i);
    });
    reserveForStarving(state, waiting, input.now, options.starvationSeconds ?? 300, placer);
  }
  let hasMoved = false;
  const isOffline = options.optimize !== false && options.optimize?.mode === 'offline';
  // A count, not a clock, so the cluster service can bound the phase and still replay; offline keeps its clock.
  const work =
    options.maxSearchWork !== undefined && !isOffline ? createSearchWork(options.maxSearchWork) : undefined;
  if (options.optimize !== false && !isOutOfTime) {
    hasMoved = optimizePacking(state, tasks, nodeOf, wasEmpty, {
      maxIterations:
        options.optimize?.maxIterations ??
        (isOffline
          ? OFFLINE_ITERATIONS
          : tasks.length >= LARGE_BATCH_TASKS
            ? 0
            : DEFAULT_OPTIMIZE_ITERATIONS),
      seed: options.optimize?.seed ?? 1,
      clock,
      deadline: optimizeDeadline(clock, deadline, options.optimize?.budgetMillis),
      ...(isOffline ? { mode: 'offline' as const } : {}),
      ...(work ? { work } : {}),
    });
  }
  if (pinning && hasMoved) {
    // The improvement phase packs cpu as a number, not as cores: pin again where the tasks ended up, and take
    // off (to be placed again below) any task whose node can no longer pin it.
    pinning.ledger = createCpuLedger(state, input.allocations);
    pinning.pins.clear();
    const { cpusets, unpinned } = assignCpus(pinning.ledger, tasks, nodeOf);
    for (const [i, cpuset] of cpusets) pinning.pins.set(i, cpuset);
    for (const i of unpinned) {
      vacate(state, nodeOf[i]!, tasks[i]!.request, tasks[i]!.task.constraints);
      nodeOf[i] = -1;
    }
  }
  // The improvement phase may have emptied nodes: give the tasks still waiting one more chance.
  placer.rebuild();
  const retry = tasks.filter((_, i) => nodeOf[i]! < 0 && isConsidered[i] === 1 && !preemptedFor.has(i));
  for (const task of retry.sort(bySizeDescending)) if (!isOutOfTime) place(task);
  const decisions: TaskDecision[] = tasks.map((task, i) => {
    const j = nodeOf[i]!;
    const taskId = task.task.id;
    if (j >= 0) {
      const cpuset = pinning?.pins.get(i);
      const nodeId = state.nodes[j]!.id;
      return cpuset ? { kind: 'placed', taskId, nodeId, cpuset } : { kind: 'placed', taskId, nodeId };
    }
    const preemption = preemptedFor.get(i);
    if (preemption) {
      return {
        kind: 'unplaced',
        taskId,
        isImpossible: false,
        reason: `waiting for the preemption of ${preemption.victims.length} flex task(s) on ${preemption.nodeId}: ${preemption.victims.join(', ')}`,
      };
    }
    if (isConsidered[i] === 0) {
      return {
        kind: 'unplaced',
        taskId,
        isImpossible: false,
        reason: `not considered: the iteration used its ${options.timeBudgetMillis ?? 0} ms budget; retried next iteration`,
      };
    }
    return { kind: 'unplaced', taskId, ...explainUnplaced(state, context, task, pinning?.ledger) };
  });
  const result: ScheduleResult = { decisions, preemptions, ...(work ? { searchWork: work.spent } : {}) };
  if (options.nodeGroups) {
    return { ...result, scaling: adviseScaling(input, state, tasks, decisions) };
  }
  return result;
}

function preemptFor(
  state: ClusterState,
  context: ReturnType<typeof buildConstraintContext>,
  allocations: readonly Allocation[],
  tierTasks: readonly PreparedTask[],
  nodeOf: Int32Array,
  isConsidered: Uint8Array,
  preemptions: Preemption[],
  preemptedFor: Map<number, Preemption>,
): void {
  const waiting = tierTasks.filter((task) => {
    const i = task.index;
    return nodeOf[i]! < 0 && isConsidered[i] === 1;
  });
  if (waiting.length === 0) return;
  const flexByNode = new Map<number, Allocation[]>();
  // Allocations already being evicted, by the task they leave for: their room is that task's, not a victim's.
  const leaving = new Map<string, Map<number, Allocation[]>>();
  for (const allocation of [...allocations].sort((a, b) => compareIds(a.taskId, b.taskId))) {
    const j = state.nodeIndex.get(allocation.nodeId);
    if (j === undefined) continue;
    if (allocation.evictingFor !== undefined) {
      const byNode = leaving.get(allocation.evictingFor) ?? new Map<number, Allocation[]>();
      byNode.set(j, [...(byNode.get(j) ?? []), allocation]);
      leaving.set(allocation.evictingFor, byNode);
    } else if (allocation.tier === 'flex') {
      flexByNode.set(j, [...(flexByNode.get(j) ?? []), allocation]);
    }
  }
  const taken = new Set<string>();
  for (const task of [...waiting].sort((a, b) => b.size - a.size || compareIds(a.task.id, b.task.id))) {
    const underWay = leaving.get(task.task.id);
    const choice =
      (underWay && evictionUnderWay(state, task, underWay)) ??
      choosePreemption(state, context, task, flexByNode, taken);
    if (!choice) continue;
    const { dims, free } = state;
    const j = choice.node;
    // The victims still run until the engine evicts them, so their room is not free in this iteration; the
    // node's current free room is promised to this task, so later tasks must not take it either.
    for (const victim of choice.victims) taken.add(victim.taskId);
    for (let d = 0; d < dims; d++) free[j * dims + d] = Math.max(0, free[j * dims + d]! - task.request[d]!);
    const preemption: Preemption = {
      kind: 'preempt',
      forTaskId: task.task.id,
      nodeId: state.nodes[j]!.id,
      victims: choice.victims.map((a) => a.taskId),
    };
    preemptions.push(preemption);
    preemptedFor.set(task.index, preemption);
  }
}

/**
 * The node where the evictions already under way for `task` will make room for it (its free room plus what
 * the victims hold), lowest node first; undefined when none will, e.g. after its free room went elsewhere.
 */
function evictionUnderWay(
  state: ClusterState,
  task: PreparedTask,
  byNode: ReadonlyMap<number, readonly Allocation[]>,
): { node: number; victims: readonly Allocation[] } | undefined {
  const { dims, free, resources } = state;
  for (const j of [...byNode.keys()].sort((a, b) => a - b)) {
    const victims = byNode.get(j)!;
    let isEnough = state.isExclusive[j] === 0;
    for (let d = 0; d < dims && isEnough; d++) {
      const freed = victims.reduce((sum, a) => sum + (a.request[resources[d]!] ?? 0), 0);
      if (task.request[d]! > free[j * dims + d]! + freed + EPSILON) isEnough = false;
    }
    if (isEnough) return { node: j, victims };
  }
  return undefined;
}

/**
 * A task left waiting longer than the starvation limit gets the node closest to holding it reserved, so the
 * next tiers' smaller tasks cannot keep filling it (Fenzo's known starvation problem).
 */
function reserveForStarving(
  state: ClusterState,
  waiting: readonly PreparedTask[],
  now: number,
  starvationSeconds: number,
  placer: { reserve(j: number): void },
): void {
  const { dims, free, capacity } = state;
  for (const task of waiting) {
    if (now - task.task.enqueuedAt < starvationSeconds * 1000 || task.task.constraints.length > 0) continue;
    let best = -1;
    let bestMissing = Infinity;
    for (let j = 0; j < state.nodes.length; j++) {
      let missing = 0;
      let canHold = true;
      for (let d = 0; d < dims; d++) {
        const cap = capacity[j * dims + d]!;
        if (task.request[d]! > cap) canHold = false;
        if (cap > 0) missing += Math.max(0, task.request[d]! - free[j * dims + d]!) / cap;
      }
      if (canHold && missing > 0 && missing < bestMissing) {
        bestMissing = missing;
        best = j;
      }
    }
    if (best >= 0) placer.reserve(best);
  }
}

function optimizeDeadline(
  clock: (() => number) | undefined,
  deadline: number | undefined,
  budgetMillis: number | undefined,
): number | undefined {
  if (!clock || budgetMillis === undefined) return deadline;
  const own = clock() + budgetMillis;
  return deadline === undefined ? own : Math.min(deadline, own);
}
