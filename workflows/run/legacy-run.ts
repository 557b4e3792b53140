/**
 * FROZEN: the run workflow as it was before data between tasks (outputs, foreach, trigger rules). Runs
 * whose history has no `gantry-run-dataflow` marker replay through this code, so it must not change.
 *
 * One workflow per pipeline run (Meson-style). It walks the DAG with in-degree counters, asks the cluster
 * service to place each ready task, runs it as a container activity on the chosen node's task queue with
 * the task's retry policy, releases the reservation when the task ends, and skips the downstream of a task
 * that failed for good. Deterministic: the task order comes from the spec, time from the workflow clock.
 * A large pipeline would outgrow Temporal's history limit (about ten events per task), so past
 * `maxHistoryEvents` the run starts nothing new, lets its running tasks finish, and continues as new with
 * its progress: the same workflow id, and nothing is lost or run twice.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  isCancellation,
  patched,
  proxyActivities,
  setHandler,
  sleep,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { GantryActivities } from '../../activities/index.js';
import { FailureType } from '../../common/failure-types.js';
import { SearchAttribute } from '../../common/names.js';
import type { TaskSpec } from '../../pipeline/schema.js';
import {
  completeTask,
  createDagState,
  isDagFinished,
  takeReady,
} from '../../scheduler/dag/legacy-dag-state.js';
import { toResourceVector } from '../../common/resources.js';
import {
  type CarriedRun,
  type HeldPlacement,
  type PlacementDecision,
  type PlacementRequest,
  type InlineRunInput,
  type RunState,
  type RunStatus,
  type TaskState,
  heldPlacementsQuery,
  placementDecidedSignal,
  preemptTaskSignal,
  releasePlacementSignal,
  releaseRunSignal,
  requestPlacementSignal,
  runStateQuery,
} from '../definitions.js';
import { runContainerInput, taskActivityOptions } from '../task-activity.js';
import { viewFailure } from './failure-view.js';

// Well under Temporal's 50k-event limit and its 10k-event warning; the server may suggest it earlier.
const DEFAULT_MAX_HISTORY_EVENTS = 10_000;

/**
 * Patch id: runs started before it walk the DAG in a loop that wakes after completions and read the history
 * length from their activations (kept for replay). Runs started after it launch a task's successors in the
 * completion's own continuation and bound their history by counting what they caused, so their commands
 * depend only on the events in history (see the cluster service's header for why activations cannot be
 * trusted: a query on an uncached run applies late events in an activation of its own).
 */
const EVENT_DRIVEN_RUN_PATCH = 'gantry-run-event-driven';
// An upper bound of the history events one attempt adds: request (2) and its acknowledgement's task (3),
// the decision (1) and its task (3), the activity (3) and its task (3), the release (2) and its task (3).
const EVENTS_PER_ATTEMPT = 20;
const EVENTS_AT_START = 10;
// A signal to a cluster service that is gone is sent again after a pause: its failure, the timer and their
// two workflow tasks.
const EVENTS_PER_SIGNAL_RETRY = 10;
const SIGNAL_RETRY_FIRST_MS = 1_000;
const SIGNAL_RETRY_MAX_MS = 30_000;

