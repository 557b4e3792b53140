/**
 * The run workflow's loop (runs started with the `gantry-run-dataflow` marker). Each task whose trigger
 * rule holds is taken from the DAG and, in order: reused from an earlier run (`gantry rerun`), skipped if
 * its `when` is false, fanned out (foreach), run as a child pipeline, or run as one container. Its outcome
 * goes back to the DAG, which frees successors or skips them by their rules; successors start in that same
 * continuation, so every command follows from history alone. Past the history budget the run starts
 * nothing new, lets its running tasks finish and continues as new with its progress.
 */
import {
  ApplicationFailure,
  CancellationScope,
  allHandlersFinished,
  condition,
  continueAsNew,
  isCancellation,
  patched,
  setHandler,
  upsertSearchAttributes,
  workflowInfo,
} from '@temporalio/workflow';
import { FailureType } from '../../common/failure-types.js';
import { SearchAttribute } from '../../common/names.js';
import type { PipelineSpec, TaskSpec } from '../../pipeline/schema.js';
import { compileWhen, evaluateWhen } from '../../pipeline/when-expression.js';
import {
  type CompletionEffects,
  type TaskOutcome,
  completeExternal,
  completeTask,
  createDagState,
  isDagFinished,
  takeReady,
} from '../../scheduler/dag/dag-state.js';
import { isTerminal } from '../../scheduler/dag/task-status.js';
import {
  type CarriedDataflowRun,
  type RunOrigin,
  type RunOriginView,
  type ReusedTask,
  type RunPipelineInput,
  type RunState,
  type RunStatus,
  type UpstreamRun,
  type TaskState,
  runStateQuery,
} from '../definitions.js';
import { openClusterLink } from './cluster-link.js';
import { runContainerUnit } from './container-unit.js';
import { runForeachTask } from './foreach-task.js';
import { ProgressDetails } from './run-details.js';
import { DEFAULT_MAX_HISTORY_EVENTS, HistoryBudget } from './history-budget.js';
import {
  RenderError,
  type RenderScope,
  ValueLoader,
  prepareValues,
  renderContainerInput,
  templatedTexts,
} from './render-task.js';
import { notifyTriggerRegistry } from './notify-triggers.js';
import { childRunId, runSubPipelineUnit } from './sub-pipeline-unit.js';
import { failedOutside } from './task-failure.js';
import { endSlice } from './slice-end.js';
import { cleanupRunOnNodes } from './node-cleanup.js';

/** The origin without the upstream's outputs: the run's state is shown and returned, and stays small. */
export function originView(origin: RunOrigin | undefined): RunOriginView | undefined {
  if (origin === undefined || !('upstream' in origin) || origin.upstream === undefined) return origin;
  const { runId, pipeline, status } = origin.upstream;
  return { ...origin, upstream: { runId, pipeline, status } };
}

/** The upstream run whose values `{{ trigger.* }}` read: a triggered run's, or the one its rerun keeps. */
function upstreamOf(origin: RunOrigin | undefined): UpstreamRun | undefined {
  return origin?.kind === 'pipeline' || origin?.kind === 'rerun' ? origin.upstream : undefined;
}

/** Tasks a run keeps in flight at most: Temporal advises at most ~500 pending activities per workflow. */
export const MAX_TASKS_IN_FLIGHT = 200;
/** Patch id: runs cap the tasks they keep in flight (runs of older code started every ready task). */
export const INFLIGHT_CAP_PATCH = 'gantry-run-inflight-cap';

/**
 * Runs `spec` for `input` (which may hold only its digest: continue-as-new hands `input` on unchanged). For
 * a slice of a partitioned run, `external` holds the final states of the earlier slices' tasks it needs.
 */
