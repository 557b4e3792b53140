/** Client-side operations on runs and the cluster service: start, wait, find, inspect. */
import type { ChangeSignature } from '../common/cluster-admins.js';
import {
  type Client,
  WorkflowFailedError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
  type WorkflowHandleWithFirstExecutionRunId,
  WorkflowNotFoundError,
} from '@temporalio/client';
import { randomBytes } from 'node:crypto';
import type { ClusterSpec } from '../common/cluster-spec.js';
import { FailureType } from '../common/failure-types.js';
import { containerPolicyOf } from '../common/container-policy.js';
import { clusterWorkflowId, newRunId, runWorkflowId } from '../common/names.js';
import type { PipelineSpec } from '../pipeline/schema.js';
import {
  type ClusterSnapshot,
  type ReusedTask,
  type RunOrigin,
  type RunState,
  clusterSnapshotQuery,
  configureClusterUpdate,
  runStateQuery,
} from '../workflows/definitions.js';
import type { clusterService, runPipeline } from '../workflows/index.js';
import { sliceWorkflowId } from '../workflows/run/slice-id.js';
import type { GantryConfig } from './config.js';
import { ClusterUpdateRejectedError, RunNotFoundError, RunStateUnavailableError } from './errors.js';
import { runStartMetadata } from './run-metadata.js';
import { storeJsonDocument, storeSpec } from './stored-spec.js';
import { explainClusterQueryFailure } from './service-health.js';

/** Starts the cluster's service if it is not running; an existing service keeps its own inventory. */
export async function ensureClusterService(
  client: Client,
  config: GantryConfig,
  spec: ClusterSpec,
): Promise<void> {
  await client.workflow.start<typeof clusterService>('clusterService', {
    workflowId: clusterWorkflowId(spec.name),
    taskQueue: config.controlTaskQueue,
    args: [{ spec }],
    workflowIdConflictPolicy: 'USE_EXISTING',
  });
}

/** Replaces a running service's inventory; the service's own refusal comes back as ClusterUpdateRejectedError. */
export async function configureCluster(
  client: Client,
  spec: ClusterSpec,
  signature?: ChangeSignature,
): Promise<ClusterSnapshot> {
  try {
    return await client.workflow
      .getHandle(clusterWorkflowId(spec.name))
      .executeUpdate(configureClusterUpdate, { args: signature ? [spec, signature] : [spec] });
  } catch (err) {
    if (err instanceof WorkflowUpdateFailedError)
      throw new ClusterUpdateRejectedError(spec.name, err.cause?.message ?? err.message, { cause: err });
    throw err;
  }
}

/** The service's snapshot, or undefined if it never started; a failed query says why (stuck, no worker). */
export async function clusterSnapshot(
  client: Client,
  clusterName: string,
): Promise<ClusterSnapshot | undefined> {
  try {
    return await client.workflow.getHandle(clusterWorkflowId(clusterName)).query(clusterSnapshotQuery);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw await explainClusterQueryFailure(client, clusterName, err);
  }
}

/** The inventory a running service holds, as a spec (to start workers for it, or to re-apply it). */
export function specFromSnapshot(snapshot: ClusterSnapshot): ClusterSpec {
  return {
    name: snapshot.name,
    nodes: snapshot.nodes.map((n) => ({
      id: n.id,
      capacity: { cpu: n.capacity['cpu'] ?? 0, memoryMiB: n.capacity['memoryMiB'] ?? 0, ...n.capacity },
      attributes: { ...n.attributes },
      ...(n.nodeGroup ? { nodeGroup: n.nodeGroup } : {}),
      docker: n.docker,
      runtime: n.runtime ?? 'docker',
    })),
    ...(snapshot.nodeLostAfterSeconds ? { nodeLostAfterSeconds: snapshot.nodeLostAfterSeconds } : {}),
    ...containerPolicyOf(snapshot),
    ...(snapshot.admins ? { admins: [...snapshot.admins] } : {}),
  };
}

export interface StartedRun {
  readonly runId: string;
  readonly workflowId: string;
  readonly handle: WorkflowHandleWithFirstExecutionRunId<typeof runPipeline>;
}

export interface StartRunOptions {
  readonly now?: Date;
  /** The run continues as new past this many history events (the workflow's default when absent). */
  readonly maxHistoryEvents?: number;
  /** `--no-cache`: no earlier result is reused (results are still recorded). */
  readonly isCacheDisabled?: boolean;
  /** `gantry rerun`: tasks taken from an earlier run instead of running them. */
  readonly reuse?: Readonly<Record<string, ReusedTask>>;
  /** What starts the run: by hand unless said otherwise. */
  readonly origin?: RunOrigin;
  /** `{{ run.scheduledTime }}` (ISO-8601): a rerun keeps its run's; the start time when absent. */
  readonly scheduledTime?: string;
  /** Partition the run past this many tasks (the workflow's SLICE_MAX_TASKS when absent). */
  readonly maxSliceTasks?: number;
  /** Tasks in flight at most per workflow (the workflow's MAX_TASKS_IN_FLIGHT when absent). */
  readonly maxInFlight?: number;
}

