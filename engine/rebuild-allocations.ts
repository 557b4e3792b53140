/**
 * What a restarted cluster service owns, rebuilt from what its open runs hold (their `heldPlacements`
 * answers): a granted placement becomes an allocation, a request still waiting becomes a pending request.
 * Pure and deterministic: runs in id order, each run's placements in request order, pending requests by
 * the time they were sent (the queue's first-come order). O(p log p) for p placements.
 */
import type { OwnedAllocation, PendingRequest } from '../workflows/cluster-service.js';
import type { HeldPlacements } from '../workflows/definitions.js';

export interface RunAnswer {
  readonly runWorkflowId: string;
  readonly held: HeldPlacements;
}

export interface RebuiltClusterState {
  readonly allocations: OwnedAllocation[];
  readonly pending: PendingRequest[];
  /** Workflow ids of the runs that use this cluster, whether or not they hold anything now. */
  readonly runs: string[];
  /** Placement keys granted on nodes the inventory no longer has: left out, they reserve nothing. */
  readonly dropped: string[];
}

/**
 * Keeps the answers of runs that talk to `clusterWorkflowId` and turns them into the service's input.
 * `nodeIds` is the inventory the service restarts with.
 */
export function rebuildAllocations(
  clusterWorkflowId: string,
  nodeIds: ReadonlySet<string>,
  answers: readonly RunAnswer[],
): RebuiltClusterState {
  const mine = answers
    .filter((a) => a.held.clusterWorkflowId === clusterWorkflowId)
    .sort((a, b) => compare(a.runWorkflowId, b.runWorkflowId));
  const allocations: OwnedAllocation[] = [];
  const waiting: { request: PendingRequest; order: number }[] = [];
  const dropped: string[] = [];
  const seen = new Set<string>();
  for (const { held } of mine) {
    for (const { request, requestedAt, placed } of held.placements) {
      // Keys are `<run workflow id>/<task id>`; a run answers once, but never count one key twice.
      if (seen.has(request.key)) continue;
      seen.add(request.key);
      if (!placed) {
        waiting.push({ request: { ...request, enqueuedAt: requestedAt }, order: waiting.length });
        continue;
      }
      if (!nodeIds.has(placed.nodeId)) {
        dropped.push(request.key);
        continue;
      }
      allocations.push({
        taskId: request.key,
        nodeId: placed.nodeId,
        request: request.request,
        constraints: request.constraints,
        tier: request.tier,
        startedAt: placed.placedAt,
        runWorkflowId: request.runWorkflowId,
        runTaskId: request.taskId,
        ...(request.group ? { group: request.group } : {}),
        ...(request.expectedDurationSeconds
          ? { expectedDurationSeconds: request.expectedDurationSeconds }
          : {}),
        ...(placed.cpuset ? { cpuset: placed.cpuset } : {}),
        ...(placed.gpus ? { gpus: placed.gpus } : {}),
      });
    }
  }
  const pending = waiting
    .sort((a, b) => a.request.enqueuedAt - b.request.enqueuedAt || a.order - b.order)
    .map((w) => w.request);
  return { allocations, pending, runs: mine.map((a) => a.runWorkflowId), dropped };
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}
