/** Errors of the DAG room (readiness and task states); every class extends SchedulerError and carries the ids involved. */

export class SchedulerError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A DAG transition that the task's current status does not allow, e.g. completing a task that is not running. */
export class IllegalTaskTransitionError extends SchedulerError {
  readonly taskId: string;
  readonly from: string;
  readonly to: string;

  constructor(taskId: string, from: string, to: string, options?: { cause?: unknown }) {
    super(`task "${taskId}": cannot become ${to} while ${from} (only a running task can complete)`, options);
    this.taskId = taskId;
    this.from = from;
    this.to = to;
  }
}

export class UnknownTaskError extends SchedulerError {
  readonly taskId: string;

  constructor(taskId: string, options?: { cause?: unknown }) {
    super(`task "${taskId}": not in the pipeline`, options);
    this.taskId = taskId;
  }
}

/** A spec whose dependencies do not form a DAG; parsePipeline rejects these, so this guards unvalidated input. */
export class InvalidDagError extends SchedulerError {
  readonly taskIds: readonly string[];

  constructor(detail: string, taskIds: readonly string[], options?: { cause?: unknown }) {
    super(`pipeline is not a DAG: ${detail}`, options);
    this.taskIds = taskIds;
  }
}

/** planSlices called with a count or limit that is not a (positive) integer. */
export class InvalidSlicePlanError extends SchedulerError {
  readonly field: string;
  readonly value: unknown;

  constructor(field: string, value: unknown, expected: string, options?: { cause?: unknown }) {
    super(`foreach slices: ${field} must be ${expected}, got ${String(value)}`, options);
    this.field = field;
    this.value = value;
  }
}
