/**
 * A run too large for one workflow (see scheduler/dag/partition.ts): the parent starts one child workflow
 * per slice once the slices it depends on have ended, a few at a time, and keeps only their counts and the
 * digests of their stored task states. Each slice is a dataflow run of its own tasks that sees the final
 * states of the earlier tasks it needs, so trigger rules, `when` and templates work across slices. Nothing
 * the parent holds, passes or returns grows with the task count; its history grows with the slice count,
 * and past its budget it continues as new with the finished slices' outcomes.
 */
import {
  ApplicationFailure,
  CancellationScope,
  ParentClosePolicy,
  condition,
  continueAsNew,
  executeChild,
  isCancellation,
  proxyActivities,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import type { StoreActivities } from '../../activities/store-activities.js';
import type { ArtifactRef } from '../../common/data-refs.js';
import { FailureType } from '../../common/failure-types.js';
import { SearchAttribute } from '../../common/names.js';
import type { RunPlan } from '../../common/run-plan.js';
import {
  type CarriedPartitionedRun,
  type RunPipelineInput,
  type RunState,
  type RunStatesIndex,
  type RunStatus,
  type SliceOutcome,
  type TaskCounts,
  type TaskState,
  runStateQuery,
} from '../definitions.js';
import {
  DEFAULT_MAX_HISTORY_EVENTS,
  EVENTS_PER_CHILD,
  EVENTS_PER_LOCAL_STEP,
  HistoryBudget,
} from './history-budget.js';
import { originView } from './dataflow-run.js';
import { notifyTriggerRegistry } from './notify-triggers.js';
import { ProgressDetails } from './run-details.js';
import { FAILED_TASKS_SHOWN } from './slice-end.js';
import { cleanupRunOnNodes } from './node-cleanup.js';
import { sliceWorkflowId } from './slice-id.js';

export { sliceWorkflowId } from './slice-id.js';

/** Slices a run keeps running at once (each keeps up to its own in-flight cap of tasks). */
export const MAX_SLICES_IN_FLIGHT = 4;

function addCounts(total: Partial<Record<string, number>>, counts: TaskCounts): void {
  for (const [status, n] of Object.entries(counts)) total[status] = (total[status] ?? 0) + (n ?? 0);
}

export async function runPartitioned(
  input: RunPipelineInput,
  plan: RunPlan,
  carried?: CarriedPartitionedRun,
): Promise<RunState> {
  const { runId } = input;
  const { workflowId, taskQueue } = workflowInfo();
  const budget = new HistoryBudget(input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS);
  const startedAt = carried?.startedAt ?? Date.now();
  const scheduledTime = input.scheduledTime ?? new Date(startedAt).toISOString();
  const continuations = carried?.continuations ?? 0;
  const done = new Map<number, SliceOutcome>(
    Object.entries(carried?.done ?? {}).map(([index, outcome]) => [Number(index), outcome]),
  );
  const running = new Map<number, Promise<void>>();
  const origin = originView(input.origin);
  let status: RunStatus = 'running';
  let finishedAt: number | undefined;
  let states: ArtifactRef | undefined = undefined;
  let sliceError: string | undefined;

  const sliceState = (outcome: SliceOutcome | undefined, isRunning: boolean): TaskState => ({
    status: outcome
      ? (outcome.counts.failed ?? 0) > 0
        ? 'failed'
        : 'succeeded'
      : isRunning
        ? 'running'
        : 'pending',
    attempts: 0,
    exitCode: null,
    node: null,
  });
  const details = new ProgressDetails(
    {
      noun: 'slice',
      title: `Run \`${runId}\` of **${plan.pipeline}**: ${plan.taskCount} tasks in ${plan.slices.length} slices`,
    },
    plan.slices.map((s) => [String(s.index), sliceState(done.get(s.index), false)] as const),
  );
  const state = (): RunState => {
    const counts: Partial<Record<string, number>> = {};
    const failedTasks: string[] = [];
    for (const outcome of done.values()) {
      addCounts(counts, outcome.counts);
      failedTasks.push(...outcome.failedTasks.slice(0, FAILED_TASKS_SHOWN - failedTasks.length));
    }
    return {
      runId,
      pipeline: plan.pipeline,
      status,
      startedAt,
      ...(finishedAt !== undefined ? { finishedAt } : {}),
      tasks: {},
      dependsOn: {},
      ...(continuations > 0 ? { continuations } : {}),
      params: plan.params,
      ...(origin ? { origin } : {}),
      partition: {
        taskCount: plan.taskCount,
        slices: plan.slices.length,
        slicesRunning: running.size,
        running: [...running.keys()],
        slicesDone: done.size,
        counts,
        failedTasks,
        plan: plan.document,
        ...(states ? { states } : {}),
      },
    };
  };
  setHandler(runStateQuery, state);
  upsertSearchAttributes({
    [SearchAttribute.Pipeline]: [plan.pipeline],
    [SearchAttribute.Status]: ['running'],
  });

  async function runSlice(index: number): Promise<void> {
    const slice = plan.slices[index]!;
    const child: RunPipelineInput = {
      runId,
      specRef: slice.ref,
      clusterWorkflowId: input.clusterWorkflowId,
      slice: { index, of: plan.slices.length, upstream: slice.dependsOn.map((d) => done.get(d)!.states) },
      scheduledTime,
      ...(input.maxHistoryEvents === undefined ? {} : { maxHistoryEvents: input.maxHistoryEvents }),
      ...(input.maxInFlight === undefined ? {} : { maxInFlight: input.maxInFlight }),
      ...(input.isCacheDisabled ? { isCacheDisabled: true } : {}),
      ...(input.origin ? { origin: input.origin } : {}),
      ...(input.parent ? { parent: input.parent } : {}),
    };
    details.note(String(index), sliceState(undefined, false), sliceState(undefined, true));
    const result = await executeChild<(input: RunPipelineInput) => Promise<RunState>>('runPipeline', {
      workflowId: sliceWorkflowId(workflowId, index),
      taskQueue,
      args: [child],
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: `${plan.pipeline} · slice ${index + 1} of ${plan.slices.length} (${slice.taskCount} tasks) of run ${runId}`,
    });
    if (!result.slice) throw new TypeError(`slice ${index} of run ${runId} returned no outcome`);
    done.set(index, result.slice);
    details.note(String(index), sliceState(undefined, true), sliceState(result.slice, false));
  }

  let isDraining = false;
  function launch(): void {
    if (CancellationScope.current().consideredCancelled || sliceError !== undefined) return;
    isDraining ||= budget.isExhausted;
    if (isDraining) return;
    for (const slice of plan.slices) {
      if (running.size >= MAX_SLICES_IN_FLIGHT) return;
      if (done.has(slice.index) || running.has(slice.index)) continue;
      if (!slice.dependsOn.every((d) => done.has(d))) continue;
      budget.add(EVENTS_PER_CHILD);
      running.set(
        slice.index,
        runSlice(slice.index)
          .catch((err: unknown) => {
            if (isCancellation(err)) throw err;
            // A slice that failed outside its tasks (not a task failure: those are in its counts).
            sliceError ??= `slice ${slice.index + 1} of ${plan.slices.length}: ${(err as Error).message}`;
          })
          .finally(() => {
            running.delete(slice.index);
            launch();
          }),
      );
    }
  }

  const cleanupNodes = () =>
    CancellationScope.nonCancellable(async () => {
      const nodeQueues = new Map<string, string>();
      for (const outcome of done.values())
        for (const [node, queue] of Object.entries(outcome.nodeQueues)) nodeQueues.set(node, queue);
      await cleanupRunOnNodes(runId, nodeQueues, true);
    });

  try {
    launch();
    await condition(() => running.size === 0);
    if (isDraining && done.size < plan.slices.length && sliceError === undefined) {
      const next: CarriedPartitionedRun = {
        version: 3,
        plan,
        done: Object.fromEntries(done),
        startedAt,
        continuations: continuations + 1,
      };
      await continueAsNew<(input: RunPipelineInput) => Promise<RunState>>({ ...input, carried: next });
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await Promise.allSettled(running.values());
    status = 'cancelled';
    finishedAt = Date.now();
    await cleanupNodes();
    upsertSearchAttributes({ [SearchAttribute.Status]: ['cancelled'] });
    details.finish(status);
    if (input.parent === undefined)
      await notifyTriggerRegistry({
        runId,
        pipeline: plan.pipeline,
        status: 'cancelled',
        endedAt: finishedAt,
      });
    throw err;
  }

  await cleanupNodes();
  const statesIndex: RunStatesIndex = { slices: plan.slices.map((s) => done.get(s.index)?.states ?? null) };
  budget.add(EVENTS_PER_LOCAL_STEP);
  states = await proxyActivities<StoreActivities>({
    taskQueue,
    startToCloseTimeout: '2m',
    retry: { maximumAttempts: 10 },
    summary: `store the index of ${plan.slices.length} slices' task states`,
  }).storeJson({ json: JSON.stringify(statesIndex) });
  finishedAt = Date.now();
  const view = state();
  const failedCount = view.partition!.counts.failed ?? 0;
  status = failedCount > 0 || sliceError !== undefined ? 'failed' : 'succeeded';
  upsertSearchAttributes({ [SearchAttribute.Status]: [status] });
  details.finish(status);
  if (input.parent === undefined) {
    const ended = status === 'failed' ? 'failed' : 'succeeded';
    await notifyTriggerRegistry({ runId, pipeline: plan.pipeline, status: ended, endedAt: finishedAt });
  }
  if (status === 'failed') {
    const named = view.partition!.failedTasks.map((id) => `"${id}"`).join(', ');
    const message =
      sliceError !== undefined
        ? `pipeline "${plan.pipeline}" failed: ${sliceError}`
        : `pipeline "${plan.pipeline}" failed: ${failedCount} task(s) failed, among them ${named}`;
    throw ApplicationFailure.nonRetryable(message, FailureType.PipelineFailed, state());
  }
  return state();
}
