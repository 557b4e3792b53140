/**
 * Every signal, query and update of Gantry's workflows, with their payload types. Names are wire names in
 * workflow histories: add new ones, never rename.
 */
import type { ChangeSignature, ClusterAdmin } from '../common/cluster-admins.js';
import { defineQuery, defineSignal, defineUpdate } from '@temporalio/workflow';
import type { ClusterSpec, DockerEndpoint, NodeRuntime } from '../common/cluster-spec.js';
import type { ImagePolicy, SecurityDefaults } from '../common/container-policy.js';
import type { Constraint, PipelineSpec, PipelineTrigger, Tier } from '../pipeline/schema.js';
import type { ArtifactRef, ValueRef } from '../common/data-refs.js';
import type { RunPlan } from '../common/run-plan.js';
import type { DagState } from '../scheduler/dag/dag-state.js';
import type { DagState as LegacyDagState } from '../scheduler/dag/legacy-dag-state.js';
import type { CpuAssignment, ResourceVector, ScalingAdvice } from '../scheduler/placement/types.js';

// ---- cluster service ---------------------------------------------------------------------------------

export interface PlacementRequest {
  /** Unique across the cluster: `<run workflow id>/<task id>`. */
  readonly key: string;
  readonly runWorkflowId: string;
  readonly taskId: string;
  readonly request: ResourceVector;
  readonly constraints: readonly Constraint[];
  readonly tier: Tier;
  readonly group?: string;
  readonly expectedDurationSeconds?: number;
  /**
   * The run's workflow time when it asked. The service keeps its clock from these rather than from its own
   * activations, so its decisions are a function of what history holds (absent from runs of older code).
   */
  readonly requestedAt?: number;
}

export type PlacementDecision =
  | {
      readonly kind: 'placed';
      readonly nodeId: string;
      readonly taskQueue: string;
      readonly cpuset?: CpuAssignment;
      /** GPU device ids pinned to the task (absent when it asks for none). */
      readonly gpus?: readonly string[];
    }
  | { readonly kind: 'rejected'; readonly reason: string };

export interface NodeSnapshot {
  readonly id: string;
  readonly taskQueue: string;
  readonly capacity: ResourceVector;
  readonly used: ResourceVector;
  readonly attributes: Readonly<Record<string, string>>;
  readonly nodeGroup?: string;
  readonly docker: DockerEndpoint;
  /** Present only for a node that is not `docker` (absent from snapshots of older code: docker). */
  readonly runtime?: Exclude<NodeRuntime, 'docker'>;
  readonly allocations: readonly string[];
  /**
   * From the node workers' heartbeats (workflows/cluster/node-health.ts): absent while none came (or after
   * the worker said it was leaving), so the node is served as before health existed.
   */
  readonly health?: NodeHealthState;
  /** When its last heartbeat arrived, in the service's clock (ms since the epoch). */
  readonly lastHeartbeatAt?: number;
}

/**
 * healthy: heartbeats arrive; suspect: one is overdue (no new placements; it has a last window to send one);
 * lost: its tasks were re-placed elsewhere; returning: it sent a heartbeat again and the containers it may
 * still run are being removed before it takes work.
 */
export type NodeHealthState = 'healthy' | 'suspect' | 'lost' | 'returning';

export interface ClusterSnapshot {
  readonly name: string;
  readonly nodes: readonly NodeSnapshot[];
  readonly pending: readonly { readonly key: string; readonly reason: string; readonly enqueuedAt: number }[];
  /** Placements made since the service started (carried across continue-as-new). */
  readonly placements: number;
  /** Autoscaling advice of the last iteration, when the cluster declares node groups. */
  readonly scaling?: ScalingAdvice; /** The cluster's own `nodeLostAfterSeconds`, when it sets one: node workers pace their heartbeats by it. */
  readonly nodeLostAfterSeconds?: number;
  /**
   * The cluster's container policy, when its spec sets one: clients validate pipelines against it and node
   * workers enforce it. A query answer only: no command changes, nothing to patch.
   */
  readonly images?: ImagePolicy;
  readonly security?: SecurityDefaults;
  readonly runtimeClasses?: readonly string[];
  /** Who may repoint nodes (common/cluster-admins.ts): kept by clients that re-apply the snapshot as a spec. */
  readonly admins?: readonly ClusterAdmin[];
}