export async function legacyRunPipeline(input: InlineRunInput): Promise<RunState> {
  const isEventDriven = patched(EVENT_DRIVEN_RUN_PATCH);
  const { spec, runId } = input;
  const carried = input.carried as CarriedRun | undefined;
  const taskById = new Map(spec.tasks.map((t) => [t.id, t]));
  // Used by event-driven runs only: at least the length of this execution's history.
  let historyBound = EVENTS_AT_START;
  const workflowId = workflowInfo().workflowId;
  const startedAt = carried?.startedAt ?? Date.now();
  const dag = carried?.dag ?? createDagState(spec);
  const tasks = new Map<string, TaskState>(
    carried
      ? Object.entries(carried.tasks)
      : spec.tasks.map((t) => [t.id, { status: 'pending', attempts: 0, exitCode: null, node: null }]),
  );
  const continuations = carried?.continuations ?? 0;
  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  const decisions = new Map<string, PlacementDecision>();
  const nodeQueues = new Map<string, string>(carried ? Object.entries(carried.nodeQueues) : []);
  const attemptScopes = new Map<string, CancellationScope>();
  const preemptions = new Map<string, string>();
  // Task id → the request sent and not yet given back: what a restarted cluster service is rebuilt from.
  // Plain memory, no commands: a run replays the same with or without it.
  const held = new Map<string, PlacementRequest>();
  const isRunCancelled = () => CancellationScope.current().consideredCancelled;
  const cluster = getExternalWorkflowHandle(input.clusterWorkflowId);
  let status: RunStatus = 'running';
  let finishedAt: number | undefined;

  const update = (id: string, patch: Partial<TaskState>) => tasks.set(id, { ...tasks.get(id)!, ...patch });
  const state = (): RunState => ({
    runId,
    pipeline: spec.name,
    status,
    startedAt,
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    tasks: Object.fromEntries(tasks),
    dependsOn: Object.fromEntries(spec.tasks.map((t) => [t.id, t.dependsOn])),
    ...(continuations > 0 ? { continuations } : {}),
  });

  setHandler(placementDecidedSignal, ({ taskId, decision }) => void decisions.set(taskId, decision));
  setHandler(preemptTaskSignal, ({ taskId, reason }) => {
    const scope = attemptScopes.get(taskId);
    if (!scope) return;
    preemptions.set(taskId, reason);
    scope.cancel();
  });
  setHandler(runStateQuery, state);
  setHandler(heldPlacementsQuery, () => ({
    clusterWorkflowId: input.clusterWorkflowId,
    placements: [...held].map(([taskId, request]): HeldPlacement => {
      // Requests from this code always carry their time; the fallback only satisfies the optional type.
      const requestedAt = request.requestedAt ?? startedAt;
      const decision = decisions.get(taskId);
      if (decision?.kind !== 'placed') return { request, requestedAt };
      const placedAt = tasks.get(taskId)?.startedAt ?? requestedAt;
      return {
        request,
        requestedAt,
        placed: {
          nodeId: decision.nodeId,
          ...(decision.cpuset ? { cpuset: decision.cpuset } : {}),
          placedAt,
        },
      };
    }),
  }));
  upsertSearchAttributes({ [SearchAttribute.Pipeline]: [spec.name], [SearchAttribute.Status]: ['running'] });

  function finishTask(task: TaskSpec, outcome: 'succeeded' | 'failed'): void {
    for (const id of completeTask(dag, task.id, outcome).skipped) {
      update(id, { status: 'skipped', error: `skipped: upstream task "${task.id}" failed` });
    }
    // Successors start here, in the continuation of the event that freed them, so their requests follow
    // that event in history whatever else the activation held.
    if (isEventDriven) launchReady();
  }

  /**
   * Signals the cluster service. In event-driven runs a service that is gone (terminated, failed) does not
   * fail the run: the signal is sent again, with a growing pause, until the next gantry command has restarted
   * the service from what the open runs hold (where a repeated request or release is a no-op).
   */
  function signalCluster(send: () => Promise<void>): Promise<void> {
    // Older runs send once, through the very same promise as before, so their replay is unchanged.
    return isEventDriven ? sendUntilDelivered(send) : send();
  }
  async function sendUntilDelivered(send: () => Promise<void>): Promise<void> {
    for (let attempt = 0; ; attempt += 1) {
      try {
        return await send();
      } catch (err) {
        if (isCancellation(err)) throw err;
        historyBound += EVENTS_PER_SIGNAL_RETRY;
        await sleep(Math.min(SIGNAL_RETRY_MAX_MS, SIGNAL_RETRY_FIRST_MS * 2 ** attempt));
      }
    }
  }

  /** Places the task and runs it; a preempted attempt goes back to the queue and is placed again. */
  async function runTask(task: TaskSpec): Promise<void> {
    const key = `${workflowId}/${task.id}`;
    for (;;) {
      historyBound += EVENTS_PER_ATTEMPT;
      update(task.id, { status: 'queued' });
      decisions.delete(task.id);
      const request: PlacementRequest = {
        key,
        runWorkflowId: workflowId,
        taskId: task.id,
        request: toResourceVector(task.resources),
        constraints: task.constraints,
        tier: task.tier,
        ...(task.group ? { group: task.group } : {}),
        ...(task.expectedDurationSeconds ? { expectedDurationSeconds: task.expectedDurationSeconds } : {}),
        requestedAt: Date.now(),
      };
      // Held from before the signal: a service rebuilt meanwhile ignores the duplicate if both arrive.
      held.set(task.id, request);
      await signalCluster(() => cluster.signal(requestPlacementSignal, request));
      await condition(() => decisions.has(task.id));
      const decision = decisions.get(task.id)!;
      if (decision.kind === 'rejected') {
        // The service forgets a request it rejects, and the run sends no release for it.
        held.delete(task.id);
        update(task.id, {
          status: 'failed',
          error: `unschedulable: ${decision.reason}`,
          failureType: FailureType.Unschedulable,
          finishedAt: Date.now(),
        });
        return finishTask(task, 'failed');
      }
      nodeQueues.set(decision.nodeId, decision.taskQueue);
      update(task.id, { status: 'running', node: decision.nodeId, startedAt: Date.now() });
      const activities = proxyActivities<GantryActivities>(taskActivityOptions(task, decision.taskQueue));
      // A scope of its own, so a preemption cancels this task's container and nothing else.
      const scope = new CancellationScope();
      attemptScopes.set(task.id, scope);
      try {
        const result = await scope.run(() =>
          activities.runContainer(runContainerInput(task, { runId, pipeline: spec.name }, decision)),
        );
        update(task.id, {
          status: 'succeeded',
          attempts: result.attempt,
          exitCode: 0,
          finishedAt: Date.now(),
        });
        return finishTask(task, 'succeeded');
      } catch (err) {
        const preemption = preemptions.get(task.id);
        if (isCancellation(err) && preemption !== undefined && !isRunCancelled()) {
          preemptions.delete(task.id);
          update(task.id, {
            preemptions: (tasks.get(task.id)!.preemptions ?? 0) + 1,
            lastPreemption: preemption,
          });
          continue;
        }
        if (isCancellation(err)) throw err;
        const failure = viewFailure(err);
        update(task.id, {
          status: 'failed',
          attempts: failure.details?.attempt ?? task.retry.maxAttempts,
          exitCode: failure.details?.exitCode ?? null,
          error: failure.message,
          ...(failure.type ? { failureType: failure.type } : {}),
          ...(failure.details?.logTail ? { logTail: failure.details.logTail } : {}),
          finishedAt: Date.now(),
        });
        return finishTask(task, 'failed');
      } finally {
        attemptScopes.delete(task.id);
        // Given back before the signal goes: a service rebuilt after it was sent must not count it.
        held.delete(task.id);
        await CancellationScope.nonCancellable(() =>
          signalCluster(() => cluster.signal(releasePlacementSignal, { key })),
        );
      }
    }
  }

  async function cleanup(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      held.clear();
      // A service that is gone holds nothing of this run, and a rebuilt one asks only open runs.
      const released = cluster.signal(releaseRunSignal, { runWorkflowId: workflowId });
      await (isEventDriven ? released.catch(() => undefined) : released);
      await Promise.all(
        [...nodeQueues.values()].map((taskQueue) =>
          proxyActivities<GantryActivities>({
            taskQueue,
            startToCloseTimeout: '2m',
            retry: { maximumAttempts: 5 },
          })
            .cleanupRun({ runId, isWorkspaceRemoved: true })
            .catch(() => undefined),
        ),
      );
    });
  }

  const inFlight = new Map<string, Promise<void>>();
  const isHistoryLong = (): boolean => {
    const info = workflowInfo();
    return info.continueAsNewSuggested || info.historyLength > maxHistoryEvents;
  };
  let isDraining = false;
  const launch = (id: string) =>
    inFlight.set(
      id,
      runTask(taskById.get(id)!).finally(() => inFlight.delete(id)),
    );
  // Draining: ready tasks stay ready in the DAG state and start in the next execution.
  function launchReady(): void {
    if (isRunCancelled()) return;
    isDraining ||= historyBound > maxHistoryEvents;
    if (!isDraining) for (const id of takeReady(dag)) launch(id);
  }
  try {
    if (isEventDriven) {
      launchReady();
      await condition(() => inFlight.size === 0);
    } else {
      for (;;) {
        isDraining ||= isHistoryLong();
        for (const id of isDraining ? [] : takeReady(dag)) launch(id);
        if (inFlight.size === 0 || isDagFinished(dag)) break;
        await Promise.race(inFlight.values());
      }
    }
    // Inside the try: a cancel that arrives now still cleans up. continueAsNew throws, and passes through.
    if (isDraining && !isDagFinished(dag)) {
      await condition(allHandlersFinished);
      const next: CarriedRun = {
        dag,
        tasks: Object.fromEntries(tasks),
        startedAt,
        nodeQueues: Object.fromEntries(nodeQueues),
        continuations: continuations + 1,
      };
      await continueAsNew<typeof legacyRunPipeline>({ ...input, carried: next });
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    // Let every cancelled activity finish killing its container before the run reports itself cancelled.
    await Promise.allSettled(inFlight.values());
    status = 'cancelled';
    finishedAt = Date.now();
    for (const [id, task] of tasks) {
      if (!['succeeded', 'failed', 'skipped'].includes(task.status))
        update(id, { status: 'cancelled', finishedAt });
    }
    await cleanup();
    upsertSearchAttributes({ [SearchAttribute.Status]: ['cancelled'] });
    throw err;
  }

  await cleanup();
  finishedAt = Date.now();
  const failed = [...tasks].filter(([, t]) => t.status === 'failed').map(([id]) => id);
  status = failed.length > 0 ? 'failed' : 'succeeded';
  upsertSearchAttributes({ [SearchAttribute.Status]: [status] });
  if (failed.length > 0) {
    // Failing the workflow (not returning) makes the run show as Failed in the Temporal Web UI.
    throw ApplicationFailure.nonRetryable(
      `pipeline "${spec.name}" failed: task(s) ${failed.map((id) => `"${id}"`).join(', ')} failed`,
      FailureType.PipelineFailed,
      state(),
    );
  }
  return state();
}
