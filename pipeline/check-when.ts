/** Cross-field rules on `when:` conditions: valid CEL that refers only to declared params and upstream tasks. */
import { outputProblem, taskRefProblem, type PipelineScope } from './task-scope.js';
import type { RuleIssue, TaskView } from './view-tasks.js';
import { compileWhen, type WhenRef } from './when-expression.js';

export function checkWhen(tasks: readonly TaskView[], scope: PipelineScope): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const task of tasks) {
    const when = task.fields['when'];
    if (typeof when !== 'string' || when === '') continue;
    const path = ['tasks', task.index, 'when'];
    const compiled = compileWhen(when);
    if (compiled.kind === 'invalid') {
      issues.push({ path, message: compiled.message });
      continue;
    }
    // The same reference made twice is reported once.
    const messages = new Set(compiled.refs.flatMap((ref) => refMessage(ref, scope, task.id) ?? []));
    for (const message of messages) issues.push({ path, message });
  }
  return issues;
}

function refMessage(ref: WhenRef, scope: PipelineScope, taskId: string | undefined): string | undefined {
  if (ref.kind === 'param') {
    return scope.params.has(ref.name) ? undefined : `params.${ref.name}: unknown param "${ref.name}"`;
  }
  if (taskId === undefined) return undefined;
  const problem =
    taskRefProblem(scope, taskId, ref.taskId) ??
    (ref.kind === 'output' ? outputProblem(scope, ref.taskId, 'output', ref.name) : undefined);
  if (problem === undefined) return undefined;
  const text = ref.kind === 'output' ? `tasks.${ref.taskId}.outputs.${ref.name}` : `tasks.${ref.taskId}`;
  return `${text}: ${problem}`;
}
