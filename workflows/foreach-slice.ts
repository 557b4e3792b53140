/**
 * One slice of a foreach fan-out: a child workflow that runs up to `parallel` of its items at once, each
 * item its own container (or sub-pipeline run) retried on its own, and keeps their results in the
 * artifact store. The parent holds only the slices' result digests and counts, so neither its history
 * nor any payload grows with the item count beyond a slice (see scheduler/dag/foreach-slices.ts).
 */
import {
  CancellationScope,
  condition,
  isCancellation,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { ForeachItemResult } from '../activities/types.js';
import type { StoreActivities } from '../activities/store-activities.js';
import type { ArtifactRef } from '../common/data-refs.js';
import type { SecretSource, TaskSpec } from '../pipeline/schema.js';
import { itemTaskId } from '../scheduler/dag/foreach-slices.js';
import type { TaskState } from './definitions.js';
import { openClusterLink } from './run/cluster-link.js';
import { runContainerUnit } from './run/container-unit.js';
import { DEFAULT_MAX_HISTORY_EVENTS, HistoryBudget } from './run/history-budget.js';
import {
  type RenderScope,
  ValueLoader,
  prepareValues,
  renderContainerInput,
  templatedTexts,
} from './run/render-task.js';
import { ProgressDetails } from './run/run-details.js';
import { childRunId, runSubPipelineUnit } from './run/sub-pipeline-unit.js';
import { failedOutside } from './run/task-failure.js';

export interface ForeachSliceInput {
  readonly runId: string;
  readonly pipeline: string;
  readonly clusterWorkflowId: string;
  readonly task: TaskSpec;
  readonly items: readonly unknown[];
  readonly firstIndex: number;
  readonly parallel: number;
  readonly params: Readonly<Record<string, string>>;
  readonly scheduledTime: string;
  /** The upstream tasks the task's templates name: status, outputs and artifacts only. */
  readonly upstream: Readonly<Record<string, TaskState>>;
  readonly isCacheDisabled: boolean;
  /** In a run a pipeline trigger started: the upstream run's id and the outputs the templates name. */
  readonly trigger?: RenderScope['trigger'];
  /** The pipeline's secret declarations (never values). */
  readonly secrets?: Readonly<Record<string, SecretSource>>;
}

export interface ForeachSliceResult {
  readonly results: ArtifactRef;
  readonly succeeded: number;
  readonly cached: number;
  readonly failed: number;
  readonly cancelled: number;
  /** Node id → task queue of the nodes the items ran on, for the run's cleanup at its end. */
  readonly nodeQueues: Readonly<Record<string, string>>;
  /** The first failed item's id and error, for the parent's summary. */
  readonly firstFailure?: { readonly itemId: string; readonly error: string };
}

export async function runForeachSlice(input: ForeachSliceInput): Promise<ForeachSliceResult> {
  const { task, runId } = input;
  const { workflowId, taskQueue } = workflowInfo();
  const budget = new HistoryBudget(DEFAULT_MAX_HISTORY_EVENTS);
  const link = openClusterLink(input.clusterWorkflowId, budget);
  const loader = new ValueLoader(budget, taskQueue);
  const nodeQueues = new Map<string, string>();
  const results: ForeachItemResult[] = [];
  const states = new Map<number, TaskState>();
  const pending: TaskState = { status: 'pending', attempts: 0, exitCode: null, node: null };
  const last = input.firstIndex + input.items.length - 1;
  const details = new ProgressDetails(
    {
      noun: 'item',
      title: `Items ${input.firstIndex}–${last} of foreach \`${task.id}\` in run \`${runId}\``,
    },
    input.items.map((_, position) => [itemTaskId(task.id, input.firstIndex + position), pending] as const),
  );

  async function runItem(position: number): Promise<void> {
    const index = input.firstIndex + position;
    const unitId = itemTaskId(task.id, index);
    const scope: RenderScope = {
      params: input.params,
      runId,
      scheduledTime: input.scheduledTime,
      taskState: (id) => input.upstream[id],
      item: { value: input.items[position], index },
      ...(input.trigger ? { trigger: input.trigger } : {}),
    };
    let state: TaskState = pending;
    const update = (patch: Partial<TaskState>) => {
      const before = state;
      state = { ...state, ...patch };
      states.set(index, state);
      details.note(unitId, before, state);
    };
    try {
      if (task.pipelineSpec) {
        update({ status: 'running', childRunId: childRunId(runId, unitId) });
        const done = await runSubPipelineUnit(
          unitId,
          task,
          scope,
          loader,
          { ...input, isCacheDisabled: input.isCacheDisabled },
          budget,
        );
        update(done.patch);
      } else {
        await prepareValues(unitId, templatedTexts(task), scope, loader);
        const outcome = await runContainerUnit(
          {
            link,
            budget,
            workflowId,
            nodeQueues,
            onProgress: update,
            preemptionsOf: () => state.preemptions ?? 0,
          },
          {
            unitId,
            task,
            input: (placement) =>
              renderContainerInput(
                unitId,
                task,
                scope,
                loader,
                {
                  runId,
                  pipeline: input.pipeline,
                  isCacheDisabled: input.isCacheDisabled,
                  ...(input.secrets ? { secrets: input.secrets } : {}),
                },
                placement,
              ),
          },
        );
        update(outcome.patch);
      }
    } catch (err) {
      if (isCancellation(err)) update({ status: 'cancelled', finishedAt: Date.now() });
      const failed = failedOutside(unitId, err, Date.now());
      if (!failed) throw err;
      update(failed);
    }
  }

  let next = 0;
  let running = 0;
  const work: Promise<void>[] = [];
  try {
    while (next < input.items.length) {
      await condition(() => running < input.parallel);
      const position = next++;
      running += 1;
      work.push(runItem(position).finally(() => (running -= 1)));
    }
    await Promise.all(work);
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await Promise.allSettled(work);
    await cleanup();
    details.finish('cancelled');
    throw err;
  }
  await cleanup();

  for (let position = 0; position < input.items.length; position += 1) {
    const index = input.firstIndex + position;
    const s = states.get(index) ?? { status: 'cancelled', attempts: 0, exitCode: null, node: null };
    results.push({
      index,
      status:
        s.status === 'succeeded' || s.status === 'cached' || s.status === 'failed' ? s.status : 'cancelled',
      attempts: s.attempts,
      ...(s.platformRetries ? { platformRetries: s.platformRetries } : {}),
      node: s.node,
      exitCode: s.exitCode,
      ...(s.error ? { error: s.error } : {}),
      ...(s.failureType ? { failureType: s.failureType } : {}),
      ...(s.cachedFrom ? { cachedFrom: s.cachedFrom } : {}),
      ...(s.outputs ? { outputs: s.outputs } : {}),
      ...(s.artifacts ? { artifacts: s.artifacts } : {}),
    });
  }
  const store = proxyActivities<StoreActivities>({
    taskQueue,
    startToCloseTimeout: '2m',
    retry: { maximumAttempts: 10 },
    summary: `store the results of items ${input.firstIndex}–${last} of ${task.id}`,
  });
  const stored = await store.storeJson({
    json: JSON.stringify({ firstIndex: input.firstIndex, items: results }),
  });
  const count = (status: string) => results.filter((r) => r.status === status).length;
  const failed = results.find((r) => r.status === 'failed');
  details.finish(failed ? 'failed' : count('cancelled') > 0 ? 'cancelled' : 'succeeded');
  return {
    results: stored,
    succeeded: count('succeeded'),
    cached: count('cached'),
    failed: count('failed'),
    cancelled: count('cancelled'),
    nodeQueues: Object.fromEntries(nodeQueues),
    ...(failed
      ? { firstFailure: { itemId: itemTaskId(task.id, failed.index), error: failed.error ?? 'failed' } }
      : {}),
  };

  // Containers are removed by their own activities, and leftovers by the run's cleanup (which knows every
  // node through nodeQueues): a slice must not remove containers of the run's other slices.
  async function cleanup(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      await link.drain();
      await link.releaseAll();
    });
  }
}