export async function startRun(
  client: Client,
  config: GantryConfig,
  spec: PipelineSpec,
  options: StartRunOptions = {},
): Promise<StartedRun> {
  const runId = newRunId(spec.name, options.now ?? new Date(), randomBytes(4).toString('hex'));
  const workflowId = runWorkflowId(runId);
  const origin = options.origin ?? { kind: 'manual' };
  const metadata = runStartMetadata(spec, origin);
  // By digest: the input stays the same size whatever the task count (the control worker opens it).
  const specRef = await storeSpec(config, spec);
  const handle = await client.workflow.start<typeof runPipeline>('runPipeline', {
    workflowId,
    taskQueue: config.controlTaskQueue,
    args: [
      {
        runId,
        specRef,
        pipeline: spec.name,
        clusterWorkflowId: clusterWorkflowId(config.clusterName),
        ...(options.maxHistoryEvents === undefined ? {} : { maxHistoryEvents: options.maxHistoryEvents }),
        ...(options.isCacheDisabled ? { isCacheDisabled: true } : {}),
        // Stored like the spec: a rerun of a large run reuses as many tasks as it has.
        ...(options.reuse === undefined ? {} : { reuseRef: await storeJsonDocument(config, options.reuse) }),
        origin,
        ...(options.scheduledTime === undefined ? {} : { scheduledTime: options.scheduledTime }),
        ...(options.maxSliceTasks === undefined ? {} : { maxSliceTasks: options.maxSliceTasks }),
        ...(options.maxInFlight === undefined ? {} : { maxInFlight: options.maxInFlight }),
      },
    ],
    ...metadata,
  });
  return { runId, workflowId, handle };
}

const CLOSED_QUERY_ATTEMPTS = 4;

/** The run's final state, whether it succeeded, failed (carried in the failure's details) or was cancelled. */
export async function waitForRun(handle: WorkflowHandle<typeof runPipeline>): Promise<RunState> {
  try {
    return await handle.result();
  } catch (err) {
    if (err instanceof WorkflowFailedError) {
      const cause = err.cause as { type?: string; details?: unknown[] } | undefined;
      if (cause?.type === FailureType.PipelineFailed && cause.details?.[0])
        return cause.details[0] as RunState;
      // Cancelled or terminated: the query still answers from the closed workflow's history, replayed on a
      // control worker; on a busy one that may take more than one try.
      let lastQueryError: unknown;
      for (let attempt = 1; attempt <= CLOSED_QUERY_ATTEMPTS; attempt++) {
        try {
          return await handle.query(runStateQuery);
        } catch (queryError) {
          lastQueryError = queryError;
          if (attempt < CLOSED_QUERY_ATTEMPTS)
            await new Promise((resolve) => setTimeout(resolve, 1000 * attempt));
        }
      }
      throw new RunStateUnavailableError(handle.workflowId, err, lastQueryError);
    }
    throw err;
  }
}

/** Accepts a run id (as printed by `gantry run`) or a full workflow id. */
export async function findRun(
  client: Client,
  runIdOrWorkflowId: string,
): Promise<WorkflowHandle<typeof runPipeline>> {
  for (const workflowId of [runIdOrWorkflowId, runWorkflowId(runIdOrWorkflowId)]) {
    const handle = client.workflow.getHandle<typeof runPipeline>(workflowId);
    try {
      await handle.describe();
      return handle;
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
    }
  }
  throw new RunNotFoundError(runIdOrWorkflowId);
}

export async function runState(handle: WorkflowHandle<typeof runPipeline>): Promise<RunState> {
  return handle.query(runStateQuery);
}

/**
 * The state of a run, open or closed. A closed run's state comes from its result or failure details in
 * the history, so it needs no worker; only an open run is queried.
 */
export async function getRunState(handle: WorkflowHandle<typeof runPipeline>): Promise<RunState> {
  const { status } = await handle.describe();
  if (status.name === 'RUNNING') return withLiveSliceCounts(handle, await handle.query(runStateQuery));
  return waitForRun(handle);
}

/**
 * An open partitioned run counts only its finished slices; this adds what its running slices (at most a
 * few) report now, so progress moves while a slice runs. A slice that does not answer adds nothing.
 */
export async function withLiveSliceCounts(handle: WorkflowHandle, state: RunState): Promise<RunState> {
  const partition = state.partition;
  if (!partition?.running?.length) return state;
  const counts: Partial<Record<string, number>> = { ...partition.counts };
  await Promise.all(
    partition.running.map(async (index) => {
      const slice = await handle.client
        .getHandle(sliceWorkflowId(handle.workflowId, index))
        .query(runStateQuery)
        .catch(() => undefined);
      for (const task of Object.values(slice?.tasks ?? {}))
        counts[task.status] = (counts[task.status] ?? 0) + 1;
    }),
  );
  return { ...state, partition: { ...partition, counts } };
}
