/**
 * Cross-field rules on templates: every `{{ … }}` is well-formed and refers to something the task can see
 * (a declared param; a declared output of an upstream task; `item`/`index` in a foreach task; `trigger.*` in
 * a pipeline that declares `triggers`), artifacts travel only through `inputs.artifacts[].from`, and
 * `foreach` is a template or a literal JSON array.
 */
import { MissingItemKeyError } from './errors.js';
import { showValue } from './show-value.js';
import { outputProblem, taskRefProblem, type PipelineScope } from './task-scope.js';
import { hasTemplate, parseTemplate, renderItem, templatedFields, type TemplateRef } from './templates.js';
import type { RuleIssue, TaskView } from './view-tasks.js';

/** Fields that are used as given: a template there would reach Docker unrendered. */
const UNTEMPLATED_FIELDS = ['image', 'workingDir', 'user', 'pipeline'] as const;
const ARTIFACT_REF = '{{ tasks.ID.outputs.artifacts.NAME }}';

interface RefContext {
  readonly scope: PipelineScope;
  readonly taskId: string | undefined;
  readonly hasForeach: boolean;
  readonly isForeachField: boolean;
  readonly isArtifactField: boolean;
  readonly isEnvField: boolean;
  /** The literal foreach items, when foreach is a JSON array, to check `item.KEY` against. */
  readonly items: readonly unknown[] | undefined;
}

export function checkTemplates(tasks: readonly TaskView[], scope: PipelineScope): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const task of tasks) {
    const base = ['tasks', task.index];
    const foreach = task.fields['foreach'];
    const items = typeof foreach === 'string' && !hasTemplate(foreach) ? literalItems(foreach) : undefined;
    if (typeof foreach === 'string' && !hasTemplate(foreach) && items === undefined) {
      issues.push({
        path: [...base, 'foreach'],
        message: `expected a JSON array or a template, got ${showValue(foreach)}`,
      });
    }
    for (const field of templatedFields(task.fields)) {
      const context: RefContext = {
        scope,
        taskId: task.id,
        hasForeach: typeof foreach === 'string',
        isForeachField: field.path[0] === 'foreach',
        isArtifactField: field.path[0] === 'inputs',
        isEnvField: field.path[0] === 'env',
        items,
      };
      for (const message of checkField(field.text, context)) {
        issues.push({ path: [...base, ...field.path], message });
      }
    }
    for (const key of UNTEMPLATED_FIELDS) {
      const value = task.fields[key];
      if (typeof value === 'string' && hasTemplate(value)) {
        issues.push({
          path: [...base, key],
          message: `templates are allowed only in command, args, env, foreach, inputs and params, got ${showValue(value)}`,
        });
      }
    }
  }
  return issues;
}

function checkField(text: string, context: RefContext): string[] {
  const parsed = parseTemplate(text);
  if (parsed.kind === 'invalid') return [parsed.message];
  const refs = parsed.parts.flatMap((part) => (part.kind === 'ref' ? [part] : []));
  if (context.isArtifactField && (parsed.parts.length !== 1 || refs[0]?.ref.kind !== 'artifact')) {
    return [`expected ${ARTIFACT_REF}, got ${showValue(text)}`];
  }
  return refs.flatMap(({ ref, source }) => {
    const problem = refProblem(ref, context);
    return problem === undefined ? [] : [`${source}: ${problem}`];
  });
}

function refProblem(ref: TemplateRef, context: RefContext): string | undefined {
  const { scope, taskId } = context;
  switch (ref.kind) {
    case 'param':
      return scope.params.has(ref.name) ? undefined : `unknown param "${ref.name}"`;
    case 'output':
    case 'artifact':
      if (ref.kind === 'artifact' && !context.isArtifactField) {
        return `artifacts are passed through inputs.artifacts[].from, not inline`;
      }
      // Without a usable id of its own the task's upstream is unknown; the schema reports the id.
      if (taskId === undefined) return undefined;
      return (
        taskRefProblem(scope, taskId, ref.taskId) ?? outputProblem(scope, ref.taskId, ref.kind, ref.name)
      );
    case 'item':
    case 'index':
      if (context.isForeachField) return `foreach cannot refer to its own items`;
      if (!context.hasForeach) return `task "${taskId ?? '?'}" has no foreach`;
      return ref.kind === 'item' ? itemKeyProblem(ref.path, context.items) : undefined;
    case 'runId':
    case 'scheduledTime':
      return undefined;
    case 'secret':
      // Anywhere else the value would be part of the command line (ps, docker inspect, the history).
      if (!context.isEnvField) return `secrets can be used only in env values`;
      return scope.secrets.has(ref.name)
        ? undefined
        : `unknown secret "${ref.name}" (declare it under secrets: { ${ref.name}: { env: VAR } or { file: PATH } })`;
    case 'triggerRunId':
    case 'triggerOutput':
      // Which tasks and outputs the upstream pipeline has is known only when its run ends.
      return scope.hasTriggers
        ? undefined
        : `the pipeline declares no triggers, so its runs have no upstream run (add triggers: [{ afterPipeline: NAME }])`;
  }
}

function itemKeyProblem(path: string | undefined, items: readonly unknown[] | undefined): string | undefined {
  if (path === undefined || items === undefined) return undefined;
  for (const [position, item] of items.entries()) {
    try {
      renderItem(item, path);
    } catch (error) {
      if (!(error instanceof MissingItemKeyError)) throw error;
      return `foreach item ${position} (${showValue(item)}) has no key "${error.key}"`;
    }
  }
  return undefined;
}

function literalItems(foreach: string): unknown[] | undefined {
  try {
    const value: unknown = JSON.parse(foreach);
    return Array.isArray(value) ? value : undefined;
  } catch {
    return undefined;
  }
}
