/** Errors of the pipeline model: every class extends GantryPipelineError and names the place that is wrong. */

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

export function formatIssue(issue: ValidationIssue): string {
  return `${issue.path}: ${issue.message}`;
}
