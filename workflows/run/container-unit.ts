/**
 * One container unit (a task, or one foreach item): placed by the cluster service, run as the container
 * activity on the chosen node's queue with the task's retry policy, released when it ends. A preempted
 * attempt goes back to the queue and is placed again; it does not count as a failure.
 */
import { CancellationScope, isCancellation, patched, proxyActivities, sleep } from '@temporalio/workflow';
import type { GantryActivities, RunContainerInput, RunContainerResult } from '../../activities/index.js';
import { FailureType } from '../../common/failure-types.js';
import { DEFAULT_MAX_PLATFORM_RETRIES, type TaskSpec } from '../../pipeline/schema.js';
import { toResourceVector } from '../../common/resources.js';
import type { PlacementRequest, TaskState } from '../definitions.js';
import { taskActivityOptions } from '../task-activity.js';
import type { ClusterLink } from './cluster-link.js';
import { COUNTED_ATTEMPTS_PATCH, type Verdict, countedActivityOptions, judgeFailure } from './attempts.js';
import { type FailureView, viewFailure } from './failure-view.js';
import { EVENTS_PER_ATTEMPT, type HistoryBudget } from './history-budget.js';

export interface ContainerUnit {
  /** The task's id, or an item's (`train[3]`): unique within the workflow. */
  readonly unitId: string;
  readonly task: TaskSpec;
  /** The activity input for a placement (templates are rendered before the unit is run). */
  readonly input: (placement: Placement) => RunContainerInput;
}

export interface Placement {
  readonly nodeId: string;
  readonly cpuset?: RunContainerInput['cpuset'];
  readonly gpus?: readonly string[];
}

export interface UnitOutcome {
  readonly outcome: 'succeeded' | 'cached' | 'failed';
  readonly patch: Partial<TaskState>;
}

/** A finished attempt's state: a cached one ran no container. */
function succeeded(result: RunContainerResult): UnitOutcome {
  const isCached = result.cachedFrom !== undefined;
  return {
    outcome: isCached ? 'cached' : 'succeeded',
    patch: {
      status: isCached ? 'cached' : 'succeeded',
      attempts: isCached ? 0 : result.attempt,
      exitCode: isCached ? null : 0,
      finishedAt: Date.now(),
      ...(result.createdAt !== undefined ? { createdAt: result.createdAt } : {}),
      ...(result.outputs ? { outputs: result.outputs } : {}),
      ...(result.artifacts ? { artifacts: result.artifacts } : {}),
      ...(result.cachedFrom ? { cachedFrom: result.cachedFrom.runId } : {}),
    },
  };
}

export interface UnitContext {
  readonly link: ClusterLink;
  readonly budget: HistoryBudget;
  readonly workflowId: string;
  /** Progress for the run's state: queued, running on a node, preempted. */
  readonly onProgress: (patch: Partial<TaskState>) => void;
  /** Node id → task queue of every node used, for the cleanup at the end. */
  readonly nodeQueues: Map<string, string>;
  readonly preemptionsOf: () => number;
}

