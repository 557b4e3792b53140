/**
 * `gantry rerun`: a new run of an earlier run's pipeline, with the same params, that takes every task
 * the earlier run finished well from it instead of running it again. The earlier run's input comes from
 * its history (`fetchRunInput`); which tasks are taken is a pure decision (`selectReuse`).
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { defineSearchAttributeKey, fromPayloadsAtIndex } from '@temporalio/common';
import type { TaskSpec } from '../pipeline/schema.js';
import type { ArtifactStore } from '../activities/artifact-store.js';
import { decodeHistoryPayloads } from './codec/data-converter.js';
import type {
  InlineRunInput,
  ReusedTask,
  RunOrigin,
  RunPipelineInput,
  RunState,
  TaskStatus,
  UpstreamRun,
} from '../workflows/definitions.js';
import { GantryEngineError } from './errors.js';
import { readStoredSpec } from './stored-spec.js';

/** What the reuse decision reads of a pipeline: its tasks' ids and edges, in declaration order. */
export interface TaskGraph {
  readonly tasks: readonly Pick<TaskSpec, 'id' | 'dependsOn'>[];
}

const REUSABLE: ReadonlySet<TaskStatus> = new Set<TaskStatus>(['succeeded', 'cached']);

/** `taskId` and every task that depends on it, directly or through others. O(tasks + edges). */
export function downstreamOf(spec: TaskGraph, taskId: string): Set<string> {
  const dependents = new Map<string, string[]>();
  for (const task of spec.tasks)
    for (const upstream of task.dependsOn)
      dependents.set(upstream, [...(dependents.get(upstream) ?? []), task.id]);
  const seen = new Set<string>();
  const stack = [taskId];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    stack.push(...(dependents.get(id) ?? []));
  }
  return seen;
}

/**
 * The tasks a rerun of `finalState`'s run takes from it: each one that succeeded or was cached there, unless
 * it is `from` or downstream of `from`; the rest run again. Keys in the spec's task order. `from` must name
 * a task of `spec` (the caller reports an unknown one to the user).
 */
export function selectReuse(
  spec: TaskGraph,
  finalState: Pick<RunState, 'runId' | 'tasks'>,
  from?: string,
): Record<string, ReusedTask> {
  if (from !== undefined && !spec.tasks.some((t) => t.id === from))
    throw new RangeError(`selectReuse: "${from}" is not a task of the pipeline`);
  const rerun = from === undefined ? new Set<string>() : downstreamOf(spec, from);
  const reuse: Record<string, ReusedTask> = {};
  for (const { id } of spec.tasks) {
    const task = finalState.tasks[id];
    if (!task || !REUSABLE.has(task.status) || rerun.has(id)) continue;
    reuse[id] = {
      fromRun: finalState.runId,
      outputs: task.outputs ?? {},
      artifacts: task.artifacts ?? {},
      ...(task.foreach === undefined ? {} : { foreach: task.foreach }),
    };
  }
  return reuse;
}

/**
 * What the run's latest execution was started with (after a continue-as-new, that execution's input: the
 * same spec and params, plus the carried progress), decoded with the client's data converter and codecs.
 */
export async function fetchRunInput(
  client: Client,
  handle: WorkflowHandle,
  store: ArtifactStore,
): Promise<InlineRunInput> {
  const history = await handle.fetchHistory();
  const started = history.events?.find(
    (e) => e.workflowExecutionStartedEventAttributes,
  )?.workflowExecutionStartedEventAttributes;
  const { payloadConverter } = client.workflow.options.loadedDataConverter;
  const payloads = await decodeHistoryPayloads(client, started?.input?.payloads ?? []);
  const input =
    payloads.length > 0 ? fromPayloadsAtIndex<RunPipelineInput>(payloadConverter, 0, payloads) : undefined;
  if (!input || (!input.spec && !input.specRef) || typeof input.runId !== 'string')
    throw new GantryEngineError(`${handle.workflowId}: its history holds no pipeline run input`);
  if (input.slice !== undefined)
    throw new GantryEngineError(`${handle.workflowId}: a slice of a partitioned run, not a run`);
  return { ...input, spec: input.spec ?? (await readStoredSpec(store, input.specRef!)) };
}

/** The upstream run a rerun keeps: RUN's own, whether a trigger started it or it was itself a rerun. */
export function upstreamOf(origin: RunOrigin | undefined): UpstreamRun | undefined {
  return origin?.kind === 'pipeline' || origin?.kind === 'rerun' ? origin.upstream : undefined;
}

/**
 * A rerun processes the same moment as RUN (Airflow's "clear" keeps the logical date): RUN's nominal fire
 * time when a schedule started it, its given one, or else its start time.
 */
export async function scheduledTimeOf(
  handle: WorkflowHandle,
  input: RunPipelineInput,
  state: Pick<RunState, 'startedAt'>,
): Promise<string> {
  if (input.scheduledTime !== undefined) return input.scheduledTime;
  const { typedSearchAttributes } = await handle.describe();
  const nominal = typedSearchAttributes.get(SCHEDULED_START_TIME);
  return (nominal ?? new Date(state.startedAt)).toISOString();
}

const SCHEDULED_START_TIME = defineSearchAttributeKey('TemporalScheduledStartTime', 'DATETIME');
