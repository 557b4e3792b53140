/**
 * The activities a node's worker runs. `createActivities(deps)` binds them to one node's container runtime
 * and artifact store; every error leaves as an ApplicationFailure whose `type` the workflow branches on.
 * The control worker's store activities are in store-activities.ts.
 */
import type { SecretAccess } from './secrets.js';
import type { ContainerPolicy } from '../common/container-policy.js';
import { Label, workspaceVolumeName } from '../common/names.js';
import type { ArtifactStore } from './artifact-store.js';
import type { ContainerRuntime } from './docker-runtime.js';
import { runContainerAttempt } from './run-container.js';
import { toFailure } from './to-failure.js';
import type { CleanupRunInput, CleanupRunResult, RunContainerInput, RunContainerResult } from './types.js';

export interface ActivityDeps {
  readonly runtime: ContainerRuntime;
  readonly store: ArtifactStore;
  readonly nodeId: string;
  /** The cluster the node belongs to: its containers carry it as a label (Label.Cluster). */
  readonly clusterName?: string;
  readonly logDir: string;
  /** Prefixes a task may bind read-only (GANTRY_HOST_MOUNT_ALLOWLIST); none by default. */
  readonly hostMountAllowlist?: readonly string[];
  /** Prefixes a task may bind writable (GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST); none by default. */
  readonly hostMountWritableAllowlist?: readonly string[];
  /** What pipelines may read as secrets (GANTRY_SECRET_ENV, GANTRY_SECRET_DIRS); nothing when absent. */
  readonly secretAccess?: SecretAccess;
  readonly heartbeatIntervalMs?: number;
  readonly oomFlagGraceMs?: number;
  readonly watchIntervalMs?: number;
  readonly logLimitBytes?: number;
  /** Milliseconds since the epoch, for cache entries; Date.now unless a test fixes the clock. */
  readonly now?: () => number;
  /** The cluster's container policy, enforced on every task (common/container-policy.ts). */
  readonly policy?: ContainerPolicy;
}

export function createActivities(deps: ActivityDeps) {
  const runDeps = {
    runtime: deps.runtime,
    store: deps.store,
    logDir: deps.logDir,
    hostMountAllowlist: deps.hostMountAllowlist ?? [],
    hostMountWritableAllowlist: deps.hostMountWritableAllowlist ?? [],
    ...(deps.secretAccess === undefined ? {} : { secretAccess: deps.secretAccess }),
    heartbeatIntervalMs: deps.heartbeatIntervalMs ?? 1000,
    ...(deps.oomFlagGraceMs === undefined ? {} : { oomFlagGraceMs: deps.oomFlagGraceMs }),
    ...(deps.watchIntervalMs === undefined ? {} : { watchIntervalMs: deps.watchIntervalMs }),
    ...(deps.logLimitBytes === undefined ? {} : { logLimitBytes: deps.logLimitBytes }),
    ...(deps.now === undefined ? {} : { now: deps.now }),
    ...(deps.clusterName === undefined ? {} : { clusterName: deps.clusterName }),
    ...(deps.policy === undefined ? {} : { policy: deps.policy }),
  };
  return {
    async runContainer(input: RunContainerInput): Promise<RunContainerResult> {
      try {
        return await runContainerAttempt(runDeps, input);
      } catch (err) {
        throw toFailure(err, deps.nodeId, input.attempt);
      }
    },

    /** Removes every container of a run on this node (and its workspace): the safety net after cancel or failure. */
    async cleanupRun(input: CleanupRunInput): Promise<CleanupRunResult> {
      try {
        const owned = input.taskIds === undefined ? undefined : new Set(input.taskIds);
        const leftovers = (await deps.runtime.findContainers({ [Label.Run]: input.runId })).filter(
          (c) => owned === undefined || owned.has((c.labels[Label.Task] ?? '').replace(/\[\d+\]$/, '')),
        );
        for (const container of leftovers) await deps.runtime.removeContainer(container.id);
        if (input.isWorkspaceRemoved) await deps.runtime.removeVolume(workspaceVolumeName(input.runId));
        return { removedContainers: leftovers.length };
      } catch (err) {
        throw toFailure(err, deps.nodeId);
      }
    },

    /**
     * The node was lost and came back (workflows/cluster/node-health.ts): its tasks were re-placed on other
     * nodes, so whatever task container of this cluster it still has belongs to no placement.
     */
    async clearLostNode(input: { cluster: string; nodeId: string }): Promise<{ removedContainers: number }> {
      try {
        const leftovers = (
          await deps.runtime.findContainers({ [Label.Cluster]: input.cluster, [Label.Node]: input.nodeId })
        ).filter((c) => c.labels[Label.Task] !== undefined);
        for (const container of leftovers) await deps.runtime.removeContainer(container.id);
        return { removedContainers: leftovers.length };
      } catch (err) {
        throw toFailure(err, deps.nodeId);
      }
    },
  };
}

export type GantryActivities = ReturnType<typeof createActivities>;
export { createStoreActivities, readJsonDocument, type StoreActivities } from './store-activities.js';
export { createFsArtifactStore } from './fs-artifact-store.js';
export type { ArtifactStore, CacheEntry } from './artifact-store.js';
export type {
  ForeachItemResult,
  RunContainerInput,
  RunContainerResult,
  TaskFailureDetails,
  CleanupRunInput,
  CleanupRunResult,
} from './types.js';
