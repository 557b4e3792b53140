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
 */
import {
  CancellationScope,
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
  type PlacementChange,
  RUN_PLACEMENT_BATCHES_PATCH,
  RUN_PLACEMENT_CHANGES_PATCH,
  createCoalescer,
  splitChanges,
} from '../placement-batches.js';
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

export function openClusterLink(clusterWorkflowId: string, budget: HistoryBudget): ClusterLink {
  const cluster = getExternalWorkflowHandle(clusterWorkflowId);
  const decisions = new Map<string, PlacementDecision>();
  const scopes = new Map<string, CancellationScope>();
  const preemptions = new Map<string, string>();
  const startedAt = new Map<string, number>();
  // Task id → the request sent and not yet given back: what a restarted cluster service is rebuilt from.
  const held = new Map<string, PlacementRequest>();
  // Task id → its release while it is being delivered.
  const releases = new Map<string, Promise<void>>();

  setHandler(placementDecidedSignal, ({ taskId, decision }) => void decisions.set(taskId, decision));
  setHandler(placementsDecidedSignal, (batch) => {
    for (const { taskId, decision } of batch.decisions) decisions.set(taskId, decision);
  });
  setHandler(preemptTaskSignal, ({ taskId, reason }) => {
    const scope = scopes.get(taskId);
    if (!scope) return;
    preemptions.set(taskId, reason);
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

  // Called once, when the link opens: every signal of this execution then follows one protocol.
  const isChanges = patched(RUN_PLACEMENT_CHANGES_PATCH);
  const isBatched = !isChanges && patched(RUN_PLACEMENT_BATCHES_PATCH);
  const changeBatches = createCoalescer<PlacementChange<PlacementRequest>>(
    (changes) =>
      CancellationScope.nonCancellable(() =>
        sendUntilDelivered(() => cluster.signal(placementChangesSignal, splitChanges(changes))),
      ),
    undefined,
    activationSettled,
  );
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
      return decision;
    },
    release(taskId, key) {
      // Given back before the signal goes: a service rebuilt after it was sent must not count it.
      held.delete(taskId);
      startedAt.delete(taskId);
      const sent = isChanges
        ? changeBatches.add({ release: key })
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
      const { workflowId } = workflowInfo();
      await CancellationScope.nonCancellable(() =>
        cluster.signal(releaseRunSignal, { runWorkflowId: workflowId }).catch(() => undefined),
      );
    },
    async preemptible(taskId, attempt) {
      const scope = new CancellationScope();
      scopes.set(taskId, scope);
      try {
        return await scope.run(attempt);
      } finally {
        scopes.delete(taskId);
      }
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
