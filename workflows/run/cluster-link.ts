/**
 * A workflow's side of the placement protocol with the cluster service: send a request, wait for the
 * decision signal, release the reservation, take preemptions. Used by runs and foreach slices alike.
 * Signals to a service that is gone are sent again after a growing pause, until the next gantry command
 * has restarted it from what the open workflows hold (heldPlacements), where a repeat is a no-op.
 *
 * Workflows of the placement-changes patch send what one activation gives back and asks for in one
 * `placementChanges` signal, once the activation has settled. Those of the placement-batches patch alone
 * sent the requests and the releases of one microtask flush in one signal each, and older executions one
 * signal per task; each keeps its protocol when replayed (workflows/placement-batches.ts). The service
 * answers each request the way it came, so both decision signals are taken here.
 *
 * Workflows of the hand-off patch also pass a finished task's reservation to a task that became ready in
 * the same workflow task, when the rules of workflows/placement-handoff.ts allow it; the new task starts
 * at once, and the service learns of it in the same signal.
 */
import {
  CancellationScope,
  CancelledFailure,
  condition,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  setHandler,
  sleep,
  workflowInfo,
} from '@temporalio/workflow';
import {
  type HeldPlacement,
  type PlacementDecision,
  type PlacementRequest,
  heldPlacementsQuery,
  placementChangesSignal,
  placementContentionSignal,
  placementDecidedSignal,
  placementsDecidedSignal,
  preemptTaskSignal,
  releasePlacementSignal,
  releasePlacementsSignal,
  releaseRunSignal,
  requestPlacementSignal,
  requestPlacementsSignal,
} from '../definitions.js';
import {
  RUN_PLACEMENT_BATCHES_PATCH,
  RUN_PLACEMENT_CHANGES_PATCH,
  createCoalescer,
} from '../placement-batches.js';
import {
  type HeldSlot,
  RUN_PLACEMENT_HANDOFF_PATCH,
  type SlotChange,
  planHandOffs,
} from '../placement-handoff.js';
import { EVENTS_PER_SIGNAL_RETRY, type HistoryBudget } from './history-budget.js';

const SIGNAL_RETRY_FIRST_MS = 1_000;
const SIGNAL_RETRY_MAX_MS = 30_000;

export interface ClusterLink {
  /** Sends the request (held until released) and waits for the service's decision. */
  place(request: PlacementRequest): Promise<PlacementDecision>;
  /**
   * Gives the reservation back, in the background (sent again while the service is gone), so the task's
   * outcome is not held up by an outage; the same task's next request waits for it. Never cancelled, so a
   * cancelled run still releases. `drain` waits for every release.
   */
  release(taskId: string, key: string): void;
  drain(): Promise<void>;
  /** Gives back everything of this workflow; a service that is gone holds nothing of it anyway. */
  releaseAll(): Promise<void>;
  /** Runs one attempt in a scope a preemption of `taskId` cancels; returns the preemption reason if it did. */
  preemptible<T>(taskId: string, attempt: () => Promise<T>): Promise<T>;
  /** The reason `taskId` was last preempted, taken (cleared) by this call. */
  takePreemption(taskId: string): string | undefined;
  /** The node `taskId` was last preempted off because it was lost, taken (cleared) by this call. */
  takeLostNode(taskId: string): string | undefined;
  /** Marks when the task started, for the held-placements answer. */
  noteStarted(taskId: string, at: number): void;
}

/**
 * Resolves once the current activation's jobs and the microtasks they queued have run: a condition is
 * checked once when made (false here), then by the SDK after those microtasks. It adds no command, so it
 * moves no event. Not cancellable: the batch it flushes may hold other tasks' changes.
 */
function activationSettled(): Promise<void> {
  let checks = 0;
  return CancellationScope.nonCancellable(() => condition(() => checks++ > 0));
}

/**
 * Patch id (issue #11): a preemption is not lost. One that arrives before its attempt's scope is kept for
 * the attempt; one whose attempt then ends in a failure rather than a cancellation (an activity on a dead
 * worker times out instead of acknowledging the cancel) is still taken as the preemption.
 */
export const PREEMPTION_KEPT_PATCH = 'gantry-preemption-kept';

