/**
 * The cluster service: one long-lived workflow per cluster that owns the node inventory and every
 * allocation, so all concurrent runs see one source of truth. Runs ask for placements by signal and get
 * the decision back by signal.
 *
 * Determinism: every decision is taken synchronously inside the handler of the event that caused it
 * (a request, a release, a new inventory), in the order the events stand in history. The commands of a
 * workflow task therefore depend only on the events it applies, never on how signals interleave with a
 * loop or on when acknowledgements arrive. (The loop this replaces decided wherever its loop happened to
 * wake; see cluster/legacy-loop.ts, still used to replay executions that started under it.)
 *
 * For the same reason the service reads nothing from its activations: not `workflowInfo().historyLength`
 * or `continueAsNewSuggested`, not `Date.now()` past its first task. A worker that answers a query on a
 * workflow it has not cached replays the history and also applies the signals that arrived after the last
 * workflow task (Core takes them as part of "the last task"); the real task then brings only the rest. Those
 * early signals run in an activation that has no task of its own, so its history length, suggestion flag
 * and clock are not the ones a replay sees. Time comes from the requests (`requestedAt`), and the hand-over
 * point from a bound on the events the service has caused.
 *
 * Hand-over: once that bound passes `maxHistoryEvents`, the service stops deciding, lets the decisions
 * already sent be acknowledged, and continues as new with its state. Requests that arrive meanwhile wait in
 * `pending` and are decided by the next execution at once, so steady traffic cannot keep it from handing
 * over, and no decision is lost with the closing execution.
 *
 * Batches: runs of the placement-batches patch ask and give back many placements per signal. A batch is
 * one event, handled like its requests one after the other but decided once; the decisions one handler
 * takes for batched requests go to each run in one `placementsDecided` signal, and a request that came
 * alone is answered alone (workflows/placement-batches.ts). The bound counts what the history really
 * holds: one event per batch in, one signal per run out.
 *
 * Hand-offs: runs of the hand-off patch pass a finished task's reservation to a new task of their own and
 * say so afterwards (workflows/placement-handoff.ts). The service moves the allocation; one that was being
 * evicted stays evicted, so the new task is told to leave in turn. Such runs hand off only while the
 * service has not told them that other runs' work waits for room (`placementContention`, sent when that
 * starts; its end rides on the run's next decisions), so a run cannot keep its room from others.
 */
import { type ChangeSignature, checkAdminSignature } from '../common/cluster-admins.js';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  patched,
  proxyActivities,
  setHandler,
  sleep,
} from '@temporalio/workflow';
import { type ClusterSpec, toScheduleOptions } from '../common/cluster-spec.js';
import { nodeTaskQueue } from '../common/names.js';
import { fits } from '../common/resources.js';
import { assignGpus } from '../scheduler/placement/gpu-pinning.js';
import { schedule } from '../scheduler/placement/schedule.js';
import { SERVICE_MAX_SEARCH_WORK } from '../scheduler/placement/search-work.js';
import type { ScalingAdvice } from '../scheduler/placement/types.js';
import {
  type WindowState,
  closedWindowVictims,
  groupWindowStates,
  holdOutsideWindows,
  nextWindowChange,
  outsideWindowReason,
} from '../scheduler/placement/windows.js';
import { legacyClusterService } from './cluster/legacy-loop.js';
import {
  type BatchedDecision,
  SERVICE_PLACEMENT_BATCHES_PATCH,
  groupDecisions,
} from './placement-batches.js';
import { SERVICE_PLACEMENT_HANDOFF_PATCH } from './placement-handoff.js';
import {
  type ClusterServiceInput,
  type OwnedAllocation,
  type PendingRequest,
  allocationOf,
  checkReconfiguration,
  scheduleInputOf,
  snapshotOf,
  trackIdleNodes,
  WINDOW_CLOSED,
} from './cluster/state.js';
import { createWindowTimer } from './cluster/window-timer.js';
import { DEFAULT_NODE_LOST_SECONDS, trackNodeHealth } from './cluster/node-health.js';
import {
  DEFAULT_RECONCILE_SECONDS,
  EVENTS_PER_RECONCILE,
  RECONCILE_PATCH,
  reconcileLoop,
} from './cluster/reconcile-loop.js';
import {
  type PlacementDecision,
  clusterSnapshotQuery,
  configureClusterUpdate,
  type NodeHealthActivities,
  nodeHeartbeatSignal,
  type PlacementHandOff,
  type PlacementRequest,
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
} from './definitions.js';