export const requestPlacementSignal = defineSignal<[PlacementRequest]>('requestPlacement');
export const releasePlacementSignal = defineSignal<[{ readonly key: string }]>('releasePlacement');
export const releaseRunSignal = defineSignal<[{ readonly runWorkflowId: string }]>('releaseRun');
/** Many requests in one signal (runs of the placement-batches patch); each is handled as its own would be. */
export const requestPlacementsSignal =
  defineSignal<[{ readonly requests: readonly PlacementRequest[] }]>('requestPlacements');
/** Many releases in one signal, by placement key. */
export const releasePlacementsSignal =
  defineSignal<[{ readonly keys: readonly string[] }]>('releasePlacements');
/**
 * Releases, then requests, in one signal (runs of the placement-changes patch): all a run gives back and
 * asks for in one workflow task. The releases are applied first, so the requests may use what they free.
 */
export const placementChangesSignal = defineSignal<[PlacementChanges]>('placementChanges');

export interface PlacementChanges {
  readonly releases: readonly string[];
  readonly requests: readonly PlacementRequest[];
  /**
   * Runs of the hand-off patch: reservations the run passed from a finished task to a new one of its own
   * without asking (workflows/placement-handoff.ts). Present, even empty, from such runs only: the service
   * then tells the run when other work waits for room (`placementContention`).
   */
  readonly handOffs?: readonly PlacementHandOff[];
  /** The sending run (runs of the hand-off patch). */
  readonly runWorkflowId?: string;
  /** Its top-level run: workflows of one party do not count as others waiting for each other. */
  readonly party?: string;
}

/** A reservation passed on: `from`'s room on `nodeId` now holds `request`. */
export interface PlacementHandOff {
  readonly from: string;
  readonly nodeId: string;
  readonly request: PlacementRequest;
}
/** Replaces the node inventory; rejected if it would drop a node that still holds allocations. */
/**
 * Node workers say every few seconds which of their nodes are up (their Docker engine answers); `leaving`
 * when the worker stops on purpose, so its nodes are not taken for lost.
 */
export const nodeHeartbeatSignal = defineSignal<[NodeHeartbeat]>('nodeHeartbeat');

export interface NodeHeartbeat {
  readonly nodes: readonly string[];
  /** The sender's clock when it sent (ms since the epoch). */
  readonly at: number;
  readonly leaving?: boolean;
}

/** The new spec, and an admin's signature where the cluster has admins and the change needs one. */
export const configureClusterUpdate = defineUpdate<ClusterSnapshot, [ClusterSpec, ChangeSignature?]>(
  'configureCluster',
);
export const clusterSnapshotQuery = defineQuery<ClusterSnapshot>('clusterSnapshot');

// ---- pipeline run ------------------------------------------------------------------------------------

export { TaskStatus } from '../scheduler/dag/task-status.js';
import type { TaskStatus } from '../scheduler/dag/task-status.js';

export type RunStatus = 'running' | 'succeeded' | 'failed' | 'cancelled';

export interface TaskState {
  readonly status: TaskStatus;
  /** The user's attempts (retry.maxAttempts); platform re-runs are counted apart. */
  readonly attempts: number;
  /**
   * Times the platform broke an attempt and it ran again without using one of the user's: a worker or
   * engine that went away, a preemption (absent in runs of older code).
   */
  readonly platformRetries?: number;
  readonly exitCode: number | null;
  readonly node: string | null;
  /** Why the task failed or was skipped, for people. */
  readonly error?: string;
  readonly failureType?: string;
  readonly logTail?: string;
  /** Times the task was evicted for a critical task and re-queued, and why the last time. */
  readonly preemptions?: number;
  readonly lastPreemption?: string;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Workflow time the DAG made the task ready (absent in runs of older code). */
  readonly readyAt?: number;
  /** Wall time on the node when its container was created (absent for cached tasks and older runs). */
  readonly createdAt?: number;
  /** Output parameters by name: small values inline, large ones by digest (the CLI shows the values). */
  readonly outputs?: Readonly<Record<string, ValueRef>>;
  readonly artifacts?: Readonly<Record<string, ArtifactRef>>;
  /** For a `cached` task: the run whose result was reused. */
  readonly cachedFrom?: string;
  /** For a foreach task: its items' progress, and where their results are kept once it is done. */
  readonly foreach?: ForeachProgress;
  /** For a sub-pipeline task: the child run's id. */
  readonly childRunId?: string;
}

export interface ForeachProgress {
  readonly total: number;
  readonly succeeded: number;
  readonly cached: number;
  readonly failed: number;
  readonly cancelled: number;
  /** Child workflows (slices of the items) started so far, and finished. */
  readonly slicesStarted: number;
  readonly slicesDone: number;
  /** Every item's result, in item order, as a stored JSON document (absent until the task is done). */
  readonly items?: ArtifactRef;
}