export async function runDataflow(
  input: RunPipelineInput,
  spec: PipelineSpec,
  external: Readonly<Record<string, TaskState>> = {},
  reuse: Readonly<Record<string, ReusedTask>> | undefined = input.reuse,
): Promise<RunState> {
  const { runId, slice } = input;
  const carried = input.carried as CarriedDataflowRun | undefined;
  const inFlightCap = patched(INFLIGHT_CAP_PATCH) ? (input.maxInFlight ?? MAX_TASKS_IN_FLIGHT) : Infinity;
  const externalIds = new Set(Object.keys(external));
  const taskById = new Map(spec.tasks.map((t) => [t.id, t]));
  const { workflowId, taskQueue } = workflowInfo();
  const budget = new HistoryBudget(input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS);
  const link = openClusterLink(input.clusterWorkflowId, budget);
  const loader = new ValueLoader(budget, taskQueue);
  const startedAt = carried?.startedAt ?? Date.now();
  const scheduledTime = input.scheduledTime ?? new Date(startedAt).toISOString();
  const dag = carried?.dag ?? createDagState(spec);
  const tasks = new Map<string, TaskState>(
    carried
      ? Object.entries(carried.tasks)
      : spec.tasks.map((t) => [
          t.id,
          external[t.id] ?? { status: 'pending', attempts: 0, exitCode: null, node: null },
        ]),
  );
  const continuations = carried?.continuations ?? 0;
  const nodeQueues = new Map<string, string>(carried ? Object.entries(carried.nodeQueues) : []);
  const isCacheDisabled = input.isCacheDisabled ?? false;
  let status: RunStatus = 'running';
  let finishedAt: number | undefined;
  const origin = originView(input.origin);
  const upstream = upstreamOf(input.origin);

  const title = slice
    ? `Slice ${slice.index + 1} of ${slice.of} of run \`${runId}\` of **${spec.name}**`
    : `Run \`${runId}\` of **${spec.name}**`;
  const details = new ProgressDetails(
    { noun: 'task', title },
    [...tasks].filter(([id]) => !externalIds.has(id)),
  );
  const update = (id: string, patch: Partial<TaskState>) => {
    const before = tasks.get(id)!;
    const after = { ...before, ...patch };
    tasks.set(id, after);
    details.note(id, before, after);
  };
  const state = (): RunState => ({
    runId,
    pipeline: spec.name,
    status,
    startedAt,
    ...(finishedAt !== undefined ? { finishedAt } : {}),
    // A slice shows its own tasks: its external ones are counted by the slices that ran them.
    tasks: Object.fromEntries(
      externalIds.size > 0 ? [...tasks].filter(([id]) => !externalIds.has(id)) : tasks,
    ),
    dependsOn: Object.fromEntries(
      spec.tasks.filter((t) => !externalIds.has(t.id)).map((t) => [t.id, t.dependsOn]),
    ),
    ...(continuations > 0 ? { continuations } : {}),
    params: spec.params,
    ...(origin ? { origin } : {}),
  });
  setHandler(runStateQuery, state);
  // A slice is part of its parent's run, not a run of its own: `gantry list` must not show it.
  const setStatusAttribute = (value: RunStatus) =>
    slice ? undefined : upsertSearchAttributes({ [SearchAttribute.Status]: [value] });
  if (!slice)
    upsertSearchAttributes({
      [SearchAttribute.Pipeline]: [spec.name],
      [SearchAttribute.Status]: ['running'],
    });

  const scope: RenderScope = {
    params: spec.params,
    runId,
    scheduledTime,
    taskState: (id) => tasks.get(id),
    ...(upstream ? { trigger: upstream } : {}),
  };
  const run = {
    runId,
    pipeline: spec.name,
    clusterWorkflowId: input.clusterWorkflowId,
    isCacheDisabled,
    ...(spec.secrets ? { secrets: spec.secrets } : {}),
  };

  function finish(task: TaskSpec, outcome: TaskOutcome): void {
    noteSkipped(completeTask(dag, task.id, outcome));
    launchReady();
  }

  function noteSkipped(effects: CompletionEffects): void {
    for (const { id, because } of effects.skipped) {
      const rule =
        because.kind === 'trigger' && because.rule !== 'allSucceeded'
          ? ` (trigger rule ${because.rule})`
          : '';
      const error =
        because.kind === 'when'
          ? 'skipped: its when condition is false'
          : `skipped: upstream task "${because.upstream}" ${tasks.get(because.upstream)?.status ?? 'ended'}${rule}`;
      update(id, { status: 'skipped', error, finishedAt: Date.now() });
    }
  }

  // A slice's external tasks ended in earlier slices: their outcomes free or skip its tasks first.
  if (!carried)
    for (const id of spec.tasks.map((t) => t.id).filter((taskId) => externalIds.has(taskId)))
      noteSkipped(completeExternal(dag, id, external[id]!.status as TaskOutcome));

  /** False when the task's `when` is false; throws RenderError when it cannot be evaluated. */
  async function isWanted(task: TaskSpec): Promise<boolean> {
    if (task.when === undefined) return true;
    // Only the tasks the expression names, and of those only the values it reads, are loaded.
    const compiled = compileWhen(task.when);
    const refs = compiled.kind === 'compiled' ? compiled.refs : [];
    const named = new Set(refs.flatMap((ref) => (ref.kind === 'param' ? [] : [ref.taskId])));
    const read = refs.flatMap((ref) => {
      const value = ref.kind === 'output' ? tasks.get(ref.taskId)?.outputs?.[ref.name] : undefined;
      return value ? [value] : [];
    });
    await loader.load(read, task.id);
    const context = {
      params: spec.params,
      tasks: Object.fromEntries(
        [...named].flatMap((id) => {
          const t = tasks.get(id);
          if (!t || !isTerminal(t.status)) return [];
          const outputs = Object.entries(t.outputs ?? {}).flatMap(([name, ref]): [string, string][] =>
            ref.kind === 'inline' || read.includes(ref) ? [[name, loader.text(ref)]] : [],
          );
          const view = { status: t.status, outputs: Object.fromEntries(outputs) };
          return [[id, view] as const];
        }),
      ),
    };
    const result = evaluateWhen(task.when, context);
    if (result.kind === 'error')
      throw new RenderError(`task "${task.id}" when: ${result.message}`, FailureType.WhenError);
    return result.kind === 'true';
  }

  async function runTask(task: TaskSpec): Promise<void> {
    const reused = reuse?.[task.id];
    if (reused) {
      update(task.id, {
        status: 'cached',
        cachedFrom: reused.fromRun,
        outputs: reused.outputs,
        artifacts: reused.artifacts,
        ...(reused.foreach ? { foreach: reused.foreach } : {}),
        finishedAt: Date.now(),
      });
      return finish(task, 'cached');
    }
    try {
      if (!(await isWanted(task))) {
        update(task.id, {
          status: 'skipped',
          error: `skipped: when "${task.when}" is false`,
          finishedAt: Date.now(),
        });
        return finish(task, 'skipped');
      }
      if (task.foreach !== undefined) {
        const done = await runForeachTask(
          task,
          scope,
          loader,
          run,
          budget,
          (patch) => update(task.id, patch),
          nodeQueues,
        );
        update(task.id, done.patch);
        return finish(task, done.outcome);
      }
      if (task.pipelineSpec) {
        update(task.id, { status: 'running', childRunId: childRunId(runId, task.id) });
        const done = await runSubPipelineUnit(task.id, task, scope, loader, run, budget);
        update(task.id, done.patch);
        return finish(task, done.outcome);
      }
      await prepareValues(task.id, templatedTexts(task), scope, loader);
      const outcome = await runContainerUnit(
        {
          link,
          budget,
          workflowId,
          nodeQueues,
          onProgress: (patch) => update(task.id, patch),
          preemptionsOf: () => tasks.get(task.id)?.preemptions ?? 0,
        },
        {
          unitId: task.id,
          task,
          input: (placement) => renderContainerInput(task.id, task, scope, loader, run, placement),
        },
      );
      update(task.id, outcome.patch);
      return finish(task, outcome.outcome);
    } catch (err) {
      const failed = failedOutside(task.id, err, Date.now());
      if (!failed) throw err;
      update(task.id, failed);
      return finish(task, 'failed');
    }
  }

  async function cleanup(): Promise<void> {
    await CancellationScope.nonCancellable(async () => {
      await link.drain();
      await link.releaseAll();
      // The run's other slices may still use its workspace, and run containers of their own on the same
      // nodes (a slice that removed the run's every container took a sibling's before its outputs were read):
      // a slice removes only its own tasks' containers, and the parent the workspace at the end.
      await cleanupRunOnNodes(
        runId,
        nodeQueues,
        slice === undefined,
        slice === undefined ? undefined : spec.tasks.map((t) => t.id).filter((id) => !externalIds.has(id)),
      );
    });
  }

  const inFlight = new Map<string, Promise<void>>();
  let isDraining = false;
  // Draining: ready tasks stay ready in the DAG state and start in the next execution.
  function launchReady(): void {
    if (CancellationScope.current().consideredCancelled) return;
    isDraining ||= budget.isExhausted;
    if (isDraining) return;
    for (const id of takeReady(dag, inFlightCap - inFlight.size)) {
      // Plain state, no command: old histories replay unchanged. The engine bench reads ready → created.
      update(id, { readyAt: Date.now() });
      inFlight.set(
        id,
        runTask(taskById.get(id)!).finally(() => {
          inFlight.delete(id);
          // Under a cap, the completions of one activation free slots only here, after their own
          // launchReady ran: without this, the last of them could end the run with tasks still ready.
          // Without a cap every ready task was taken already, so this takes nothing (old runs replay).
          launchReady();
        }),
      );
    }
  }

  try {
    launchReady();
    await condition(() => inFlight.size === 0);
    if (!isDraining && !isDagFinished(dag) && !CancellationScope.current().consideredCancelled)
      // Never report a run done with tasks that did not run: fail the workflow task, visibly, instead.
      throw new Error(`run ${runId}: no task in flight, yet the DAG is not finished`);
    if (isDraining && !isDagFinished(dag)) {
      // Releases first: a closed execution's undelivered signals are lost, and so would the reservations be.
      await link.drain();
      await condition(allHandlersFinished);
      const next: CarriedDataflowRun = {
        version: 2,
        dag,
        tasks: Object.fromEntries(tasks),
        startedAt,
        nodeQueues: Object.fromEntries(nodeQueues),
        continuations: continuations + 1,
      };
      await continueAsNew<(input: RunPipelineInput) => Promise<RunState>>({ ...input, carried: next });
    }
  } catch (err) {
    if (!isCancellation(err)) throw err;
    await Promise.allSettled(inFlight.values());
    status = 'cancelled';
    finishedAt = Date.now();
    for (const [id, task] of tasks)
      if (!isTerminal(task.status)) update(id, { status: 'cancelled', finishedAt });
    await cleanup();
    setStatusAttribute('cancelled');
    details.finish(status);
    if (input.parent === undefined && !slice)
      await notifyTriggerRegistry({ runId, pipeline: spec.name, status: 'cancelled', endedAt: finishedAt });
    throw err;
  }

  await cleanup();
  finishedAt = Date.now();
  const failed = [...tasks]
    .filter(([id, t]) => t.status === 'failed' && !externalIds.has(id))
    .map(([id]) => id);
  status = failed.length > 0 ? 'failed' : 'succeeded';
  setStatusAttribute(status);
  details.finish(status);
  if (slice) return endSlice(state(), tasks, externalIds, nodeQueues, failed);
  if (input.parent === undefined) {
    const ended = failed.length > 0 ? 'failed' : 'succeeded';
    await notifyTriggerRegistry({ runId, pipeline: spec.name, status: ended, endedAt: finishedAt });
  }
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