/** Patch id: placements of GPU tasks carry the device ids pinned to them. */
export const GPU_IDS_PATCH = 'gantry-cluster-gpu-ids';

export type { ClusterServiceInput, OwnedAllocation, PendingRequest } from './cluster/state.js';

/** Patch id: executions that started before decisions moved into the handlers keep the legacy loop. */
export const DECIDE_IN_HANDLERS_PATCH = 'gantry-cluster-decide-in-handlers';

/**
 * Patch id: off-peak windows (a durable timer per boundary, window-close preemptions). Only a cluster that
 * declares windows reaches it, so histories recorded without them replay unchanged.
 */
export const WINDOWS_PATCH = 'gantry-cluster-windows';

/**
 * Patch id: the placement improvement phase gets a count of work (`maxSearchWork`), so one decision cannot
 * outlast the workflow-task timeout; executions that started without it keep deciding as they did.
 */
export const SEARCH_BUDGET_PATCH = 'gantry-cluster-search-budget';

// Small enough that a replay from scratch (after a worker restart, or a hand-over the server refused
// because signals arrived during it) takes a fraction of a second; each hand-over carries only the state.
const DEFAULT_MAX_HISTORY_EVENTS = 2_000;
// Temporal's own advice is to continue as new well before 10,000 events; larger settings are capped.
const MAX_HISTORY_EVENTS_CAP = 10_000;
// Upper bounds of the history events one message adds: the event itself plus, at most, a workflow task of
// its own (scheduled, started, completed); a signal sent adds its initiation and its acknowledgement.
const EVENTS_PER_MESSAGE_IN = 4;
const EVENTS_PER_SIGNAL_OUT = 5;
const EVENTS_AT_START = 4;
// A window timer: started, fired or cancelled, and a workflow task of its own.
const EVENTS_PER_TIMER = 5;
// The server refuses to close an execution while signals it has not delivered wait (UnhandledCommand), and
// the worker then replays the whole history before trying again. So the service first waits, a few times
// at most, for a moment in which no message arrives; under steady traffic it hands over all the same and
// lets the server's refusal and retry deliver the late signals.
const HAND_OVER_QUIET_MS = 250;
const HAND_OVER_QUIET_TRIES = 4;

