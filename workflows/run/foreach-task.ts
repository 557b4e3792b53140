/**
 * A foreach task in its run: the list is rendered and parsed, cut into slices, and each slice runs as a
 * child workflow (runForeachSlice), at most `openLimit` at once. Results come back as store digests and
 * counts; the items' aggregated outputs (`{{ tasks.ID.outputs.NAME }}`, a JSON array in item order) are
 * built by one control-queue activity at the end. The run never holds the expansion itself.
 */
import {
  ParentClosePolicy,
  condition,
  executeChild,
  proxyActivities,
  workflowInfo,
} from '@temporalio/workflow';
import type { StoreActivities } from '../../activities/store-activities.js';
import type { ArtifactRef } from '../../common/data-refs.js';
import { FailureType } from '../../common/failure-types.js';
import type { SecretSource, TaskSpec } from '../../pipeline/schema.js';
import { renderTemplate } from '../../pipeline/templates.js';
import { planSlices } from '../../scheduler/dag/foreach-slices.js';
import type { ForeachProgress, TaskState } from '../definitions.js';
import type { ForeachSliceInput, ForeachSliceResult } from '../foreach-slice.js';
import { EVENTS_PER_CHILD, EVENTS_PER_LOCAL_STEP, type HistoryBudget } from './history-budget.js';
import {
  RenderError,
  type RenderScope,
  type ValueLoader,
  prepareValues,
  renderText,
  templatedTexts,
} from './render-task.js';

export interface ForeachRun {
  readonly runId: string;
  readonly pipeline: string;
  readonly clusterWorkflowId: string;
  readonly isCacheDisabled: boolean;
  /** The pipeline's secret declarations, for the items' env (values are read on the worker). */
  readonly secrets?: Readonly<Record<string, SecretSource>>;
}

export interface ForeachOutcome {
  readonly outcome: 'succeeded' | 'cached' | 'failed' | 'cancelled';
  readonly patch: Partial<TaskState>;
}

/** Child workflow id of one slice: readable in the Temporal UI next to its run. */
export function sliceWorkflowId(runWorkflowId: string, taskId: string, slice: number): string {
  return `${runWorkflowId}--${taskId}--slice-${slice}`;
}

