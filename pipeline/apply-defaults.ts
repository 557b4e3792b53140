/**
 * The `defaults:` block, merged into the tasks before the schema sees them: a task that does not set a
 * field takes the default's value as a whole (field level: a task's `env` replaces the default `env`, it is
 * not merged key by key). The block is validated on its own, so a bad default is reported once, at
 * `defaults.FIELD`, and is not merged. Container-only defaults skip sub-pipeline tasks, and `maxParallel`
 * skips tasks without `foreach`: a default must never make a valid task invalid. Inline sub-pipelines
 * (`tasks[].pipelineSpec`) get their own defaults, never the parent's.
 */
import type { ValidationIssue } from './errors.js';
import { describeZodIssue } from './describe-zod-issue.js';
import { formatPath } from './format-path.js';
import { showValue } from './show-value.js';
import { DEFAULTABLE_FIELDS, TaskSchema } from './schema.js';
import { isRecord } from './view-tasks.js';

type DefaultableField = (typeof DEFAULTABLE_FIELDS)[number];

/** The defaults that apply to a sub-pipeline task: how it is run, not what runs. */
const SUB_PIPELINE_DEFAULTS: ReadonlySet<DefaultableField> = new Set([
  'retry',
  'timeoutSeconds',
  'trigger',
  'cache',
  'maxParallel',
]);

export interface DefaultsApplied {
  /** The input with defaults merged into its tasks; the input itself is not modified. */
  readonly input: unknown;
  readonly issues: readonly ValidationIssue[];
}

export function applyDefaults(input: unknown, prefix: readonly PropertyKey[] = []): DefaultsApplied {
  if (!isRecord(input) || !Array.isArray(input['tasks'])) return { input, issues: [] };
  const { defaults, issues } = validDefaults(input['defaults'], prefix);
  const tasks = (input['tasks'] as unknown[]).map((task: unknown, index) => {
    if (!isRecord(task)) return task;
    const merged: Record<string, unknown> = { ...task };
    for (const [field, value] of defaults) {
      if (merged[field] === undefined && applies(field, task)) merged[field] = value;
    }
    if (isRecord(task['pipelineSpec'])) {
      const child = applyDefaults(task['pipelineSpec'], [...prefix, 'tasks', index, 'pipelineSpec']);
      merged['pipelineSpec'] = child.input;
      issues.push(...child.issues);
    }
    return merged;
  });
  return { input: { ...input, tasks }, issues };
}

function applies(field: DefaultableField, task: Readonly<Record<string, unknown>>): boolean {
  if (field === 'maxParallel' && task['foreach'] === undefined) return false;
  const isSubPipeline = task['pipeline'] !== undefined || task['pipelineSpec'] !== undefined;
  return !isSubPipeline || SUB_PIPELINE_DEFAULTS.has(field);
}

function validDefaults(
  defaults: unknown,
  prefix: readonly PropertyKey[],
): { defaults: [DefaultableField, unknown][]; issues: ValidationIssue[] } {
  const valid: [DefaultableField, unknown][] = [];
  const issues: ValidationIssue[] = [];
  // Not an object: the schema reports it.
  if (!isRecord(defaults)) return { defaults: valid, issues };
  const base = [...prefix, 'defaults'];
  for (const [field, value] of Object.entries(defaults)) {
    if (!isDefaultable(field)) {
      issues.push(notDefaultable(field, base));
      continue;
    }
    const parsed = TaskSchema.shape[field].safeParse(value, { reportInput: true });
    if (parsed.success) valid.push([field, value]);
    else {
      for (const issue of parsed.error.issues) {
        issues.push(...describeZodIssue({ ...issue, path: [...base, field, ...issue.path] }));
      }
    }
  }
  return { defaults: valid, issues };
}

function isDefaultable(field: string): field is DefaultableField {
  return (DEFAULTABLE_FIELDS as readonly string[]).includes(field);
}

function notDefaultable(field: string, base: readonly PropertyKey[]): ValidationIssue {
  return field in TaskSchema.shape
    ? { path: formatPath([...base, field]), message: `"${field}" cannot have a default` }
    : { path: formatPath(base), message: `unknown field ${showValue(field)}` };
}
