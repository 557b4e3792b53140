/**
 * Control-worker activities that keep pipeline specs out of workflow inputs: a run gets a digest, and
 * opens it here into either the spec (small runs) or a plan of slices stored one document each (large runs,
 * scheduler/dag/partition.ts). Content addressing makes both idempotent, so retries are harmless.
 */
import type { ArtifactRef } from '../common/data-refs.js';
import {
  type LoadSliceInput,
  type LoadedSlice,
  type OpenRunSpecInput,
  type OpenedRunSpec,
  type RunPlanDocument,
  type RunSliceRef,
  SLICE_MAX_BYTES,
  SLICE_MAX_TASKS,
  type SliceDocument,
} from '../common/run-plan.js';
import type { PipelineSpec, TaskSpec } from '../pipeline/schema.js';
import { collectRefs } from '../pipeline/templates.js';
import { compileWhen } from '../pipeline/when-expression.js';
import { partitionDag } from '../scheduler/dag/partition.js';
import type { ArtifactStore } from './artifact-store.js';
import { readJsonDocument } from './store-activities.js';
import { toFailure } from './to-failure.js';

const CONTROL_NODE = 'control';

/** The other tasks whose outputs or status a task's templates and `when` read. */
function readsOf(task: TaskSpec): string[] {
  const ids = new Set<string>();
  for (const ref of collectRefs(task))
    if (ref.kind === 'output' || ref.kind === 'artifact') ids.add(ref.taskId);
  if (task.when !== undefined) {
    const compiled = compileWhen(task.when);
    if (compiled.kind === 'compiled')
      for (const ref of compiled.refs) if (ref.kind !== 'param') ids.add(ref.taskId);
  }
  ids.delete(task.id);
  return [...ids];
}

const putJson = (store: ArtifactStore, value: unknown) =>
  store.putBlob(Buffer.from(JSON.stringify(value), 'utf8'));

export async function openRunSpec(store: ArtifactStore, input: OpenRunSpecInput): Promise<OpenedRunSpec> {
  const text = (await store.readBlob(input.spec.digest)).toString('utf8');
  const spec = JSON.parse(text) as PipelineSpec;
  const maxTasks = input.maxSliceTasks ?? SLICE_MAX_TASKS;
  const reuse = input.reuse ? await readJsonDocument<Record<string, unknown>>(store, input.reuse) : undefined;
  if (spec.tasks.length <= maxTasks && text.length <= SLICE_MAX_BYTES)
    return { kind: 'whole', spec, ...(reuse ? { reuse } : {}) };
  const byId = new Map(spec.tasks.map((t) => [t.id, t]));
  const slices = partitionDag(
    spec.tasks.map((t) => ({
      id: t.id,
      dependsOn: t.dependsOn,
      reads: readsOf(t),
      bytes: JSON.stringify(t).length,
    })),
    { maxTasks, maxBytes: SLICE_MAX_BYTES },
  );
  // Everything but the task list goes into each slice's spec.
  const pipeline: Omit<PipelineSpec, 'tasks'> & { tasks?: unknown } = { ...spec };
  delete pipeline.tasks;
  const refs: RunSliceRef[] = [];
  for (const [index, slice] of slices.entries()) {
    const stubs = slice.external.map((id) => ({ ...byId.get(id)!, dependsOn: [] }));
    const reused = reuse
      ? slice.taskIds.flatMap((id) => (id in reuse ? [[id, reuse[id]] as const] : []))
      : [];
    const document: SliceDocument = {
      spec: { ...pipeline, tasks: [...stubs, ...slice.taskIds.map((id) => byId.get(id)!)] },
      external: slice.external,
      ...(reused.length > 0 ? { reuse: Object.fromEntries(reused) } : {}),
    };
    const ref = await putJson(store, document);
    refs.push({ index, ref, taskCount: slice.taskIds.length, dependsOn: slice.dependsOn });
  }
  const planDocument: RunPlanDocument = { slices: slices.map((s) => ({ taskIds: s.taskIds })) };
  return {
    kind: 'partitioned',
    plan: {
      pipeline: spec.name,
      params: spec.params,
      taskCount: spec.tasks.length,
      slices: refs,
      document: await putJson(store, planDocument),
    },
  };
}

export async function loadSlice(store: ArtifactStore, input: LoadSliceInput): Promise<LoadedSlice> {
  const document = await readJsonDocument<SliceDocument>(store, input.slice);
  const wanted = new Set(document.external);
  const external: Record<string, unknown> = {};
  for (const ref of input.upstream) {
    const states = await readJsonDocument<Record<string, { status: string } & Record<string, unknown>>>(
      store,
      ref,
    );
    for (const [id, state] of Object.entries(states)) {
      if (!wanted.has(id)) continue;
      // What a downstream task can read of it; logs and errors stay in the upstream slice's document.
      const { status, outputs, artifacts, foreach, finishedAt } = state;
      external[id] = {
        status,
        outputs,
        artifacts,
        foreach,
        finishedAt,
        attempts: 0,
        exitCode: null,
        node: null,
      };
    }
  }
  return { spec: document.spec, external, ...(document.reuse ? { reuse: document.reuse } : {}) };
}

export function createRunPlanActivities(store: ArtifactStore) {
  return {
    /** The run's spec if it fits one workflow, or its plan of slices. */
    async openRunSpec(input: OpenRunSpecInput): Promise<OpenedRunSpec> {
      try {
        return await openRunSpec(store, input);
      } catch (err) {
        throw toFailure(err, CONTROL_NODE);
      }
    },
    /** A slice's spec and the final states of the external tasks it needs. */
    async loadSlice(input: LoadSliceInput): Promise<LoadedSlice> {
      try {
        return await loadSlice(store, input);
      } catch (err) {
        throw toFailure(err, CONTROL_NODE);
      }
    },
  };
}

export type RunPlanActivities = ReturnType<typeof createRunPlanActivities>;

/** Stores a run's spec for `openRunSpec` (the client's side of the same contract). */
export async function storeRunSpec(store: ArtifactStore, spec: PipelineSpec): Promise<ArtifactRef> {
  return putJson(store, spec);
}
