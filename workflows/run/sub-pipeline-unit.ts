/**
 * A sub-pipeline task (or one foreach item of it): the child pipeline runs as a child `runPipeline`
 * workflow with its params rendered from the parent's, and the task's outputs map the child's task
 * outputs (`outputs.parameters[].from`). A failed child fails the task; its own summary says why.
 */
import { ParentClosePolicy, executeChild, workflowInfo } from '@temporalio/workflow';
import type { ArtifactRef, ValueRef } from '../../common/data-refs.js';
import { FailureType } from '../../common/failure-types.js';
import { runWorkflowId } from '../../common/names.js';
import type { PipelineSpec, TaskSpec } from '../../pipeline/schema.js';
import { renderTemplate } from '../../pipeline/templates.js';
import type { RunPipelineInput, RunState, TaskState } from '../definitions.js';
import { viewFailure } from './failure-view.js';
import { EVENTS_PER_CHILD, type HistoryBudget } from './history-budget.js';
import { RenderError, type RenderScope, type ValueLoader, prepareValues, renderText } from './render-task.js';

const MAX_LISTED_TASKS = 100;

export interface SubPipelineOutcome {
  readonly patch: Partial<TaskState>;
  readonly outcome: 'succeeded' | 'failed';
}

/** Child run ids extend the parent's, so a child's containers and logs are findable from the parent. */
export function childRunId(parentRunId: string, unitId: string): string {
  return `${parentRunId}--${unitId.replace(/\[(\d+)\]$/, '-$1')}`;
}

export async function runSubPipelineUnit(
  unitId: string,
  task: TaskSpec,
  scope: RenderScope,
  loader: ValueLoader,
  run: { readonly runId: string; readonly clusterWorkflowId: string; readonly isCacheDisabled: boolean },
  budget: HistoryBudget,
): Promise<SubPipelineOutcome> {
  const child = task.pipelineSpec as PipelineSpec;
  const texts = Object.entries(task.params ?? {}).map(([name, text]): [string, string] => [
    `params.${name}`,
    text,
  ]);
  await prepareValues(unitId, texts, scope, loader);
  const params = { ...child.params };
  for (const [name, text] of Object.entries(task.params ?? {}))
    params[name] = renderText(text, scope, loader);
  const runId = childRunId(run.runId, unitId);
  const input: RunPipelineInput = {
    runId,
    spec: { ...child, params },
    clusterWorkflowId: run.clusterWorkflowId,
    isCacheDisabled: run.isCacheDisabled,
    scheduledTime: scope.scheduledTime,
    parent: { runId: run.runId, taskId: unitId },
  };
  budget.add(EVENTS_PER_CHILD);
  let state: RunState;
  let outcome: 'succeeded' | 'failed' = 'succeeded';
  try {
    state = await executeChild<(input: RunPipelineInput) => Promise<RunState>>('runPipeline', {
      workflowId: runWorkflowId(runId),
      taskQueue: workflowInfo().taskQueue,
      args: [input],
      // A cancelled parent cancels its children, which clean up their own containers.
      parentClosePolicy: ParentClosePolicy.REQUEST_CANCEL,
      staticSummary: `${child.name} · sub-pipeline of task ${unitId} in run ${run.runId}`,
      staticDetails: childDetails(child),
    });
  } catch (err) {
    const failure = viewFailure(err);
    const details = (err as { cause?: { details?: unknown[] } }).cause?.details?.[0] as RunState | undefined;
    if (failure.type !== FailureType.PipelineFailed || !details) throw err;
    state = details;
    outcome = 'failed';
  }
  if (outcome === 'failed') {
    return {
      outcome,
      patch: {
        status: 'failed',
        childRunId: runId,
        error: `sub-pipeline run ${runId} failed: ${failedTasks(state)}`,
        failureType: FailureType.PipelineFailed,
        finishedAt: Date.now(),
      },
    };
  }
  const outputs: Record<string, ValueRef> = {};
  const artifacts: Record<string, ArtifactRef> = {};
  const childScope: RenderScope = { ...scope, taskState: (id) => state.tasks[id] };
  for (const [i, p] of task.outputs.parameters.entries()) {
    const from = p.from ?? '';
    const direct = singleRef(from, 'output', childScope);
    if (direct) outputs[p.name] = direct as ValueRef;
    else {
      await prepareValues(unitId, [[`outputs.parameters[${i}].from`, from]], childScope, loader);
      outputs[p.name] = { kind: 'inline', value: renderText(from, childScope, loader) };
    }
  }
  for (const a of task.outputs.artifacts) {
    const ref = singleRef(a.from ?? '', 'artifact', childScope);
    if (!ref)
      throw new RenderError(
        `task "${unitId}" outputs.artifacts.${a.name}: no such artifact in the sub-pipeline`,
      );
    artifacts[a.name] = ref as ArtifactRef;
  }
  return {
    outcome,
    patch: {
      status: 'succeeded',
      childRunId: runId,
      attempts: 1,
      outputs,
      artifacts,
      finishedAt: Date.now(),
    },
  };
}

/** The child's value when `from` is exactly one reference (passed on by reference, never loaded). */
function singleRef(
  from: string,
  kind: 'output' | 'artifact',
  scope: RenderScope,
): ValueRef | ArtifactRef | undefined {
  let found: ValueRef | ArtifactRef | undefined;
  let count = 0;
  const rest = renderTemplate(from, (ref) => {
    count += 1;
    if (ref.kind === 'output' && kind === 'output') found = scope.taskState(ref.taskId)?.outputs?.[ref.name];
    if (ref.kind === 'artifact' && kind === 'artifact')
      found = scope.taskState(ref.taskId)?.artifacts?.[ref.name];
    return '';
  });
  return count === 1 && rest.trim() === '' ? found : undefined;
}

/** The child's task list for the Temporal UI, as a run's static details are (bounded). */
function childDetails(child: PipelineSpec): string {
  const listed = child.tasks.slice(0, MAX_LISTED_TASKS).map((t) => `- \`${t.id}\``);
  const more = child.tasks.length - listed.length;
  return [
    `**${child.name}**: ${child.tasks.length} task(s)`,
    '',
    ...listed,
    ...(more > 0 ? [`- … and ${more} more`] : []),
  ].join('\n');
}

function failedTasks(state: RunState): string {
  const failed = Object.entries(state.tasks).filter(([, t]) => t.status === 'failed');
  return `task(s) ${failed.map(([id]) => `"${id}"`).join(', ')} failed`;
}
