/**
 * Cross-field rules between a sub-pipeline task and its child (`pipelineSpec`, filled in by the loader):
 * the task's params are params the child declares, and each output maps exactly one declared output of a
 * child task. A task whose child is not loaded yet (`pipeline` alone) is checked once the loader has it.
 */
import { showValue } from './show-value.js';
import { buildScope, outputProblem, type PipelineScope } from './task-scope.js';
import { parseTemplate } from './templates.js';
import { isRecord, viewTasks, type RuleIssue, type TaskView } from './view-tasks.js';

const EXPECTED = {
  parameters: '{{ tasks.ID.outputs.NAME }}',
  artifacts: '{{ tasks.ID.outputs.artifacts.NAME }}',
} as const;

export function checkSubPipelines(tasks: readonly TaskView[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const task of tasks) {
    const child = task.fields['pipelineSpec'];
    if (!isRecord(child) || task.fields['image'] !== undefined) continue;
    const base = ['tasks', task.index];
    const childName = typeof child['name'] === 'string' ? child['name'] : String(task.fields['pipeline']);
    const scope = buildScope(child, viewTasks(child));
    const params = task.fields['params'];
    for (const param of isRecord(params) ? Object.keys(params) : []) {
      if (!scope.params.has(param)) {
        issues.push({
          path: [...base, 'params', param],
          message: `sub-pipeline "${childName}" declares no param "${param}"`,
        });
      }
    }
    const outputs = task.fields['outputs'];
    for (const kind of ['parameters', 'artifacts'] as const) {
      const list = isRecord(outputs) ? outputs[kind] : undefined;
      if (!Array.isArray(list)) continue;
      list.forEach((output: unknown, position) => {
        const from = isRecord(output) ? output['from'] : undefined;
        if (typeof from !== 'string') return;
        const message = fromProblem(from, kind, scope, childName);
        if (message !== undefined) {
          issues.push({ path: [...base, 'outputs', kind, position, 'from'], message });
        }
      });
    }
  }
  return issues;
}

function fromProblem(
  from: string,
  kind: 'parameters' | 'artifacts',
  scope: PipelineScope,
  childName: string,
): string | undefined {
  const parsed = parseTemplate(from);
  if (parsed.kind === 'invalid') return parsed.message;
  const [part] = parsed.parts;
  const wanted = kind === 'parameters' ? 'output' : 'artifact';
  if (parsed.parts.length !== 1 || part?.kind !== 'ref' || part.ref.kind !== wanted) {
    return `expected ${EXPECTED[kind]} of sub-pipeline "${childName}", got ${showValue(from)}`;
  }
  const { ref } = part;
  if (ref.kind !== 'output' && ref.kind !== 'artifact') return undefined;
  const problem = outputProblem(scope, ref.taskId, ref.kind, ref.name);
  return problem === undefined ? undefined : `${part.source}: ${problem} in sub-pipeline "${childName}"`;
}