export function openClusterLink(clusterWorkflowId: string, budget: HistoryBudget): ClusterLink {
  const cluster = getExternalWorkflowHandle(clusterWorkflowId);
  const decisions = new Map<string, PlacementDecision>();
  const scopes = new Map<string, CancellationScope>();
  const preemptions = new Map<string, string>();
  // Tasks preempted before their attempt's scope existed: the attempt leaves at once.
  const early = new Set<string>();
  // Tasks handed a reservation by this run → the delivery of the signal that says so.
  const handedOff = new Map<string, Promise<void>>();
  // Tasks preempted because their node was lost → that node.
  const lostNodes = new Map<string, string>();
  const startedAt = new Map<string, number>();
  // Task id → the request sent and not yet given back: what a restarted cluster service is rebuilt from.
  const held = new Map<string, PlacementRequest>();
  // Task id → its release while it is being delivered.
  const releases = new Map<string, Promise<void>>();
  // Called once, when the link opens (before any handler: a decision buffered across a continue-as-new is
  // taken as soon as its handler is set): every signal of this execution then follows one protocol.
  const isHandingOff = patched(RUN_PLACEMENT_HANDOFF_PATCH);
  const isChanges = isHandingOff || patched(RUN_PLACEMENT_CHANGES_PATCH);
  const isBatched = !isChanges && patched(RUN_PLACEMENT_BATCHES_PATCH);
  // Hand-offs: what each placed task holds, the tasks told to leave (their room is not theirs to pass
  // on), the requests sent that wait for the service's answer (oldest first), and whether it said that
  // other runs' work waits for room.
  const slots = new Map<string, HeldSlot>();
  const evicted = new Set<string>();
  const unanswered = new Map<string, PlacementRequest>();
  let othersWaiting = false;

  /**
   * Takes a decision for a request this run still waits on. With hand-offs, a request handed a reservation
   * meanwhile is answered already (the service frees what it placed), and a late answer to an earlier
   * request of the same task is told apart by its time. A restarted service answers the requests it was
   * rebuilt with one by one (`placementDecided`), so both signals go through here.
   */
  function decided(taskId: string, decision: PlacementDecision, requestedAt?: number): void {
    if (isHandingOff) {
      const request = unanswered.get(taskId);
      if (!request || (requestedAt !== undefined && requestedAt !== request.requestedAt)) return;
      unanswered.delete(taskId);
    }
    decisions.set(taskId, decision);
  }
  setHandler(placementDecidedSignal, ({ taskId, decision }) => decided(taskId, decision));
  setHandler(placementsDecidedSignal, (batch) => {
    for (const { taskId, decision, requestedAt } of batch.decisions) decided(taskId, decision, requestedAt);
    if (batch.othersWaiting !== undefined) othersWaiting = batch.othersWaiting;
  });
  setHandler(placementContentionSignal, (contention) => void (othersWaiting = contention.othersWaiting));
  setHandler(preemptTaskSignal, ({ taskId, reason, lostNode }) => {
    if (lostNode !== undefined) lostNodes.set(taskId, lostNode);
    const scope = scopes.get(taskId);
    if (!scope) {
      // Before its attempt's scope exists (its decision came in the same activation, say): kept for the
      // attempt while the task holds its request, as a node's loss must not be lost (older runs dropped it).
      if (held.has(taskId) && patched(PREEMPTION_KEPT_PATCH)) {
        preemptions.set(taskId, reason);
        evicted.add(taskId);
        early.add(taskId);
      }
      return;
    }
    preemptions.set(taskId, reason);
    evicted.add(taskId);
    scope.cancel();
  });
  setHandler(heldPlacementsQuery, () => ({
    clusterWorkflowId,
    placements: [...held].map(([taskId, request]): HeldPlacement => {
      const requestedAt = request.requestedAt ?? 0;
      const decision = decisions.get(taskId);
      if (decision?.kind !== 'placed') return { request, requestedAt };
      return {
        request,
        requestedAt,
        placed: {
          nodeId: decision.nodeId,
          ...(decision.cpuset ? { cpuset: decision.cpuset } : {}),
          ...(decision.gpus ? { gpus: decision.gpus } : {}),
          placedAt: startedAt.get(taskId) ?? requestedAt,
        },
      };
    }),
  }));

  async function sendUntilDelivered(send: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await send();
      } catch (err) {
        if (isCancellation(err)) throw err;
        budget.add(EVENTS_PER_SIGNAL_RETRY);
        await sleep(Math.min(SIGNAL_RETRY_MAX_MS, SIGNAL_RETRY_FIRST_MS * 2 ** attempt));
      }
    }
  }

  const { workflowId: runWorkflowId, root } = workflowInfo();
  // The top-level run: its slices and sub-pipelines share its room without counting as others.
  const party = root?.workflowId ?? runWorkflowId;
  /** One workflow task's changes: hand-offs decided here and now, the rest to the service. */
  function sendChanges(changes: readonly SlotChange[]): Promise<void> {
    // Only requests whose task still waits: a decision taken is never handed a second reservation.
    const waiting = [...unanswered.values()].filter((r) => !decisions.has(r.taskId));
    const plan = planHandOffs(changes, waiting, isHandingOff && !othersWaiting);
    for (const [taskId, decision] of plan.decisions) {
      decisions.set(taskId, decision);
      unanswered.delete(taskId);
    }
    if (isHandingOff) for (const request of plan.requests) unanswered.set(request.taskId, request);
    const { releases, requests, handOffs } = plan;
    const changed = isHandingOff
      ? { releases, requests, handOffs, runWorkflowId, party }
      : { releases, requests };
    const sent = CancellationScope.nonCancellable(() =>
      sendUntilDelivered(() => cluster.signal(placementChangesSignal, changed)),
    );
    for (const taskId of plan.decisions.keys()) handedOff.set(taskId, sent);
    return sent;
  }
  const changeBatches = createCoalescer<SlotChange>(sendChanges, undefined, activationSettled);
  // Sent whatever becomes of the task that asked first: each waits for its own decision, cancellably.
  const requestBatches = createCoalescer<PlacementRequest>((requests) =>
    CancellationScope.nonCancellable(() =>
      sendUntilDelivered(() => cluster.signal(requestPlacementsSignal, { requests })),
    ),
  );
  const releaseBatches = createCoalescer<string>((keys) =>
    CancellationScope.nonCancellable(() =>
      sendUntilDelivered(() => cluster.signal(releasePlacementsSignal, { keys })),
    ),
  );

  return {
    async place(request) {
      // A re-queued task's release must reach the service first: a request for a key it still holds is a
      // no-op there, and the task would wait for ever.
      const releasing = releases.get(request.taskId);
      if (releasing) await releasing;
      decisions.delete(request.taskId);
      // Held from before the signal: a service rebuilt meanwhile ignores the duplicate if both arrive.
      held.set(request.taskId, request);
      if (isChanges) void changeBatches.add({ request });
      else if (isBatched) void requestBatches.add(request);
      else await sendUntilDelivered(() => cluster.signal(requestPlacementSignal, request));
      await condition(() => decisions.has(request.taskId));
      const decision = decisions.get(request.taskId)!;
      // The service forgets a request it rejects, and no release is sent for it.
      if (decision.kind === 'rejected') held.delete(request.taskId);
      else if (isHandingOff) slots.set(request.taskId, { request, decision });
      return decision;
    },
    release(taskId, key) {
      // Given back before the signal goes: a service rebuilt after it was sent must not count it.
      held.delete(taskId);
      early.delete(taskId);
      handedOff.delete(taskId);
      startedAt.delete(taskId);
      // A task told to leave gives its room back: it was promised to someone else.
      const slot = evicted.delete(taskId) ? undefined : slots.get(taskId);
      slots.delete(taskId);
      const sent = isChanges
        ? changeBatches.add(slot ? { release: key, slot } : { release: key })
        : isBatched
          ? releaseBatches.add(key)
          : CancellationScope.nonCancellable(() =>
              sendUntilDelivered(() => cluster.signal(releasePlacementSignal, { key })),
            );
      releases.set(taskId, sent);
      void sent.finally(() => {
        if (releases.get(taskId) === sent) releases.delete(taskId);
      });
    },
    async drain() {
      while (releases.size > 0) await Promise.all(releases.values());
    },
    async releaseAll() {
      held.clear();
      slots.clear();
      await CancellationScope.nonCancellable(() =>
        cluster.signal(releaseRunSignal, { runWorkflowId }).catch(() => undefined),
      );
    },
    async preemptible(taskId, attempt) {
      if (early.delete(taskId)) {
        // A reservation handed to it must reach the service before its release does: the signals of one
        // workflow task may arrive in any order, and a release overtaken by its hand-off would leave the
        // task's next request looking like a repeat.
        await handedOff.get(taskId);
        throw new CancelledFailure(`preempted: ${preemptions.get(taskId) ?? ''}`);
      }
      const scope = new CancellationScope();
      scopes.set(taskId, scope);
      try {
        const result = await scope.run(attempt);
        // Finished in spite of a preemption that crossed its end: nothing is left for a later attempt to take.
        preemptions.delete(taskId);
        return result;
      } catch (err) {
        const reason = preemptions.get(taskId);
        if (reason !== undefined && !isCancellation(err) && patched(PREEMPTION_KEPT_PATCH))
          throw new CancelledFailure(`preempted: ${reason}`, [], err instanceof Error ? err : undefined);
        throw err;
      } finally {
        scopes.delete(taskId);
      }
    },
    takeLostNode(taskId) {
      const node = lostNodes.get(taskId);
      lostNodes.delete(taskId);
      return node;
    },
    takePreemption(taskId) {
      const reason = preemptions.get(taskId);
      preemptions.delete(taskId);
      return reason;
    },
    noteStarted(taskId, at) {
      startedAt.set(taskId, at);
    },
  };
}