export interface RunState {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: RunStatus;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly tasks: Readonly<Record<string, TaskState>>;
  /** Edges of the DAG, so a viewer can draw it from the query alone. */
  readonly dependsOn: Readonly<Record<string, readonly string[]>>;
  /** Times the run continued as new to keep its history short (absent when it never did). */
  readonly continuations?: number;
  /** The params the run used (the pipeline's, with `--param` overrides applied). */
  readonly params?: Readonly<Record<string, string>>;
  /** What started the run (absent for runs of older code: started by hand). */
  readonly origin?: RunOriginView;
  /** A partitioned run: its progress by slice; `tasks` and `dependsOn` are then empty. */
  readonly partition?: PartitionView;
  /** A slice of a partitioned run, as it returns to its parent; `tasks` is then empty. */
  readonly slice?: SliceOutcome;
}

/**
 * What started a run. A schedule's runs share one static input, so theirs names only the schedule; the
 * nominal time and the run id come from the workflow's start (see `resolveRunInput`).
 */
export type RunOrigin =
  | { readonly kind: 'manual' }
  /** A rerun of a triggered run keeps its upstream run, so `{{ trigger.* }}` render as they did. */
  | { readonly kind: 'rerun'; readonly fromRun: string; readonly upstream?: UpstreamRun }
  | { readonly kind: 'schedule'; readonly scheduleId: string }
  | { readonly kind: 'pipeline'; readonly triggerId: string; readonly upstream: UpstreamRun };

/** The origin as a run reports it: an upstream run without its outputs. */
export type RunOriginView =
  | { readonly kind: 'manual' }
  | { readonly kind: 'rerun'; readonly fromRun: string; readonly upstream?: UpstreamRunView }
  | { readonly kind: 'schedule'; readonly scheduleId: string }
  | { readonly kind: 'pipeline'; readonly triggerId: string; readonly upstream: UpstreamRunView };

export type UpstreamRunView = Omit<UpstreamRun, 'outputs'>;

/** The run whose end started this one (a pipeline trigger): `{{ trigger.runId }}`, `{{ trigger.outputs.T.N }}`. */
export interface UpstreamRun {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: RunStatus;
  /** Only the outputs this pipeline's templates name, by task id then output name. */
  readonly outputs: Readonly<Record<string, Readonly<Record<string, ValueRef>>>>;
}

export interface RunPipelineInput {
  /** Empty in a schedule's action: each firing takes its id from its workflow id (`runIdFromWorkflowId`). */
  readonly runId: string;
  /** The pipeline, inline: runs started by older code (and sub-pipelines). Newer runs pass `specRef`. */
  readonly spec?: PipelineSpec;
  /**
   * The pipeline stored in the artifact store (content-addressed JSON), so the input does not grow with the
   * task count: opened by the `openRunSpec` activity. For a slice of a partitioned run, its SliceDocument.
   */
  readonly specRef?: ArtifactRef;
  /** The pipeline's name, shown by the state query while a stored spec is being opened. */
  readonly pipeline?: string;
  /** Set for a slice of a partitioned run (see workflows/run/partitioned-run.ts). */
  readonly slice?: RunSliceInput;
  /** Tasks a run keeps in flight at most (MAX_TASKS_IN_FLIGHT by default); runs of older code have no cap. */
  readonly maxInFlight?: number;
  /** A stored pipeline with more tasks than this is partitioned (SLICE_MAX_TASKS by default). */
  readonly maxSliceTasks?: number;
  readonly clusterWorkflowId: string;
  /** History length after which the run drains its running tasks and continues as new; 10,000 by default. */
  readonly maxHistoryEvents?: number;
  /** Progress handed over by continue-as-new. */
  readonly carried?: CarriedRun | CarriedDataflowRun | CarriedPartitionedRun;
  /** `gantry run --no-cache`: no earlier result is reused (results are still recorded). */
  readonly isCacheDisabled?: boolean;
  /** `gantry rerun`: tasks that are not run again, with the result they take from the earlier run. */
  readonly reuse?: Readonly<Record<string, ReusedTask>>;
  /** The same, stored (runs started by digest): opened with the spec, and split by slice. */
  readonly reuseRef?: ArtifactRef;
  /** Nominal time of a scheduled run (ISO-8601), for `{{ run.scheduledTime }}`; the start time otherwise. */
  readonly scheduledTime?: string;
  /** Set for a sub-pipeline's run: the parent run and task it belongs to. */
  readonly parent?: { readonly runId: string; readonly taskId: string };
  /** What started the run; absent means by hand. */
  readonly origin?: RunOrigin;
}

