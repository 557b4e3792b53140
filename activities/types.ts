/** Activity inputs and results: the wire shapes between the run workflow and a node's worker. */
import type { ArtifactRef, ValueRef } from '../common/data-refs.js';
import type { Constraint, PullPolicy, SecretSource } from '../pipeline/schema.js';
import type { CpuAssignment } from '../scheduler/placement/types.js';

/** A piece of an env value that holds secrets: text as is, or the value of a pipeline secret. */
export type SecretEnvPart = string | { readonly secret: string };

export interface RunContainerInput {
  readonly runId: string;
  readonly pipeline: string;
  readonly taskId: string;
  readonly nodeId: string;
  readonly image: string;
  readonly pullPolicy: PullPolicy;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  /**
   * Env values that name secrets, as rendered text and secret names in order: the worker reads each
   * secret (where `secrets` says) and joins the parts. Values never travel through Temporal.
   */
  readonly secretEnv?: Readonly<Record<string, readonly SecretEnvPart[]>>;
  /** Where each secret that `secretEnv` names comes from: declarations only. */
  readonly secrets?: Readonly<Record<string, SecretSource>>;
  readonly workingDir?: string;
  readonly user?: string;
  /** The task's own security settings; unset ones take the cluster's defaults on the worker. */
  readonly runAsNonRoot?: boolean;
  readonly readOnlyRootFilesystem?: boolean;
  /** Docker's HostConfig.Runtime; checked against the cluster's runtimeClasses on the worker. */
  readonly runtimeClass?: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly pidsLimit: number;
  readonly nofileLimit: number;
  readonly network: 'bridge' | 'none';
  readonly mounts: readonly {
    readonly hostPath: string;
    readonly containerPath: string;
    readonly readOnly: boolean;
  }[];
  readonly timeoutSeconds: number;
  readonly nonRetryableExitCodes: readonly number[];
  readonly cpuset?: CpuAssignment;
  readonly constraints?: readonly Constraint[];
  /** Files to read after a zero exit: output parameters (value = content) and artifacts (kept by digest). */
  readonly outputs?: {
    readonly parameters: readonly { readonly name: string; readonly path: string }[];
    readonly artifacts: readonly { readonly name: string; readonly path: string }[];
  };
  /** Artifacts copied into the container before it starts. */
  readonly inputArtifacts?: readonly { readonly digest: string; readonly path: string }[];
  /** Set for a task with `cache`: how to key it, and whether an earlier result may be reused. */
  readonly cache?: {
    /** The task's own definition as canonical JSON (the same for every foreach item). */
    readonly definition: string;
    readonly version: string;
    readonly maxAgeSeconds?: number;
    /** False for `gantry run --no-cache`: the result is still recorded for later runs. */
    readonly isLookupEnabled: boolean;
  };
  /** GPU device ids to hand to the container (Docker DeviceRequests). */
  readonly gpus?: readonly string[];
  /** The task's `expectedDurationSeconds`: how long a simulated node takes to run it (Docker ignores it). */
  readonly expectedDurationSeconds?: number;
  /**
   * The user's attempt this is, set by runs that count attempts themselves (workflows/run/attempts.ts):
   * a platform failure runs the same attempt again, which adopts its container or answers from its record.
   * Absent in runs of older code, where Temporal's retry policy counts and `Context.info.attempt` says.
   */
  readonly attempt?: number;
}

export interface RunContainerResult {
  readonly exitCode: number;
  readonly attempt: number;
  readonly node: string;
  readonly containerName: string;
  readonly durationMs: number;
  readonly logPath: string;
  /** Wall time (ms) the container was created; absent when no container ran (a cached result). */
  readonly createdAt?: number;
  readonly outputs?: Readonly<Record<string, ValueRef>>;
  readonly artifacts?: Readonly<Record<string, ArtifactRef>>;
  /** Set when no container ran: the outputs are an earlier run's, found under `cacheKey`. */
  readonly cachedFrom?: { readonly runId: string; readonly taskId: string };
  readonly cacheKey?: string;
}

/** Carried as the first detail of every failure the container activity raises. */
export interface TaskFailureDetails {
  readonly attempt: number;
  readonly exitCode: number | null;
  readonly node: string;
  readonly logTail: string;
}

export interface CleanupRunInput {
  readonly runId: string;
  readonly isWorkspaceRemoved: boolean;
  /**
   * Only the containers of these tasks (and of their foreach items, `ID[i]`): a slice of a partitioned run
   * cleans up after itself, never under a sibling slice that still runs. All of the run's when absent.
   */
  readonly taskIds?: readonly string[];
}

export interface CleanupRunResult {
  readonly removedContainers: number;
}

/** One foreach item's end state, as a slice workflow records it. */
export interface ForeachItemResult {
  readonly index: number;
  readonly status: 'succeeded' | 'cached' | 'failed' | 'skipped' | 'cancelled';
  readonly attempts: number;
  /** Platform re-runs of its attempts (absent when none, and in results of older code). */
  readonly platformRetries?: number;
  readonly node: string | null;
  readonly exitCode: number | null;
  readonly error?: string;
  readonly failureType?: string;
  /** The run id whose result was reused. */
  readonly cachedFrom?: string;
  readonly outputs?: Readonly<Record<string, ValueRef>>;
  readonly artifacts?: Readonly<Record<string, ArtifactRef>>;
}

/** The stored document of one foreach slice (`storeJson`), gathered by `gatherForeach`. */
export interface ForeachSliceDocument {
  readonly firstIndex: number;
  readonly items: readonly ForeachItemResult[];
}

export interface LoadValuesInput {
  readonly digests: readonly string[];
}

export interface StoreJsonInput {
  readonly json: string;
}

export interface GatherForeachInput {
  readonly slices: readonly ArtifactRef[];
  readonly outputNames: readonly string[];
}

export interface ForeachCounts {
  readonly total: number;
  readonly succeeded: number;
  readonly cached: number;
  readonly failed: number;
  readonly skipped: number;
  readonly cancelled: number;
}

export interface GatherForeachResult {
  /** Per output name: a JSON array in item order of each item's value, `null` where an item has none. */
  readonly outputs: Readonly<Record<string, ValueRef>>;
  /** A stored `{ items: ForeachItemResult[] }` of every item in index order. */
  readonly items: ArtifactRef;
  readonly counts: ForeachCounts;
}