export async function runContainerUnit(ctx: UnitContext, unit: ContainerUnit): Promise<UnitOutcome> {
  const { task, unitId } = unit;
  const key = `${ctx.workflowId}/${unitId}`;
  // Runs started before attempts were counted here keep Temporal's retry policy on replay.
  const isCounted = patched(COUNTED_ATTEMPTS_PATCH);
  let attempt = 1;
  let platformRetries = 0;
  const failed = (patch: Partial<TaskState>): UnitOutcome => ({
    outcome: 'failed',
    patch: {
      status: 'failed',
      ...(isCounted ? { platformRetries } : {}),
      finishedAt: Date.now(),
      ...patch,
    },
  });
  for (;;) {
    ctx.budget.add(EVENTS_PER_ATTEMPT);
    ctx.onProgress({ status: 'queued' });
    const request: PlacementRequest = {
      key,
      runWorkflowId: ctx.workflowId,
      taskId: unitId,
      request: toResourceVector(task.resources),
      constraints: task.constraints,
      tier: task.tier,
      ...(task.group ? { group: task.group } : {}),
      ...(task.expectedDurationSeconds ? { expectedDurationSeconds: task.expectedDurationSeconds } : {}),
      requestedAt: Date.now(),
    };
    const decision = await ctx.link.place(request);
    if (decision.kind === 'rejected') {
      return failed({
        error: `unschedulable: ${decision.reason}`,
        failureType: FailureType.Unschedulable,
      });
    }
    ctx.nodeQueues.set(decision.nodeId, decision.taskQueue);
    const startedAt = Date.now();
    ctx.link.noteStarted(unitId, startedAt);
    ctx.onProgress({ status: 'running', node: decision.nodeId, startedAt });
    const activities = proxyActivities<GantryActivities>({
      ...(isCounted
        ? countedActivityOptions(task, decision.taskQueue)
        : taskActivityOptions(task, decision.taskQueue)),
      // The event history then reads as the pipeline does: which task (or item) ran where.
      summary: `task ${unitId} on node ${decision.nodeId} (${task.image ?? 'no image'})`,
    });
    const placed = unit.input({
      nodeId: decision.nodeId,
      ...(decision.cpuset ? { cpuset: decision.cpuset } : {}),
      ...(decision.gpus ? { gpus: decision.gpus } : {}),
    });
    try {
      // Attempts on the same placement: the user's (with the task's backoff) and the platform's re-runs.
      for (;;) {
        const input = isCounted ? { ...placed, attempt } : placed;
        try {
          const result = await ctx.link.preemptible(unitId, () => activities.runContainer(input));
          const done = succeeded(result);
          return isCounted ? { ...done, patch: { ...done.patch, platformRetries } } : done;
        } catch (err) {
          if (isCancellation(err) || !isCounted) throw err;
          const failure = viewFailure(err);
          const verdict = judgeFailure(task, { attempt, platformRetries }, failure);
          if (verdict.kind === 'fail') return failed(failedPatch(failure, verdict, attempt));
          ctx.budget.add(EVENTS_PER_ATTEMPT);
          if (verdict.isPlatform) platformRetries += 1;
          else attempt += 1;
          ctx.onProgress(verdict.isPlatform ? { platformRetries } : { attempts: attempt - 1 });
          await ctx.link.preemptible(unitId, () => sleep(verdict.delayMs));
        }
      }
    } catch (err) {
      const preemption = ctx.link.takePreemption(unitId);
      // A lost node's leftovers are removed when it comes back: the run's cleanup must not wait for it.
      if (ctx.link.takeLostNode(unitId) === decision.nodeId) ctx.nodeQueues.delete(decision.nodeId);
      if (
        isCancellation(err) &&
        preemption !== undefined &&
        !CancellationScope.current().consideredCancelled
      ) {
        ctx.onProgress({ preemptions: ctx.preemptionsOf() + 1, lastPreemption: preemption });
        if (isCounted) {
          // A preemption is the platform's doing: the same attempt runs again, from the placement.
          const budget = task.retry.maxPlatformRetries ?? DEFAULT_MAX_PLATFORM_RETRIES;
          if (platformRetries >= budget) {
            return failed({
              attempts: attempt,
              exitCode: null,
              error: `preempted ${platformRetries + 1} times with the platform's other failures (retry.maxPlatformRetries=${budget}); last: ${preemption}`,
              failureType: FailureType.PlatformRetriesExhausted,
            });
          }
          platformRetries += 1;
        }
        continue;
      }
      if (isCancellation(err)) throw err;
      const failure = viewFailure(err);
      return failed({
        attempts: failure.details?.attempt ?? task.retry.maxAttempts,
        exitCode: failure.details?.exitCode ?? null,
        error: failure.message,
        ...(failure.type ? { failureType: failure.type } : {}),
        ...(failure.details?.logTail ? { logTail: failure.details.logTail } : {}),
      });
    } finally {
      ctx.link.release(unitId, key);
    }
  }
}

/** A counted unit's last failure, as the run shows it. */
function failedPatch(
  failure: FailureView,
  verdict: Extract<Verdict, { kind: 'fail' }>,
  attempt: number,
): Partial<TaskState> {
  return {
    attempts: failure.details?.attempt ?? attempt,
    exitCode: failure.details?.exitCode ?? null,
    error: verdict.message,
    ...(verdict.failureType ? { failureType: verdict.failureType } : {}),
    ...(failure.details?.logTail ? { logTail: failure.details.logTail } : {}),
  };
}
