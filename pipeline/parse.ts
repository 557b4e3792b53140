/**
 * parsePipeline: the one gate every pipeline source goes through. `defaults:` are merged first (a bad
 * default is reported once, at `defaults.FIELD`); then the strict zod schema plus the cross-field rules (as
 * a superRefine that runs even when the schema already failed), so a definition reports all of its problems
 * at once, each as `path: message` with the offending value. Inline sub-pipelines (`pipelineSpec`) meet the
 * same rules, reported under `tasks[i].pipelineSpec`.
 */
import { applyDefaults } from './apply-defaults.js';
import type { ContainerPolicy } from '../common/container-policy.js';
import { checkArgv } from './check-argv.js';
import { findTooDeep } from './check-depth.js';
import { checkResources, type NodeCapacity } from './check-resources.js';
import { checkImages } from './check-images.js';
import { checkRetry } from './check-retry.js';
import { checkSchedule } from './check-schedule.js';
import { checkSecurity } from './check-security.js';
import { checkSubPipelines } from './check-sub-pipelines.js';
import { checkTaskGraph } from './check-task-graph.js';
import { checkTaskKinds } from './check-task-kinds.js';
import { checkTemplates } from './check-templates.js';
import { checkWhen } from './check-when.js';
import { describeZodIssue } from './describe-zod-issue.js';
import { PipelineValidationError, type ValidationIssue } from './errors.js';
import { formatPath } from './format-path.js';
import { MAX_NESTING_DEPTH, MAX_TASKS } from './limits.js';
import { PipelineSchema, type PipelineSpec } from './schema.js';
import { buildScope } from './task-scope.js';
import { isRecord, viewTasks, type RuleIssue } from './view-tasks.js';

export type { NodeCapacity } from './check-resources.js';

export interface ParseOptions {
  /** The cluster's nodes; when given, every task must fit on at least one of them. */
  readonly nodes?: readonly NodeCapacity[];
  /** Where the definition came from (a file name), carried by the error for `gantry validate`. */
  readonly source?: string;
  /** The cluster's container policy (images, runtime classes, security defaults); absent = no cluster. */
  readonly policy?: ContainerPolicy;
}

/** Validates a pipeline definition and fills in defaults; throws PipelineValidationError listing every problem. */
export function parsePipeline(input: unknown, options: ParseOptions = {}): PipelineSpec {
  const shapeIssue = checkShape(input);
  if (shapeIssue !== undefined) {
    throw new PipelineValidationError([shapeIssue], {
      ...(options.source === undefined ? {} : { source: options.source }),
    });
  }
  const merged = applyDefaults(input);
  const schema = PipelineSchema.superRefine(
    (pipeline, ctx) => {
      for (const issue of checkPipeline(pipeline, options.nodes, options.policy)) {
        ctx.addIssue({ code: 'custom', path: [...issue.path], message: issue.message, input: undefined });
      }
    },
    // Run the cross-field rules even when the schema already found problems: all problems at once.
    { when: () => true },
  );
  const result = schema.safeParse(merged.input, { reportInput: true });
  if (result.success && merged.issues.length === 0) return result.data;
  const issues = [...merged.issues, ...(result.success ? [] : result.error.issues.flatMap(describeZodIssue))];
  throw new PipelineValidationError(issues.map(naming(merged.input)), {
    ...(result.success ? {} : { cause: result.error }),
    ...(options.source === undefined ? {} : { source: options.source }),
  });
}

/**
 * What must hold before the schema and the rules walk the data at all: they recurse (a cycle or deep nesting
 * would overflow the stack) and their time grows with the task count (a million tasks would take a minute).
 */
function checkShape(input: unknown): ValidationIssue | undefined {
  const tooDeep = findTooDeep(input);
  if (tooDeep !== undefined) {
    return {
      path: formatPath(tooDeep.path),
      message:
        tooDeep.kind === 'deep'
          ? `nested deeper than ${MAX_NESTING_DEPTH} levels`
          : 'contains itself (a cycle, such as a YAML alias inside its own anchor)',
    };
  }
  const tasks = isRecord(input) ? input['tasks'] : undefined;
  if (Array.isArray(tasks) && tasks.length > MAX_TASKS) {
    return {
      path: 'tasks',
      message: `must have at most ${MAX_TASKS} items, got ${tasks.length} (use foreach)`,
    };
  }
  return undefined;
}

function checkPipeline(
  pipeline: unknown,
  nodes: readonly NodeCapacity[] | undefined,
  policy?: ContainerPolicy,
): RuleIssue[] {
  const tasks = viewTasks(pipeline);
  const scope = buildScope(pipeline, tasks);
  const children = tasks.flatMap((task) => {
    const child = task.fields['pipelineSpec'];
    if (!isRecord(child)) return [];
    const prefix = ['tasks', task.index, 'pipelineSpec'];
    return checkPipeline(child, nodes, policy).map((issue) => ({
      ...issue,
      path: [...prefix, ...issue.path],
    }));
  });
  return [
    ...checkTaskGraph(tasks),
    ...checkArgv(tasks),
    ...checkTaskKinds(tasks),
    ...checkResources(tasks, nodes),
    ...checkImages(tasks, policy?.images),
    ...checkSecurity(tasks, policy),
    ...checkRetry(tasks),
    ...checkSchedule(pipeline),
    ...checkTemplates(tasks, scope),
    ...checkWhen(tasks, scope),
    ...checkSubPipelines(tasks),
    ...children,
  ];
}

/**
 * Adds the task's id to an issue under `tasks[N]` (the innermost, for a task of an inline sub-pipeline) whose
 * message does not name it already: a reader of `tasks[12].maxParallel` should not have to count.
 */
function naming(input: unknown): (issue: ValidationIssue) => ValidationIssue {
  return (issue) => {
    const id = taskIdAt(input, issue.path);
    if (id === undefined) return issue;
    const isNamed = [`task "${id}"`, `of "${id}"`, `id "${id}"`, `got "${id}"`].some((text) =>
      issue.message.includes(text),
    );
    return isNamed ? issue : { ...issue, message: `${issue.message} (task "${id}")` };
  };
}

function taskIdAt(input: unknown, path: string): string | undefined {
  let pipeline = input;
  let id: string | undefined;
  for (const part of path.split('.pipelineSpec.')) {
    const index = /^tasks\[(\d+)\]/.exec(part)?.[1];
    const tasks = (pipeline as { tasks?: unknown } | null)?.tasks;
    if (index === undefined || !Array.isArray(tasks)) break;
    const task = tasks[Number(index)] as { id?: unknown; pipelineSpec?: unknown } | undefined;
    if (typeof task?.id !== 'string') break;
    id = task.id;
    pipeline = task.pipelineSpec;
  }
  return id;
}
