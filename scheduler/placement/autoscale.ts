/**
 * Autoscaling advice (Fenzo's autoscaler): per node group, how many new nodes of its shape would place the
 * tasks left unplaced (found by packing them onto hypothetical empty nodes with the same placer), capped at
 * the group's maxSize; and which idle nodes can be released, keeping minIdle idle nodes and minSize nodes,
 * once a node has been idle for the cooldown. Deterministic; O(T·G·S) for the scale-up simulation.
 */
import { buildClusterState } from './cluster-state.js';
import { buildConstraintContext } from './constraints.js';
import { createPlacer, maxCapacityOf, prepareTask, type PreparedTask } from './placement.js';
import type {
  ClusterNode,
  ScaleDownAdvice,
  ScaleUpAdvice,
  ScalingAdvice,
  ScheduleInput,
  TaskDecision,
} from './types.js';
import type { ClusterState } from './cluster-state.js';

export function adviseScaling(
  input: ScheduleInput,
  state: ClusterState,
  tasks: readonly PreparedTask[],
  decisions: readonly TaskDecision[],
): ScalingAdvice {
  const groups = [...(input.options?.nodeGroups ?? [])].sort((a, b) =>
    a.name < b.name ? -1 : a.name > b.name ? 1 : 0,
  );
  const unplaced = tasks.filter((_, i) => decisions[i]!.kind === 'unplaced' && !isPreempting(decisions[i]!));
  const scaleUp: ScaleUpAdvice[] = [];
  let remaining = unplaced.map((task) => task.task);
  for (const group of groups) {
    if (remaining.length === 0) break;
    const current = state.nodes.filter((node) => node.nodeGroup === group.name).length;
    const room = group.maxSize - current;
    if (room <= 0) continue;
    const nodes: ClusterNode[] = Array.from({ length: room }, (_, k) => ({
      id: `${group.name}-new-${String(k).padStart(6, '0')}`,
      capacity: group.capacity,
      attributes: group.attributes ?? {},
      nodeGroup: group.name,
    }));
    const simulated: ScheduleInput = { nodes, allocations: [], pending: remaining, now: input.now };
    const simState = buildClusterState(simulated);
    const placer = createPlacer(
      simState,
      buildConstraintContext(simulated, simState),
      input.options ?? {},
      input.now,
    );
    const max = maxCapacityOf(simState);
    const prepared = remaining
      .map((task, i) => prepareTask(simState, task, max, i))
      .sort((a, b) => b.size - a.size);
    const placedIds: string[] = [];
    for (const task of prepared) if (placer.place(task) >= 0) placedIds.push(task.task.id);
    const count = Array.from(simState.taskCount).filter((c) => c > 0).length;
    if (count === 0) continue;
    const placed = new Set(placedIds);
    scaleUp.push({ nodeGroup: group.name, count, capacity: group.capacity, taskIds: placedIds.sort() });
    remaining = remaining.filter((task) => !placed.has(task.id));
  }
  const scaleDown: ScaleDownAdvice[] = [];
  const hasPending = unplaced.length > 0;
  for (const group of groups) {
    if (hasPending && scaleUp.some((advice) => advice.nodeGroup === group.name)) continue;
    const members = state.nodes.filter((node) => node.nodeGroup === group.name);
    const idle = members.filter((node) => state.taskCount[state.nodeIndex.get(node.id)!] === 0);
    const minIdle = group.minIdle ?? 0;
    const maxIdle = group.maxIdle ?? minIdle;
    if (idle.length <= maxIdle) continue;
    const cooldownMs = (group.cooldownSeconds ?? 0) * 1000;
    const since = input.options?.idleSince ?? {};
    const cooled = idle.filter((node) => input.now - (since[node.id] ?? input.now) >= cooldownMs);
    const releasable = Math.min(cooled.length, idle.length - minIdle, members.length - group.minSize);
    if (releasable <= 0) continue;
    // Release the highest ids first so the surviving set is stable from one iteration to the next.
    const nodeIds = cooled
      .map((node) => node.id)
      .sort()
      .reverse()
      .slice(0, releasable)
      .sort();
    scaleDown.push({ nodeGroup: group.name, nodeIds });
  }
  return { scaleUp, scaleDown };
}

function isPreempting(decision: TaskDecision): boolean {
  return decision.kind === 'unplaced' && decision.reason.startsWith('waiting for the preemption');
}
