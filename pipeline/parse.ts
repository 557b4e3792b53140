/**
 * parsePipeline: the one gate every pipeline source goes through. The strict zod schema plus the
 * cross-field rules (as a superRefine that runs even when the schema already failed), so a definition
 * reports all of its problems at once, each as `path: message` with the offending value.
 */
import { checkResources, type NodeCapacity } from './check-resources.js';
import { checkRetry } from './check-retry.js';
import { checkTaskGraph } from './check-task-graph.js';
import { describeZodIssue } from './describe-zod-issue.js';
import { PipelineValidationError } from './errors.js';
import { PipelineSchema, type PipelineSpec } from './schema.js';
import { viewTasks } from './view-tasks.js';

export type { NodeCapacity } from './check-resources.js';

export interface ParseOptions {
  /** The cluster's nodes; when given, every task must fit on at least one of them. */
  readonly nodes?: readonly NodeCapacity[];
  /** Where the definition came from (a file name), carried by the error for `gantry validate`. */
  readonly source?: string;
}

/** Validates a pipeline definition and fills in defaults; throws PipelineValidationError listing every problem. */
export function parsePipeline(input: unknown, options: ParseOptions = {}): PipelineSpec {
  const schema = PipelineSchema.superRefine(
    (pipeline, ctx) => {
      const tasks = viewTasks(pipeline);
      for (const issue of [
        ...checkTaskGraph(tasks),
        ...checkResources(tasks, options.nodes),
        ...checkRetry(tasks),
      ]) {
        ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message, input: undefined });
      }
    },
    // Run the cross-field rules even when the schema already found problems: all problems at once.
    { when: () => true },
  );
  const result = schema.safeParse(input, { reportInput: true });
  if (result.success) return result.data;
  const issues = result.error.issues.flatMap(describeZodIssue);
  throw new PipelineValidationError(issues, {
    cause: result.error,
    ...(options.source === undefined ? {} : { source: options.source }),
  });
}