/** A run's input with its pipeline in hand (inline, or opened from `specRef`). */
export type InlineRunInput = RunPipelineInput & { readonly spec: PipelineSpec };

export interface RunSliceInput {
  readonly index: number;
  /** Slices in the run. */
  readonly of: number;
  /** The stored final task states of the slices it depends on (SliceOutcome.states). */
  readonly upstream: readonly ArtifactRef[];
}

/** How many of a run's (or slice's) tasks ended which way. */
export type TaskCounts = Readonly<Partial<Record<TaskStatus, number>>>;

/** What a slice of a partitioned run returns to its parent: counts and references, never its task states. */
export interface SliceOutcome {
  readonly counts: TaskCounts;
  /** Every task state of the slice, by task id, as one stored JSON document. */
  readonly states: ArtifactRef;
  /** The first failed tasks (at most FAILED_TASKS_SHOWN), for the run's summary. */
  readonly failedTasks: readonly string[];
  /** Node id → task queue of the nodes that ran its tasks, for the run's final clean-up. */
  readonly nodeQueues: Readonly<Record<string, string>>;
}

/** A partitioned run's progress, instead of per-task states (which live in the slices and the store). */
export interface PartitionView {
  readonly taskCount: number;
  readonly slices: number;
  readonly slicesRunning: number;
  readonly slicesDone: number;
  /** Indexes of the slices running now (at most MAX_SLICES_IN_FLIGHT): viewers query them for live counts. */
  readonly running?: readonly number[];
  readonly counts: TaskCounts;
  readonly failedTasks: readonly string[];
  /** Which tasks each slice holds (RunPlanDocument). */
  readonly plan: ArtifactRef;
  /** Once the run has ended: the stored states document of every slice, in slice order (RunStatesIndex). */
  readonly states?: ArtifactRef;
}

/** The stored index of a partitioned run's task states: one document per slice, null if it never ran. */
export interface RunStatesIndex {
  readonly slices: readonly (ArtifactRef | null)[];
}

/** What a partitioned run hands to its next execution (`version: 3`). */
export interface CarriedPartitionedRun {
  readonly version: 3;
  readonly plan: RunPlan;
  /** Finished slices by index. */
  readonly done: Readonly<Record<string, SliceOutcome>>;
  readonly startedAt: number;
  readonly continuations: number;
}

export interface ReusedTask {
  readonly fromRun: string;
  readonly outputs: Readonly<Record<string, ValueRef>>;
  readonly artifacts: Readonly<Record<string, ArtifactRef>>;
  readonly foreach?: ForeachProgress;
}

/** What a dataflow run hands to its next execution (`version: 2` tells it from a legacy run's). */
export interface CarriedDataflowRun {
  readonly version: 2;
  readonly dag: DagState;
  readonly tasks: Readonly<Record<string, TaskState>>;
  readonly startedAt: number;
  readonly nodeQueues: Readonly<Record<string, string>>;
  readonly continuations: number;
}

/** What a run hands to its next execution: plain JSON, so it fits continue-as-new's input. */
export interface CarriedRun {
  readonly dag: LegacyDagState;
  readonly tasks: Readonly<Record<string, TaskState>>;
  readonly startedAt: number;
  /** Node id → task queue of every node that ran a task, for the cleanup at the end. */
  readonly nodeQueues: Readonly<Record<string, string>>;
  /** Executions before this one. */
  readonly continuations: number;
}

/**
 * A placement a run asked for and has not given back, as the run knows it. The runs' answers rebuild a
 * cluster service that was terminated: together they are every allocation and request it owned.
 */
export interface HeldPlacement {
  readonly request: PlacementRequest;
  /** Workflow time the request was sent. */
  readonly requestedAt: number;
  /** The grant, once the run has it; absent while the request waits in the service's queue. */
  readonly placed?: {
    readonly nodeId: string;
    readonly cpuset?: CpuAssignment;
    readonly gpus?: readonly string[];
    readonly placedAt: number;
  };
}

export interface HeldPlacements {
  /** The cluster service the run talks to. */
  readonly clusterWorkflowId: string;
  readonly placements: readonly HeldPlacement[];
}

export const placementDecidedSignal =
  defineSignal<[{ readonly taskId: string; readonly decision: PlacementDecision }]>('placementDecided');
