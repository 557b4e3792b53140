/** Errors of the command-line shell; every class extends GantryCliError. */

export class GantryCliError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

export class PipelineFileNotFoundError extends GantryCliError {
  readonly path: string;

  constructor(path: string, options?: { cause?: unknown }) {
    super(`${path}: pipeline file not found`, options);
    this.path = path;
  }
}

/** A pipeline file that exists but cannot be read (a directory, no permission). */
export class PipelineFileReadError extends GantryCliError {
  readonly path: string;

  constructor(path: string, options?: { cause?: unknown }) {
    const code = (options?.cause as { code?: unknown } | undefined)?.code;
    super(`${path}: cannot read the pipeline file${typeof code === 'string' ? ` (${code})` : ''}`, options);
    this.path = path;
  }
}

/** A TS/JS pipeline module whose default export is neither a pipeline nor a pipeline builder. */
export class PipelineModuleError extends GantryCliError {
  readonly path: string;

  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(`${path}: ${detail}`, options);
    this.path = path;
  }
}

/** `gantry rerun RUN --from TASK` naming a task the run's pipeline does not have. */
export class UnknownTaskError extends GantryCliError {
  readonly taskId: string;
  readonly runId: string;

  constructor(taskId: string, runId: string, known: readonly string[], options?: { cause?: unknown }) {
    super(`--from: unknown task "${taskId}": run "${runId}" has tasks ${known.join(', ')}`, options);
    this.taskId = taskId;
    this.runId = runId;
  }
}

/** `gantry rerun` of a run that has not finished: what it would reuse is not known yet. */
export class RunStillOpenError extends GantryCliError {
  readonly runId: string;

  constructor(runId: string, options?: { cause?: unknown }) {
    super(
      `run "${runId}" is still running: wait for it, or cancel it first (\`gantry cancel ${runId}\`)`,
      options,
    );
    this.runId = runId;
  }
}

/** A command-line flag with a value the command cannot use; the message starts with the flag. */
export class InvalidFlagError extends GantryCliError {
  readonly flag: string;

  constructor(flag: string, detail: string, options?: { cause?: unknown }) {
    super(`${flag} ${detail}`, options);
    this.flag = flag;
  }
}

/** `gantry run FILE` of a pipeline whose templates read the upstream run, which only a trigger provides. */
export class NeedsUpstreamRunError extends GantryCliError {
  readonly path: string;

  constructor(path: string, usage: string, options?: { cause?: unknown }) {
    super(
      `${path}: ${usage}, which only a run started by a pipeline trigger has; register it with \`gantry trigger create ${path}\``,
      options,
    );
    this.path = path;
  }
}
