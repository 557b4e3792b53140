/**
 * What a run of a stored pipeline learns about it (see activities/run-plan.ts): the spec itself when it is
 * small enough for one workflow, or a plan of slices run as child workflows (scheduler/dag/partition.ts).
 * Everything bulky stays in the artifact store; these carry digests and counts.
 */
import type { ArtifactRef } from './data-refs.js';

/** A run whose spec has at most this many tasks runs in one workflow; a larger one is partitioned. */
export const SLICE_MAX_TASKS = 500;
/** … and at most this much spec JSON per workflow (well under Temporal's 2 MB payload limit). */
export const SLICE_MAX_BYTES = 512 * 1024;

export interface RunSliceRef {
  readonly index: number;
  /** The slice's document (SliceDocument). */
  readonly ref: ArtifactRef;
  readonly taskCount: number;
  /** Slices that must have finished before this one starts. */
  readonly dependsOn: readonly number[];
}

export interface RunPlan {
  readonly pipeline: string;
  readonly params: Readonly<Record<string, string>>;
  readonly taskCount: number;
  readonly slices: readonly RunSliceRef[];
  /** The task ids of every slice (RunPlanDocument), for viewers that look a task up. */
  readonly document: ArtifactRef;
}

export interface RunPlanDocument {
  readonly slices: readonly { readonly taskIds: readonly string[] }[];
}

/**
 * One slice: a pipeline spec holding the slice's tasks and, first, its external tasks (tasks of earlier
 * slices it depends on or reads) without their dependencies, so they are roots its DAG completes with the
 * outcome they had.
 */
export interface SliceDocument {
  readonly spec: unknown;
  readonly external: readonly string[];
  /** `gantry rerun`: the slice's tasks taken from the earlier run (ReusedTask by task id). */
  readonly reuse?: Readonly<Record<string, unknown>>;
}

export type OpenedRunSpec =
  | { readonly kind: 'whole'; readonly spec: unknown; readonly reuse?: Readonly<Record<string, unknown>> }
  | { readonly kind: 'partitioned'; readonly plan: RunPlan };

export interface OpenRunSpecInput {
  readonly spec: ArtifactRef;
  /** `gantry rerun`'s reused tasks, stored (a JSON object of ReusedTask by task id). */
  readonly reuse?: ArtifactRef;
  readonly maxSliceTasks?: number;
}

export interface LoadSliceInput {
  readonly slice: ArtifactRef;
  /** The stored final task states (by id) of the slices this one depends on. */
  readonly upstream: readonly ArtifactRef[];
}

export interface LoadedSlice {
  readonly spec: unknown;
  readonly reuse?: Readonly<Record<string, unknown>>;
  /** The external tasks' final states, by id: status, outputs, artifacts (as the workflow stored them). */
  readonly external: Readonly<Record<string, unknown>>;
}