export async function clusterService(input: ClusterServiceInput): Promise<void> {
  if (!patched(DECIDE_IN_HANDLERS_PATCH)) return legacyClusterService(input);

  let spec = input.spec;
  const maxHistoryEvents = Math.min(
    input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS,
    MAX_HISTORY_EVENTS_CAP,
  );
  // At least the history's length: a count of what this execution received and sent.
  let historyBound = EVENTS_AT_START;
  // Workflow time as the requests tell it; never runs backwards.
  let clock = Math.max(input.clock ?? 0, Date.now());
  const advanceClock = (at: number | undefined) => (clock = Math.max(clock, at ?? clock));
  // Keyed by placement key; Map iteration follows insertion, so the order is the order of events.
  const allocations = new Map<string, OwnedAllocation>((input.allocations ?? []).map((a) => [a.taskId, a]));
  const pending = new Map<string, PendingRequest>((input.pending ?? []).map((p) => [p.key, p]));
  let placements = input.placements ?? 0;
  const reasons = new Map<string, string>();
  let scaling: ScalingAdvice | undefined;
  // When each node last became empty, for the autoscaler's scale-down cooldown.
  const idleSince = new Map<string, number>(input.idleSince ? Object.entries(input.idleSince) : []);
  // Victims told to leave but still holding their resources until their run releases them, and for whom.
  const evicting = new Map<string, string>(input.evicting ? Object.entries(input.evicting) : []);
  // Signals to runs not yet acknowledged: a hand-over waits for them, since a closed execution's
  // outstanding signals are not delivered.
  let unacknowledged = 0;
  let isHandingOver = false;
  // Runs that hand off reservations (→ their party, the top-level run), and those of them told that other
  // parties' work waits for room.
  const handOffRuns = new Map<string, string>(Object.entries(input.handOffRuns ?? {}));
  const toldWaiting = new Set<string>(input.toldWaiting ?? []);
  // Declared before any handler: signals buffered across a hand-over run as soon as handlers are set.
  let hasHandOffMarker = false;
  const partyOf = (run: string) => handOffRuns.get(run) ?? run;
  // Node health from the node workers' heartbeats (cluster/node-health.ts): lost nodes' tasks go elsewhere.
  const nodeHealth = trackNodeHealth(input.nodeHealth, {
    lostAfterSeconds: () => spec.nodeLostAfterSeconds ?? DEFAULT_NODE_LOST_SECONDS,
    nodeIds: () => spec.nodes.map((n) => n.id),
    clock: () => clock,
    advanceClock: (at) => advanceClock(at),
    isStopping: () => isHandingOver,
    countEvents: (events) => {
      historyBound += events;
      if (historyBound > maxHistoryEvents) startHandOver();
    },
    onLost: (nodeId, reason) => {
      for (const [key, a] of allocations) {
        if (a.nodeId !== nodeId) continue;
        allocations.delete(key);
        evicting.delete(key);
        preempt(a, reason, nodeId);
      }
      decide();
    },
    onAvailable: () => decide(),
    clearNode: (nodeId) =>
      proxyActivities<NodeHealthActivities>({
        taskQueue: nodeTaskQueue(spec.name, nodeId),
        // A worker that polls takes it at once; one that does not leaves the node lost until it does.
        scheduleToStartTimeout: '1m',
        startToCloseTimeout: '2m',
        retry: { maximumAttempts: 1 },
        summary: `node ${nodeId} came back: remove the task containers it still has`,
      }).clearLostNode({ cluster: spec.name, nodeId }),
  });
  /** Whether parties other than `run`'s wait for room (`waiting`: the parties whose requests wait). */
  const othersWait = (waiting: ReadonlySet<string>, run: string) =>
    waiting.size > (waiting.has(partyOf(run)) ? 1 : 0);

  // Off-peak windows: a group's state follows from the clock; each boundary is a timer whose handler
  // decides as a request's would (scheduler/placement/windows.ts, ARCHITECTURE.md).
  const groups = () => toScheduleOptions(spec.scheduling).groups;
  const hasWindows = () =>
    Object.values(groups() ?? {}).some((g) => (g.windows?.length ?? 0) > 0) && patched(WINDOWS_PATCH);
  const windowTimer = createWindowTimer(
    () => {
      historyBound += EVENTS_PER_TIMER;
      if (historyBound > maxHistoryEvents) startHandOver();
    },
    (boundary) => {
      advanceClock(boundary);
      decide();
      armWindowTimer();
    },
  );
  function armWindowTimer(): void {
    if (isHandingOver) return;
    const next = hasWindows() ? nextWindowChange(groupWindowStates(groups(), clock)) : undefined;
    // The boundary comes from the clock; only the duration is measured from the activation's time, since a
    // clock that no request has moved for a while would fire late (durations are not part of replay).
    windowTimer.arm(next, Math.max(clock, Date.now()));
  }

  const snapshot = () =>
    snapshotOf({
      spec,
      allocations: allocations.values(),
      pending: pending.values(),
      reasons,
      placements,
      scaling,
      health: nodeHealth.entries(),
    });

  /** Sends one signal to a run; if the run is gone (cancelled, terminated), its reservations must not leak. */
  function signalRun(allocationKeys: string | readonly string[], send: () => Promise<void>): void {
    unacknowledged += 1;
    historyBound += EVENTS_PER_SIGNAL_OUT;
    void send().then(
      () => {
        unacknowledged -= 1;
      },
      () => {
        unacknowledged -= 1;
        for (const key of typeof allocationKeys === 'string' ? [allocationKeys] : allocationKeys) {
          allocations.delete(key);
          evicting.delete(key);
        }
        decide();
      },
    );
  }

  const notifyBatches = (decisions: readonly BatchedDecision[], waiting: ReadonlySet<string>) => {
    for (const batch of groupDecisions(decisions)) {
      const run = batch.runWorkflowId;
      // Runs that hand off learn with their decisions whether others still wait (older runs never ask).
      const contention = handOffRuns.has(run) ? { othersWaiting: othersWait(waiting, run) } : {};
      if (contention.othersWaiting === true) toldWaiting.add(run);
      else if (contention.othersWaiting === false) toldWaiting.delete(run);
      signalRun(batch.keys, () =>
        getExternalWorkflowHandle(run).signal(placementsDecidedSignal, {
          decisions: batch.decisions,
          ...contention,
        }),
      );
    }
  };

  /** Tells the runs that hand off and hold room that other runs' work now waits for it (once each). */
  function tellContention(waiting: ReadonlySet<string>): void {
    if (waiting.size === 0) return;
    const holders = new Set<string>();
    for (const a of allocations.values()) holders.add(a.runWorkflowId);
    for (const run of handOffRuns.keys()) {
      if (toldWaiting.has(run) || !holders.has(run) || !othersWait(waiting, run)) continue;
      toldWaiting.add(run);
      signalRun([], () =>
        getExternalWorkflowHandle(run).signal(placementContentionSignal, { othersWaiting: true }),
      );
    }
  }

  const notify = (request: PendingRequest, decision: PlacementDecision) =>
    signalRun(request.key, () =>
      getExternalWorkflowHandle(request.runWorkflowId).signal(placementDecidedSignal, {
        taskId: request.taskId,
        decision,
      }),
    );

  function preempt(victim: OwnedAllocation, reason: string, lostNode?: string): void {
    signalRun(victim.taskId, () =>
      getExternalWorkflowHandle(victim.runWorkflowId).signal(preemptTaskSignal, {
        taskId: victim.runTaskId,
        reason,
        ...(lostNode === undefined ? {} : { lostNode }),
      }),
    );
  }

  /**
   * Device ids for a task that asks for GPUs. Only such placements reach `patched`, so histories without
   * GPU tasks replay unchanged; older ones with GPU tasks keep placing them without ids.
   */
  function gpusFor(request: PendingRequest, nodeId: string): string[] | undefined {
    const count = request.request['gpu'] ?? 0;
    if (count <= 0 || !patched(GPU_IDS_PATCH)) return undefined;
    const node = spec.nodes.find((n) => n.id === nodeId);
    const held = [...allocations.values()].filter((a) => a.nodeId === nodeId).map((a) => a.gpus);
    // The packer counted the node's gpus, so ids are free; a shortfall would be a bug, and ids are then left out.
    return assignGpus(node?.capacity['gpu'] ?? 0, held, count);
  }

  let hasSearchBudgetMarker = false;
  /**
   * One scheduling iteration over everything pending, its decisions sent before it returns. Synchronous on
   * purpose: called from handlers, its commands follow the event that triggered it and nothing else.
   */
  function decide(): void {
    if (isHandingOver) return;
    const windows = hasWindows() ? groupWindowStates(groups(), clock) : undefined;
    if (windows) preemptClosedWindows(windows);
    if (pending.size === 0) return;
    const now = clock;
    trackIdleNodes(spec, allocations.values(), idleSince, now);
    const { offered, held } = windows
      ? holdOutsideWindows(pending.values(), windows)
      : { offered: pending.values(), held: [] };
    for (const { task, opensAt } of held) reasons.set(task.key, outsideWindowReason(opensAt));
    const heldKeys = new Set(held.map(({ task }) => task.key));
    const unavailable = nodeHealth.unavailable();
    const iteration = scheduleInputOf({
      spec,
      allocations: allocations.values(),
      pending: offered,
      evicting,
      idleSince,
      now,
      ...(unavailable.size > 0 ? { unavailable } : {}),
    });
    const isBudgeted = patched(SEARCH_BUDGET_PATCH);
    // The patch's marker: one event, the first time.
    if (isBudgeted && !hasSearchBudgetMarker) historyBound += 1;
    hasSearchBudgetMarker ||= isBudgeted;
    const result = schedule(
      isBudgeted
        ? { ...iteration, options: { maxSearchWork: SERVICE_MAX_SEARCH_WORK, ...iteration.options } }
        : iteration,
    );
    scaling = result.scaling;
    // Decisions for batched requests, sent per run once all are taken; single requests are answered alone.
    const batched: BatchedDecision[] = [];
    const answer = (request: PendingRequest, decision: PlacementDecision) => {
      if (!request.isBatched) return notify(request, decision);
      const { runWorkflowId, key, taskId, requestedAt } = request;
      // Runs that hand off tell a late answer apart by the time of the request it answers.
      const echo = handOffRuns.has(runWorkflowId) && requestedAt !== undefined ? { requestedAt } : {};
      batched.push({ runWorkflowId, key, taskId, decision, ...echo });
    };
    for (const decision of result.decisions) {
      const request = pending.get(decision.taskId)!;
      if (decision.kind === 'placed') {
        const gpus = gpusFor(request, decision.nodeId);
        allocations.set(request.key, allocationOf(request, decision.nodeId, decision.cpuset, now, gpus));
        placements += 1;
        pending.delete(request.key);
        reasons.delete(request.key);
        answer(request, {
          kind: 'placed',
          nodeId: decision.nodeId,
          taskQueue: nodeTaskQueue(spec.name, decision.nodeId),
          ...(decision.cpuset ? { cpuset: decision.cpuset } : {}),
          ...(gpus ? { gpus } : {}),
        });
      } else if (decision.isImpossible && unavailable.size > 0 && fitsUnavailable(request, unavailable)) {
        // Only nodes that are away could run it: it waits for them rather than fail.
        reasons.set(
          request.key,
          `${decision.reason}; waiting for node(s) ${[...unavailable].sort().join(', ')} to come back`,
        );
      } else if (decision.isImpossible) {
        pending.delete(request.key);
        reasons.delete(request.key);
        answer(request, { kind: 'rejected', reason: decision.reason });
      } else {
        reasons.set(request.key, decision.reason);
      }
    }
    const waiting = new Set<string>();
    if (handOffRuns.size > 0)
      for (const p of pending.values()) if (!heldKeys.has(p.key)) waiting.add(partyOf(p.runWorkflowId));
    notifyBatches(batched, waiting);
    tellContention(waiting);
    for (const preemption of result.preemptions) {
      for (const victim of preemption.victims) {
        const allocation = allocations.get(victim);
        if (!allocation || evicting.has(victim)) continue;
        evicting.set(victim, preemption.forTaskId);
        reasons.set(
          preemption.forTaskId,
          `preempting ${preemption.victims.length} flex task(s) on ${preemption.nodeId}`,
        );
        preempt(allocation, `preempted on ${preemption.nodeId} for critical task ${preemption.forTaskId}`);
      }
    }
    trackIdleNodes(spec, allocations.values(), idleSince, now);
  }

  function fitsUnavailable(request: PendingRequest, unavailable: ReadonlySet<string>): boolean {
    return spec.nodes.some((n) => unavailable.has(n.id) && fits(request.request, n.capacity));
  }

  /** Flex tasks of `onWindowClose: preempt` groups outside their window go back to the queue. */
  function preemptClosedWindows(windows: ReadonlyMap<string, WindowState>): void {
    for (const victim of closedWindowVictims(allocations.values(), groups(), windows)) {
      if (evicting.has(victim.taskId)) continue;
      evicting.set(victim.taskId, WINDOW_CLOSED);
      preempt(victim, `preempted on ${victim.nodeId}: the window of group "${victim.group}" closed`);
    }
  }

  let messagesReceived = 0;
  const received = () => {
    messagesReceived += 1;
    historyBound += EVENTS_PER_MESSAGE_IN;
    if (historyBound > maxHistoryEvents) startHandOver();
  };

  /** Queues a request; false if it is a repeat (signals may be redelivered after a run's retry). */
  function enqueue(request: PlacementRequest, isBatched: boolean): boolean {
    advanceClock(request.requestedAt);
    if (pending.has(request.key) || allocations.has(request.key)) return false;
    pending.set(request.key, { ...request, enqueuedAt: clock, ...(isBatched ? { isBatched } : {}) });
    reasons.set(
      request.key,
      isHandingOver ? 'the cluster service is handing over to its next execution' : 'waiting for room',
    );
    return true;
  }
  function free(key: string): void {
    allocations.delete(key);
    evicting.delete(key);
    pending.delete(key);
    reasons.delete(key);
  }

  setHandler(requestPlacementSignal, (request) => {
    received();
    if (enqueue(request, false)) decide();
  });
  let hasBatchMarker = false;
  setHandler(requestPlacementsSignal, ({ requests }) => {
    received();
    // Only runs of the batches patch send this signal; the patch marks the service's answers in batches.
    const isBatched = patched(SERVICE_PLACEMENT_BATCHES_PATCH);
    // The patch's marker: one event, the first time.
    if (isBatched && !hasBatchMarker) historyBound += 1;
    hasBatchMarker ||= isBatched;
    let isNew = false;
    for (const request of requests) isNew = enqueue(request, isBatched) || isNew;
    if (isNew) decide();
  });
  // Runs of the placement-changes patch: what one of their workflow tasks gave back, then asked for.
  setHandler(placementChangesSignal, ({ releases, requests, handOffs, runWorkflowId, party }) => {
    received();
    for (const key of releases) free(key);
    // Only runs of the hand-off patch send the field, so older histories never reach the patch.
    if (handOffs !== undefined && patched(SERVICE_PLACEMENT_HANDOFF_PATCH)) {
      if (!hasHandOffMarker) historyBound += 1;
      hasHandOffMarker = true;
      if (runWorkflowId !== undefined) handOffRuns.set(runWorkflowId, party ?? runWorkflowId);
      for (const handOff of handOffs) applyHandOff(handOff);
    }
    const isBatched = requests.length > 0 && patched(SERVICE_PLACEMENT_BATCHES_PATCH);
    if (isBatched && !hasBatchMarker) historyBound += 1;
    hasBatchMarker ||= isBatched;
    let isNew = false;
    for (const request of requests) isNew = enqueue(request, isBatched) || isNew;
    // Hand-offs alone move room from task to task: nothing new to decide over a queue that may be long.
    if (handOffs !== undefined && releases.length === 0 && !isNew) return;
    decide();
  });
  /**
   * Moves a reservation to the task the run passed it to; an evicted one is evicted again. The task's own
   * request may still wait here (it is dropped), or have been placed meanwhile: the run drops that answer,
   * so the room placed for it is freed. A repeated signal moves nothing more.
   */
  function applyHandOff({ from, nodeId, request }: PlacementHandOff): void {
    advanceClock(request.requestedAt);
    const evictedFor = evicting.get(from) ?? evicting.get(request.key);
    // Placed here meanwhile (or a repeat): counted once already.
    const wasPlaced = allocations.has(request.key);
    free(from);
    free(request.key);
    const allocation = allocationOf({ ...request, enqueuedAt: clock }, nodeId, undefined, clock);
    if (!spec.nodes.some((n) => n.id === nodeId)) {
      // The node left the cluster with nothing recorded on it: the task must not run there unseen.
      preempt(allocation, `preempted: node ${nodeId} is no longer in the cluster`);
      return;
    }
    if (nodeHealth.isDown(nodeId)) {
      // Lost since: its containers go when it comes back, so the task runs elsewhere.
      preempt(allocation, `preempted: node ${nodeId} is lost`, nodeId);
      return;
    }
    allocations.set(request.key, allocation);
    if (!wasPlaced) placements += 1;
    if (evictedFor === undefined) return;
    evicting.set(request.key, evictedFor);
    preempt(
      allocation,
      evictedFor === WINDOW_CLOSED
        ? `preempted on ${nodeId}: the window of its group closed`
        : `preempted on ${nodeId} for critical task ${evictedFor}`,
    );
  }
  setHandler(releasePlacementSignal, ({ key }) => {
    received();
    free(key);
    decide();
  });
  setHandler(releasePlacementsSignal, ({ keys }) => {
    received();
    for (const key of keys) free(key);
    decide();
  });
  setHandler(nodeHeartbeatSignal, (beat) => {
    received();
    nodeHealth.heartbeat(beat);
  });
  setHandler(releaseRunSignal, ({ runWorkflowId }) => {
    received();
    forgetRun(runWorkflowId);
    decide();
  });
  /** Frees everything a run holds or waits for: it said it ended, or reconciliation found it closed. */
  function forgetRun(runWorkflowId: string): void {
    handOffRuns.delete(runWorkflowId);
    toldWaiting.delete(runWorkflowId);
    for (const [key, a] of allocations) {
      if (a.runWorkflowId !== runWorkflowId) continue;
      allocations.delete(key);
      evicting.delete(key);
    }
    for (const [key, p] of pending) {
      if (p.runWorkflowId !== runWorkflowId) continue;
      pending.delete(key);
      reasons.delete(key);
    }
  }
  setHandler(
    configureClusterUpdate,
    (next) => {
      received();
      spec = next;
      decide();
      armWindowTimer();
      return snapshot();
    },
    {
      validator: (next: ClusterSpec, signature?: ChangeSignature) => {
        checkReconfiguration(next, spec, allocations.values());
        // Validators do not run on replay, so this check needs no patch.
        checkAdminSignature(next, spec, signature, Date.now());
      },
    },
  );
  setHandler(clusterSnapshotQuery, snapshot);

  // Requests carried over from the previous execution are decided in this one's first task.
  decide();
  armWindowTimer();
  if (patched(RECONCILE_PATCH)) {
    void reconcileLoop({
      intervalSeconds: () => spec.reconcileIntervalSeconds ?? DEFAULT_RECONCILE_SECONDS,
      isHolding: () => allocations.size > 0 || pending.size > 0,
      heldRuns: () => {
        const runs = new Set<string>();
        for (const a of allocations.values()) runs.add(a.runWorkflowId);
        for (const p of pending.values()) runs.add(p.runWorkflowId);
        return [...runs].sort();
      },
      isStopping: () => isHandingOver,
      onRound: () => {
        historyBound += EVENTS_PER_RECONCILE;
        if (historyBound > maxHistoryEvents) startHandOver();
      },
      onClosed: (runs) => {
        for (const run of runs) forgetRun(run);
        decide();
      },
    });
  }

  function startHandOver(): void {
    if (isHandingOver) return;
    isHandingOver = true;
    for (const key of pending.keys())
      reasons.set(key, 'the cluster service is handing over to its next execution');
  }

  const isSettled = () => unacknowledged === 0 && allHandlersFinished();
  await condition(() => isHandingOver && isSettled());
  for (let i = 0; i < HAND_OVER_QUIET_TRIES; i++) {
    const seen = messagesReceived;
    await sleep(HAND_OVER_QUIET_MS);
    await condition(isSettled);
    if (messagesReceived === seen) break;
  }
  await continueAsNew<typeof clusterService>({
    spec,
    allocations: [...allocations.values()],
    pending: [...pending.values()],
    placements,
    idleSince: Object.fromEntries(idleSince),
    evicting: Object.fromEntries(evicting),
    clock,
    ...handOffState(),
    ...(nodeHealth.entries().size > 0 ? { nodeHealth: Object.fromEntries(nodeHealth.entries()) } : {}),
    ...(input.maxHistoryEvents === undefined ? {} : { maxHistoryEvents: input.maxHistoryEvents }),
  });

  /** The runs that hand off and still hold or wait for room (absent when none, as before hand-offs). */
  function handOffState(): Pick<ClusterServiceInput, 'handOffRuns' | 'toldWaiting'> {
    const active = new Set<string>();
    for (const a of allocations.values()) active.add(a.runWorkflowId);
    for (const p of pending.values()) active.add(p.runWorkflowId);
    const runs = [...handOffRuns].filter(([run]) => active.has(run));
    if (runs.length === 0) return {};
    return {
      handOffRuns: Object.fromEntries(runs),
      toldWaiting: [...toldWaiting].filter((run) => active.has(run)),
    };
  }
}
