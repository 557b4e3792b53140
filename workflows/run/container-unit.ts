/**
 * One container unit (a task, or one foreach item): placed by the cluster service, run as the container
 * activity on the chosen node's queue with the task's retry policy, released when it ends. A preempted
 * attempt goes back to the queue and is placed again; it does not count as a failure.
 */
import { CancellationScope, isCancellation, proxyActivities } from '@temporalio/workflow';
import type { GantryActivities, RunContainerInput, RunContainerResult } from '../../activities/index.js';
import { FailureType } from '../../common/failure-types.js';
import type { TaskSpec } from '../../pipeline/schema.js';
import { toResourceVector } from '../../common/resources.js';
import type { PlacementRequest, TaskState } from '../definitions.js';
import { taskActivityOptions } from '../task-activity.js';
import type { ClusterLink } from './cluster-link.js';
import { viewFailure } from './failure-view.js';
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
      return {
        outcome: 'failed',
        patch: {
          status: 'failed',
          error: `unschedulable: ${decision.reason}`,
          failureType: FailureType.Unschedulable,
          finishedAt: Date.now(),
        },
      };
    }
    ctx.nodeQueues.set(decision.nodeId, decision.taskQueue);
    const startedAt = Date.now();
    ctx.link.noteStarted(unitId, startedAt);
    ctx.onProgress({ status: 'running', node: decision.nodeId, startedAt });
    const activities = proxyActivities<GantryActivities>({
      ...taskActivityOptions(task, decision.taskQueue),
      // The event history then reads as the pipeline does: which task (or item) ran where.
      summary: `task ${unitId} on node ${decision.nodeId} (${task.image ?? 'no image'})`,
    });
    const input = unit.input({
      nodeId: decision.nodeId,
      ...(decision.cpuset ? { cpuset: decision.cpuset } : {}),
      ...(decision.gpus ? { gpus: decision.gpus } : {}),
    });
    try {
      return succeeded(await ctx.link.preemptible(unitId, () => activities.runContainer(input)));
    } catch (err) {
      const preemption = ctx.link.takePreemption(unitId);
      if (
        isCancellation(err) &&
        preemption !== undefined &&
        !CancellationScope.current().consideredCancelled
      ) {
        ctx.onProgress({ preemptions: ctx.preemptionsOf() + 1, lastPreemption: preemption });
        continue;
      }
      if (isCancellation(err)) throw err;
      const failure = viewFailure(err);
      return {
        outcome: 'failed',
        patch: {
          status: 'failed',
          attempts: failure.details?.attempt ?? task.retry.maxAttempts,
          exitCode: failure.details?.exitCode ?? null,
          error: failure.message,
          ...(failure.type ? { failureType: failure.type } : {}),
          ...(failure.details?.logTail ? { logTail: failure.details.logTail } : {}),
          finishedAt: Date.now(),
        },
      };
    } finally {
      ctx.link.release(unitId, key);
    }
  }
}
