/**
 * The activities a node's worker runs. `createActivities(deps)` binds them to one node's container runtime;
 * every error leaves as an ApplicationFailure whose `type` the workflow branches on.
 */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { NON_RETRYABLE_FAILURES } from '../common/failure-types.js';
import { Label, workspaceVolumeName } from '../common/names.js';
import type { ContainerRuntime } from './docker-runtime.js';
import { GantryActivityError } from './errors.js';
import { TaskAttemptError, runContainerAttempt } from './run-container.js';
import type {
  CleanupRunInput,
  CleanupRunResult,
  RunContainerInput,
  RunContainerResult,
  TaskFailureDetails,
} from './types.js';

export interface ActivityDeps {
  readonly runtime: ContainerRuntime;
  readonly nodeId: string;
  readonly logDir: string;
  readonly hostMountAllowlist?: readonly string[];
  readonly heartbeatIntervalMs?: number;
  readonly oomFlagGraceMs?: number;
  readonly logLimitBytes?: number;
}

function toFailure(err: unknown, nodeId: string): unknown {
  if (!(err instanceof GantryActivityError)) return err;
  const details: TaskFailureDetails = {
    attempt: Context.current().info.attempt,
    exitCode: err instanceof TaskAttemptError ? err.exitCode : null,
    node: nodeId,
    logTail: err instanceof TaskAttemptError ? err.logTail : '',
  };
  return ApplicationFailure.create({
    type: err.failureType,
    message: err.message,
    nonRetryable: NON_RETRYABLE_FAILURES.includes(err.failureType),
    details: [details],
    cause: err,
  });
}

export function createActivities(deps: ActivityDeps) {
  const runDeps = {
    runtime: deps.runtime,
    logDir: deps.logDir,
    hostMountAllowlist: deps.hostMountAllowlist ?? [],
    heartbeatIntervalMs: deps.heartbeatIntervalMs ?? 1000,
    ...(deps.oomFlagGraceMs === undefined ? {} : { oomFlagGraceMs: deps.oomFlagGraceMs }),
    ...(deps.logLimitBytes === undefined ? {} : { logLimitBytes: deps.logLimitBytes }),
  };
  return {
    async runContainer(input: RunContainerInput): Promise<RunContainerResult> {
      try {
        return await runContainerAttempt(runDeps, input);
      } catch (err) {
        throw toFailure(err, deps.nodeId);
      }
    },

    /** Removes every container of a run on this node (and its workspace): the safety net after cancel or failure. */
    async cleanupRun(input: CleanupRunInput): Promise<CleanupRunResult> {
      try {
        const leftovers = await deps.runtime.findContainers({ [Label.Run]: input.runId });
        for (const container of leftovers) await deps.runtime.removeContainer(container.id);
        if (input.isWorkspaceRemoved) await deps.runtime.removeVolume(workspaceVolumeName(input.runId));
        return { removedContainers: leftovers.length };
      } catch (err) {
        throw toFailure(err, deps.nodeId);
      }
    },
  };
}

export type GantryActivities = ReturnType<typeof createActivities>;
export type {
  RunContainerInput,
  RunContainerResult,
  TaskFailureDetails,
  CleanupRunInput,
  CleanupRunResult,
} from './types.js';
