/** Errors of the engine's entry-side plumbing (connections, cluster setup, run submission). */
export class GantryEngineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GantryEngineError';
  }
}

/** An environment setting with a value Gantry cannot use. */
export class InvalidConfigError extends GantryEngineError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'InvalidConfigError';
  }
}

export class TemporalUnavailableError extends GantryEngineError {
  readonly address: string;
  constructor(address: string, options?: { cause?: unknown; isConfigured?: boolean }) {
    super(
      options?.isConfigured
        ? `no Temporal server answers at ${address}, the address TEMPORAL_ADDRESS names`
        : `no Temporal server answers at ${address} (run \`gantry up\`, or set TEMPORAL_ADDRESS)`,
      options,
    );
    this.name = 'TemporalUnavailableError';
    this.address = address;
  }
}

export class RunNotFoundError extends GantryEngineError {
  readonly runId: string;
  constructor(runId: string, options?: { cause?: unknown }) {
    super(
      `no run "${runId}" found (give a run id as printed by \`gantry run\`, or its workflow id)`,
      options,
    );
    this.name = 'RunNotFoundError';
    this.runId = runId;
  }
}

export class ClusterUnavailableError extends GantryEngineError {
  readonly clusterName: string;
  constructor(clusterName: string, options?: { cause?: unknown }) {
    super(
      `the service of cluster "${clusterName}" does not answer: is a control worker running? (\`gantry worker\`)`,
      options,
    );
    this.name = 'ClusterUnavailableError';
    this.clusterName = clusterName;
  }
}

export class ClusterUpdateRejectedError extends GantryEngineError {
  readonly clusterName: string;
  constructor(clusterName: string, reason: string, options?: { cause?: unknown }) {
    super(`cluster "${clusterName}" refused the update: ${reason}`, options);
    this.name = 'ClusterUpdateRejectedError';
    this.clusterName = clusterName;
  }
}

/** Why a workflow's task keeps failing, as Temporal reports it. */
export interface WorkflowTaskProblem {
  /** The failure's cause, e.g. `NonDeterministicError`, `WorkflowWorkerUnhandledFailure`, `WorkflowTaskTimedOut`. */
  readonly cause: string;
  /** The failure's message on one line; empty when only the cause is known. */
  readonly message: string;
  /** The attempt the workflow task is at (0 when unknown). */
  readonly attempts: number;
}

function describeProblem(problem: WorkflowTaskProblem): string {
  return problem.message === '' ? problem.cause : `${problem.cause}: ${problem.message}`;
}

/** The cluster service runs but cannot make progress: its workflow task fails on every attempt. */
export class ClusterServiceStuckError extends GantryEngineError {
  readonly clusterName: string;
  readonly problem: WorkflowTaskProblem;
  constructor(clusterName: string, problem: WorkflowTaskProblem, options?: { cause?: unknown }) {
    super(
      `the cluster service "${clusterName}" is stuck: its workflow task fails (${describeProblem(problem)}); run \`gantry cluster recover\``,
      options,
    );
    this.name = 'ClusterServiceStuckError';
    this.clusterName = clusterName;
    this.problem = problem;
  }
}

/** A run is open but cannot make progress: its workflow task fails on every attempt. */
export class RunStuckError extends GantryEngineError {
  readonly workflowId: string;
  readonly problem: WorkflowTaskProblem;
  constructor(workflowId: string, problem: WorkflowTaskProblem, options?: { cause?: unknown }) {
    super(
      `run "${workflowId}" is stuck: its workflow task fails (${describeProblem(problem)}); end it with \`temporal workflow terminate --workflow-id ${workflowId}\``,
      options,
    );
    this.name = 'RunStuckError';
    this.workflowId = workflowId;
    this.problem = problem;
  }
}

/** A worker polls the control queue and the service is not stuck, yet its query failed. */
export class ClusterQueryFailedError extends GantryEngineError {
  readonly clusterName: string;
  constructor(clusterName: string, reason: string, options?: { cause?: unknown }) {
    super(`the service of cluster "${clusterName}" did not answer a query: ${reason}`, options);
    this.name = 'ClusterQueryFailedError';
    this.clusterName = clusterName;
  }
}