export async function runForeachTask(
  task: TaskSpec,
  scope: RenderScope,
  loader: ValueLoader,
  run: ForeachRun,
  budget: HistoryBudget,
  onProgress: (patch: Partial<TaskState>) => void,
  nodeQueues: Map<string, string>,
): Promise<ForeachOutcome> {
  const text = task.foreach ?? '[]';
  await prepareValues(task.id, [['foreach', text]], scope, loader);
  const items = parseItems(task.id, renderText(text, scope, loader));
  const plan = planSlices(items.length, task.maxParallel);
  const { workflowId, taskQueue } = workflowInfo();
  const upstream = upstreamOf(task, scope);
  // A slice gets its own items, never the whole list again: a literal list of 25,000 items in every slice's
  // input made the run's history 6 MB, past what a client may read in one message. The items' cache keys
  // are the task's definition without the list too, so one more item does not make the others miss.
  const sliceTask: TaskSpec = { ...task };
  delete (sliceTask as { foreach?: string }).foreach;
  let progress: ForeachProgress = {
    total: items.length,
    succeeded: 0,
    cached: 0,
    failed: 0,
    cancelled: 0,
    slicesStarted: 0,
    slicesDone: 0,
  };
  const report = (patch: Partial<ForeachProgress>) => {
    progress = { ...progress, ...patch };
    onProgress({ status: 'running', foreach: progress });
  };
  report({});

  const results: ArtifactRef[] = [];
  let open = 0;
  let firstFailure: ForeachSliceResult['firstFailure'];
  const slices: Promise<void>[] = [];
  for (const slice of plan.slices) {
    await condition(() => open < plan.openLimit);
    open += 1;
    budget.add(EVENTS_PER_CHILD);
    report({ slicesStarted: progress.slicesStarted + 1 });
    const input: ForeachSliceInput = {
      runId: run.runId,
      pipeline: run.pipeline,
      clusterWorkflowId: run.clusterWorkflowId,
      task: sliceTask,
      items: items.slice(slice.from, slice.to),
      firstIndex: slice.from,
      parallel: plan.parallelPerSlice,
      params: scope.params,
      scheduledTime: scope.scheduledTime,
      upstream,
      isCacheDisabled: run.isCacheDisabled,
      ...(scope.trigger ? { trigger: scope.trigger } : {}),
      ...(run.secrets ? { secrets: run.secrets } : {}),
    };
    slices.push(
      executeChild('runForeachSlice', {
        workflowId: sliceWorkflowId(workflowId, task.id, slice.index),
        taskQueue,
        args: [input],
        parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
        staticSummary: sliceSummary(task.id, slice, plan.slices.length, run.runId),
      })
        .then((result: ForeachSliceResult) => {
          results[slice.index] = result.results;
          for (const [node, queue] of Object.entries(result.nodeQueues)) nodeQueues.set(node, queue);
          firstFailure ??= result.firstFailure;
          report({
            succeeded: progress.succeeded + result.succeeded,
            cached: progress.cached + result.cached,
            failed: progress.failed + result.failed,
            cancelled: progress.cancelled + result.cancelled,
            slicesDone: progress.slicesDone + 1,
          });
        })
        .finally(() => (open -= 1)),
    );
  }
  await Promise.all(slices);

  budget.add(EVENTS_PER_LOCAL_STEP);
  const store = proxyActivities<StoreActivities>({
    taskQueue,
    startToCloseTimeout: '5m',
    retry: { maximumAttempts: 10 },
    summary: `gather the outputs of foreach ${task.id} (${items.length} items)`,
  });
  const gathered = await store.gatherForeach({
    slices: results,
    outputNames: task.outputs.parameters.map((p) => p.name),
  });
  progress = { ...progress, items: gathered.items };
  const outcome: ForeachOutcome['outcome'] =
    progress.failed > 0
      ? 'failed'
      : progress.cancelled > 0
        ? 'cancelled'
        : progress.total > 0 && progress.cached === progress.total
          ? 'cached'
          : 'succeeded';
  return {
    outcome,
    patch: {
      status: outcome,
      foreach: progress,
      outputs: gathered.outputs,
      finishedAt: Date.now(),
      ...(outcome === 'failed' && firstFailure
        ? {
            error: `${progress.failed} of ${progress.total} items failed; first: ${firstFailure.itemId}: ${firstFailure.error}`,
          }
        : {}),
    },
  };
}

/** The slice's title in the Temporal UI: which items of which task of which run. */
function sliceSummary(
  taskId: string,
  slice: { readonly index: number; readonly from: number; readonly to: number },
  slices: number,
  runId: string,
): string {
  const items = slice.to - slice.from === 1 ? `item ${slice.from}` : `items ${slice.from}–${slice.to - 1}`;
  return `foreach ${taskId} · slice ${slice.index + 1} of ${slices} (${items}) · run ${runId}`;
}

function parseItems(taskId: string, text: string): unknown[] {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    value = undefined;
  }
  if (!Array.isArray(value)) {
    const shown = text.length > 80 ? `${text.slice(0, 80)}…` : text;
    throw new RenderError(
      `task "${taskId}" foreach: the value is not a JSON array: ${JSON.stringify(shown)}`,
      FailureType.ForeachInvalid,
    );
  }
  return value;
}

/** The upstream tasks the templates name, with what a slice needs of them (not their logs or errors). */
function upstreamOf(task: TaskSpec, scope: RenderScope): Record<string, TaskState> {
  const ids = new Set<string>();
  const texts = [
    ...templatedTexts(task).map(([, text]) => text),
    ...task.inputs.artifacts.map((a) => a.from),
    ...Object.values(task.params ?? {}),
  ];
  for (const text of texts) {
    renderTemplate(text, (ref) => {
      if (ref.kind === 'output' || ref.kind === 'artifact') ids.add(ref.taskId);
      return '';
    });
  }
  const upstream: Record<string, TaskState> = {};
  for (const id of ids) {
    const state = scope.taskState(id);
    if (!state) continue;
    upstream[id] = {
      status: state.status,
      attempts: state.attempts,
      exitCode: state.exitCode,
      node: state.node,
      ...(state.outputs ? { outputs: state.outputs } : {}),
      ...(state.artifacts ? { artifacts: state.artifacts } : {}),
    };
  }
  return upstream;
}
