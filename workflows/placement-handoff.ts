/**
 * Hand-offs: a run passes the reservation of a task that just ended to another task of its own, one whose
 * request still waits at the cluster service or one that became ready in the same workflow task, instead of
 * giving it back and asking again. The new task's activity is then scheduled in that very workflow task: no
 * signal to the cluster service and back, which cost two workflow tasks on each side per task (ready →
 * placed p50 272 ms in the engine bench). The service is told after the fact, in the run's
 * `placementChanges` signal, and moves the allocation to the new task. A request the service answered
 * meanwhile is answered twice: the run keeps its hand-off and drops the service's decision (it only takes
 * decisions for requests it still waits on), and the service, told of the hand-off, frees what it placed.
 *
 * A hand-off may not change what the scheduler would have allowed, so it is limited to what the run can
 * check alone (`canHandOff`): the same or a smaller resource vector, the same tier, no capacity group (whose
 * window the run cannot see), no pinned cpus or GPUs, and the same constraints, all of them about node
 * attributes (a unique-node or balance constraint depends on other allocations). Fairness is the service's:
 * a run hands off only while the service has not said that other runs' work waits for room
 * (`placementContention`; the slices and sub-pipelines of one top-level run are one party, whose requests
 * are never "others" to each other). Requests that already wait go first, oldest first. The service also
 * keeps a preemption: a hand-off from a reservation being evicted is evicted in turn.
 *
 * Pure: the matching is a function of the changes of one workflow task, in the order they were made.
 */
import type { PlacementDecision, PlacementHandOff, PlacementRequest } from './definitions.js';

/** Patch id (runs and foreach slices): reservations are handed off between tasks of the run. */
export const RUN_PLACEMENT_HANDOFF_PATCH = 'gantry-placement-handoff';
/** Patch id (cluster service): hand-offs are applied and contention is told to the runs that hand off. */
export const SERVICE_PLACEMENT_HANDOFF_PATCH = 'gantry-cluster-placement-handoff';

/** A reservation the run held, as it was asked for and granted. */
export interface HeldSlot {
  readonly request: PlacementRequest;
  readonly decision: Extract<PlacementDecision, { kind: 'placed' }>;
}

/** A change of one workflow task: a reservation given back (with what it held, if it may pass on), or a request. */
export type SlotChange =
  { readonly release: string; readonly slot?: HeldSlot } | { readonly request: PlacementRequest };

export interface HandOffPlan {
  readonly releases: string[];
  /** The new requests for the service: those of this workflow task that were not handed a reservation. */
  readonly requests: PlacementRequest[];
  readonly handOffs: PlacementHandOff[];
  /** The decision each handed-off request takes, by task id (waiting ones included). */
  readonly decisions: Map<string, PlacementDecision>;
}

const sameConstraints = (a: PlacementRequest, b: PlacementRequest) =>
  JSON.stringify(a.constraints) === JSON.stringify(b.constraints);

/** Whether `next` may take the room `slot` held without the scheduler's say (see the module comment). */
export function canHandOff(slot: HeldSlot, next: PlacementRequest): boolean {
  const { request: held, decision } = slot;
  if (decision.cpuset || (decision.gpus?.length ?? 0) > 0) return false;
  if (held.group !== undefined || next.group !== undefined || held.tier !== next.tier) return false;
  if (!sameConstraints(held, next) || next.constraints.some((c) => c.kind !== 'attribute')) return false;
  for (const [resource, amount] of Object.entries(next.request)) {
    if (amount > 0 && amount > (held.request[resource] ?? 0)) return false;
  }
  // Pinned resources go by the request too: a task asking for gpus is never handed a slot.
  return (next.request['gpu'] ?? 0) <= 0;
}

/**
 * Matches requests to the reservations one workflow task gave back, first fit in order: first the requests
 * that already wait at the service (`waiting`, oldest first), then the new ones of this workflow task. With
 * `isAllowed` false nothing is handed off. What is not matched goes to the service as before.
 */
export function planHandOffs(
  changes: readonly SlotChange[],
  waiting: readonly PlacementRequest[],
  isAllowed: boolean,
): HandOffPlan {
  const freed: { key: string; slot: HeldSlot | undefined; isTaken: boolean }[] = [];
  const asked: PlacementRequest[] = [];
  for (const change of changes) {
    if ('release' in change) freed.push({ key: change.release, slot: change.slot, isTaken: false });
    else asked.push(change.request);
  }
  const plan: HandOffPlan = { releases: [], requests: [], handOffs: [], decisions: new Map() };
  const handOff = (request: PlacementRequest): boolean => {
    if (!isAllowed) return false;
    const match = freed.find((f) => !f.isTaken && f.slot !== undefined && canHandOff(f.slot, request));
    if (!match?.slot) return false;
    match.isTaken = true;
    const { nodeId, taskQueue } = match.slot.decision;
    plan.handOffs.push({ from: match.key, nodeId, request });
    plan.decisions.set(request.taskId, { kind: 'placed', nodeId, taskQueue });
    return true;
  };
  for (const request of waiting) {
    if (freed.every((f) => f.isTaken)) break;
    handOff(request);
  }
  for (const request of asked) if (!handOff(request)) plan.requests.push(request);
  for (const f of freed) if (!f.isTaken) plan.releases.push(f.key);
  return plan;
}
