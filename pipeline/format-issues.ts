/** formatValidationError: the report `gantry validate` prints for a pipeline that cannot be used. */
import { formatIssue, PipelineSyntaxError, PipelineValidationError } from './errors.js';

/** A header `FILE: N problem(s)` and one indented line per issue; other errors print their message. */
export function formatValidationError(err: unknown): string {
  if (err instanceof PipelineValidationError) {
    return [
      header(err.source ?? 'pipeline', err.issues.length),
      ...err.issues.map((issue) => `  ${formatIssue(issue)}`),
    ].join('\n');
  }
  if (err instanceof PipelineSyntaxError) {
    return [header(err.filename, 1), `  ${err.line}:${err.column}: ${err.detail}`].join('\n');
  }
  return err instanceof Error ? err.message : String(err);
}

function header(source: string, count: number): string {
  return `${source}: ${count} ${count === 1 ? 'problem' : 'problems'}`;
}
