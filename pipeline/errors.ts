/** Errors of the pipeline model: every class extends GantryPipelineError and names the place that is wrong. */
import { MAX_PIPELINE_FILE_BYTES } from './limits.js';

/** One problem in a pipeline definition; `path` is formatted like `tasks[3].dependsOn[0]`. */
export interface ValidationIssue {
  readonly path: string;
  readonly message: string;
}

export class GantryPipelineError extends Error {
  constructor(message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = new.target.name;
  }
}

/** A definition that parsed as data but breaks the schema or a cross-field rule; carries every issue at once. */
export class PipelineValidationError extends GantryPipelineError {
  readonly issues: readonly ValidationIssue[];
  /** The file (or module) the definition came from, when known. */
  readonly source: string | undefined;

  constructor(issues: readonly ValidationIssue[], options?: { source?: string; cause?: unknown }) {
    super(issues.map(formatIssue).join('\n'), options);
    this.issues = issues;
    this.source = options?.source;
  }
}

/** Malformed YAML or JSON: the parser's message at a 1-based line and column of a file. */
export class PipelineSyntaxError extends GantryPipelineError {
  readonly filename: string;
  readonly line: number;
  readonly column: number;
  readonly detail: string;

  constructor(
    at: { filename: string; line: number; column: number; detail: string },
    options?: { cause?: unknown },
  ) {
    super(`${at.filename}:${at.line}:${at.column}: ${at.detail}`, options);
    this.filename = at.filename;
    this.line = at.line;
    this.column = at.column;
    this.detail = at.detail;
  }
}

/** A pipeline file or text over MAX_PIPELINE_FILE_BYTES, refused before it is read whole or parsed. */
export class PipelineTooLargeError extends GantryPipelineError {
  readonly filename: string;
  readonly bytes: number;

  constructor(filename: string, bytes: number, options?: { cause?: unknown }) {
    super(
      `${filename}: the file is ${bytes} bytes, over the limit of ${MAX_PIPELINE_FILE_BYTES} for a pipeline`,
      options,
    );
    this.filename = filename;
    this.bytes = bytes;
  }
}

export function formatIssue(issue: ValidationIssue): string {
  return `${issue.path}: ${issue.message}`;
}

/** A malformed `{{ … }}` met at render time (validation rejects these, so this guards unvalidated input). */
export class TemplateSyntaxError extends GantryPipelineError {
  readonly text: string;
  readonly detail: string;

  constructor(text: string, detail: string, options?: { cause?: unknown }) {
    super(`invalid template ${JSON.stringify(text)}: ${detail}`, options);
    this.text = text;
    this.detail = detail;
  }
}

/** `{{ item.KEY }}` on a foreach item that has no such key (or is not an object). */
export class MissingItemKeyError extends GantryPipelineError {
  readonly key: string;
  /** The whole path, `a.b` for `{{ item.a.b }}`. */
  readonly path: string;

  constructor(key: string, path: string, options?: { cause?: unknown }) {
    const where = key === path ? '' : ` (in item.${path})`;
    super(`the foreach item has no key "${key}"${where}`, options);
    this.key = key;
    this.path = path;
  }
}

/** A param override (`--param NAME=VALUE`) naming a param the pipeline does not declare. */
export class UnknownParamError extends GantryPipelineError {
  readonly param: string;
  readonly pipeline: string;
  readonly declared: readonly string[];

  constructor(param: string, pipeline: string, declared: readonly string[], options?: { cause?: unknown }) {
    const known = declared.length === 0 ? 'declares no params' : `declares ${declared.join(', ')}`;
    super(`unknown param "${param}": pipeline "${pipeline}" ${known}`, options);
    this.param = param;
    this.pipeline = pipeline;
    this.declared = declared;
  }
}

/** A sub-pipeline task (`pipeline: PATH`) whose file does not exist. */
export class SubPipelineNotFoundError extends GantryPipelineError {
  /** The including file. */
  readonly file: string;
  readonly taskId: string;
  /** The child's path as resolved against the including file's directory. */
  readonly path: string;

  constructor(at: { file: string; taskId: string; path: string }, options?: { cause?: unknown }) {
    super(`${at.file}: task "${at.taskId}": sub-pipeline file ${at.path} not found`, options);
    this.file = at.file;
    this.taskId = at.taskId;
    this.path = at.path;
  }
}

/** Sub-pipeline files that include each other; `chain` starts and ends with the same file. */
export class PipelineIncludeCycleError extends GantryPipelineError {
  readonly chain: readonly string[];

  constructor(chain: readonly string[], options?: { cause?: unknown }) {
    super(`sub-pipeline include cycle: ${chain.join(' -> ')}`, options);
    this.chain = chain;
  }
}