/** The cluster service could not be restarted (or terminated for a restart). */
export class ClusterRecoveryError extends GantryEngineError {
  readonly clusterName: string;
  constructor(clusterName: string, reason: string, options?: { cause?: unknown }) {
    super(`cannot restart the service of cluster "${clusterName}": ${reason}`, options);
    this.name = 'ClusterRecoveryError';
    this.clusterName = clusterName;
  }
}

/** A schedule id that names no schedule, or a schedule Gantry did not create (bad input: exit code 2). */
export class UnknownScheduleError extends GantryEngineError {
  readonly scheduleId: string;
  readonly isForeign: boolean;
  constructor(scheduleId: string, options?: { cause?: unknown; isForeign?: boolean }) {
    super(
      options?.isForeign
        ? `schedule "${scheduleId}" was not created by Gantry; manage it with \`temporal schedule\``
        : `no schedule "${scheduleId}" (see \`gantry schedule list\`)`,
      options,
    );
    this.name = 'UnknownScheduleError';
    this.scheduleId = scheduleId;
    this.isForeign = options?.isForeign ?? false;
  }
}

/** `gantry schedule create --id ID` with an ID a schedule already has. */
export class ScheduleExistsError extends GantryEngineError {
  readonly scheduleId: string;
  constructor(scheduleId: string, options?: { cause?: unknown }) {
    super(
      `schedule "${scheduleId}" already exists: choose another --id, or change its pipeline with \`gantry schedule update ${scheduleId} FILE\``,
      options,
    );
    this.name = 'ScheduleExistsError';
    this.scheduleId = scheduleId;
  }
}

/** The server refused a schedule's spec (Gantry's own checks let through something Temporal does not take). */
export class ScheduleRejectedError extends GantryEngineError {
  readonly scheduleId: string;
  constructor(scheduleId: string, reason: string, options?: { cause?: unknown }) {
    super(`Temporal refused schedule "${scheduleId}": ${reason}`, options);
    this.name = 'ScheduleRejectedError';
    this.scheduleId = scheduleId;
  }
}

/** `gantry schedule update ID FILE` with a pipeline of another name than the schedule runs. */
export class SchedulePipelineMismatchError extends GantryEngineError {
  readonly scheduleId: string;
  constructor(scheduleId: string, expected: string, got: string, options?: { cause?: unknown }) {
    super(
      `schedule "${scheduleId}" runs pipeline "${expected}", not "${got}": an update is a new version of the same pipeline (delete the schedule and create it again to run another)`,
      options,
    );
    this.name = 'SchedulePipelineMismatchError';
    this.scheduleId = scheduleId;
  }
}

/** The trigger registry refused a registration or deletion: duplicate or unknown id, a loop (exit code 2). */
export class TriggerRejectedError extends GantryEngineError {
  readonly triggerId: string;
  /** The registry's failure type (workflows/trigger-registry.ts TriggerRejection), e.g. `TriggerLoop`. */
  readonly type: string | undefined;
  constructor(triggerId: string, message: string, options?: { cause?: unknown; type?: string }) {
    super(message, options);
    this.name = 'TriggerRejectedError';
    this.triggerId = triggerId;
    this.type = options?.type;
  }
}

/** A run that ended without a result (cancelled, terminated) whose state the runState query could not give. */
export class RunStateUnavailableError extends GantryEngineError {
  readonly workflowId: string;
  constructor(workflowId: string, ended: unknown, queryError: unknown) {
    const how = ended instanceof Error ? ended.message : String(ended);
    const why = queryError instanceof Error ? queryError.message : String(queryError);
    super(`run ${workflowId} ended (${how}) and its state could not be read back: ${why}`, {
      cause: queryError,
    });
    this.name = 'RunStateUnavailableError';
    this.workflowId = workflowId;
  }
}
