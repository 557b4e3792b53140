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

/** A TS/JS pipeline module whose default export is neither a pipeline nor a pipeline builder. */
export class PipelineModuleError extends GantryCliError {
  readonly path: string;

  constructor(path: string, detail: string, options?: { cause?: unknown }) {
    super(`${path}: ${detail}`, options);
    this.path = path;
  }
}