export interface TaskPlacementDecision {
  readonly taskId: string;
  readonly decision: PlacementDecision;
  /** The answered request's `requestedAt` (to runs of the hand-off patch), so a late answer is told apart. */
  readonly requestedAt?: number;
}
/** The decisions of one service event for one run, sent to runs that asked with `requestPlacements`. */
export const placementsDecidedSignal = defineSignal<
  [
    {
      readonly decisions: readonly TaskPlacementDecision[];
      /** To runs of the hand-off patch: whether work of other runs still waits for room. */
      readonly othersWaiting?: boolean;
    },
  ]
>('placementsDecided');
/**
 * From the cluster service to runs of the hand-off patch: work of other runs now waits for room, so the run
 * must give its reservations back rather than pass them on (sent when that starts; the end of it comes
 * with the run's next decisions).
 */
export const placementContentionSignal =
  defineSignal<[{ readonly othersWaiting: boolean }]>('placementContention');
export const runStateQuery = defineQuery<RunState>('runState');
/**
 * From the cluster service: give the node back (the task is re-queued) so a critical task can run, or
 * because the node is lost (`lostNode`: its leftovers are removed when it comes back, not by the run).
 */
export const preemptTaskSignal =
  defineSignal<[{ readonly taskId: string; readonly reason: string; readonly lostNode?: string }]>(
    'preemptTask',
  );
/** What the run holds or waits for from its cluster service (see HeldPlacement). */
export const heldPlacementsQuery = defineQuery<HeldPlacements>('heldPlacements');

// ---- trigger registry ----------------------------------------------------------------------------------

/** A run's end, as every top-level run tells its control queue's trigger registry. */
export interface RunEnded {
  readonly runId: string;
  readonly workflowId: string;
  readonly pipeline: string;
  readonly status: Exclude<RunStatus, 'running'>;
  /** Workflow time of the end, ms since the epoch; also makes the started runs' ids deterministic. */
  readonly endedAt: number;
}

/** `gantry trigger create`: start `spec` after every run of each of its `triggers` that ends as it says. */
export interface TriggerRegistration {
  readonly id: string;
  /** The pipeline to start, with `--param` values applied; `spec.triggers` says after what. */
  readonly spec: PipelineSpec;
  readonly clusterWorkflowId: string;
  readonly createdAt: number;
}

/** A registration as `gantry trigger list` shows it: what waits on what, and what it has started. */
export interface TriggerView {
  readonly id: string;
  readonly pipeline: string;
  readonly after: readonly PipelineTrigger[];
  readonly clusterWorkflowId: string;
  readonly createdAt: number;
  /** Runs it started. */
  readonly fired: number;
  readonly lastRun?: { readonly runId: string; readonly upstreamRunId: string };
  /** Why the last start failed (after the activity's retries), if it did. */
  readonly lastError?: string;
}

export const runEndedSignal = defineSignal<[RunEnded]>('runEnded');

/** The control worker's activity the registry calls (engine/trigger-activities.ts implements it). */
/** The control worker's reconciliation activity (engine/reconcile-activities.ts). */
export interface ReconcileActivities {
  /** Of these workflow ids, those whose latest execution is not running (or that do not exist). */
  closedRuns(input: { readonly workflowIds: readonly string[] }): Promise<string[]>;
}

/** A node worker's activity the cluster service calls when a lost node comes back (activities/index.ts). */
export interface NodeHealthActivities {
  /** Removes every task container of `cluster` on node `nodeId`: the service holds nothing there any more. */
  clearLostNode(input: {
    readonly cluster: string;
    readonly nodeId: string;
  }): Promise<{ readonly removedContainers: number }>;
}

export interface TriggerActivities {
  startTriggeredRun(input: StartTriggeredRunInput): Promise<StartTriggeredRunResult>;
}

export interface StartTriggeredRunInput {
  readonly registration: Pick<TriggerRegistration, 'id' | 'spec' | 'clusterWorkflowId'>;
  readonly upstream: RunEnded;
  /** The control queue the downstream run goes to (the registry's own). */
  readonly taskQueue: string;
}

export interface StartTriggeredRunResult {
  readonly runId: string;
  readonly workflowId: string;
  /** False when an earlier attempt had started it already. */
  readonly isNew: boolean;
}
/** Rejected (validator) for a duplicate id, a pipeline without triggers, or a trigger loop. */
export const registerTriggerUpdate = defineUpdate<TriggerView, [TriggerRegistration]>('registerTrigger');
/** Rejected (validator) for an unknown id; returns the registration it removed. */
export const deleteTriggerUpdate = defineUpdate<TriggerView, [{ readonly id: string }]>('deleteTrigger');
export const triggersQuery = defineQuery<TriggerView[]>('triggers');
