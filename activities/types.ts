/** Activity inputs and results: the wire shapes between the run workflow and a node's worker. */
import type { Constraint, PullPolicy } from '../pipeline/schema.js';
import type { CpuAssignment } from '../scheduler/placement/types.js';

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
  readonly workingDir?: string;
  readonly user?: string;
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
}

export interface RunContainerResult {
  readonly exitCode: number;
  readonly attempt: number;
  readonly node: string;
  readonly containerName: string;
  readonly durationMs: number;
  readonly logPath: string;
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
}

export interface CleanupRunResult {
  readonly removedContainers: number;
}
