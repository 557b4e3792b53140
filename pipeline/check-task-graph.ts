/** Cross-field rules on task ids and dependencies: duplicates, unknown or self dependencies, cycles. */
import { findCycles } from './find-cycles.js';
import type { RuleIssue, TaskView } from './view-tasks.js';

export function checkTaskGraph(tasks: readonly TaskView[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const firstIndex = new Map<string, number>();
  for (const task of tasks) {
    if (task.id === undefined) continue;
    const first = firstIndex.get(task.id);
    if (first === undefined) firstIndex.set(task.id, task.index);
    else
      issues.push({
        path: ['tasks', task.index, 'id'],
        message: `duplicate task id "${task.id}" (also tasks[${first}])`,
      });
  }

  const edges = new Map<string, string[]>();
  for (const task of tasks) {
    const seen = new Map<string, number>();
    const known: string[] = [];
    task.dependsOn.forEach((dependency, position) => {
      if (typeof dependency !== 'string') return;
      const path = ['tasks', task.index, 'dependsOn', position];
      const earlier = seen.get(dependency);
      if (earlier !== undefined) {
        issues.push({ path, message: `duplicate dependency "${dependency}" (also dependsOn[${earlier}])` });
        return;
      }
      seen.set(dependency, position);
      if (dependency === task.id) issues.push({ path, message: `task "${dependency}" depends on itself` });
      else if (!firstIndex.has(dependency)) issues.push({ path, message: `unknown task "${dependency}"` });
      else known.push(dependency);
    });
    // Only the first declaration of a duplicated id contributes edges: the duplicate is already an error.
    if (task.id !== undefined && firstIndex.get(task.id) === task.index) edges.set(task.id, known);
  }

  for (const { cycle, component } of findCycles([...firstIndex.keys()], edges)) {
    const others = component.filter((id) => !cycle.includes(id));
    const knot = others.length === 0 ? '' : ` (the knot also involves ${others.join(', ')})`;
    issues.push({ path: ['tasks'], message: `cycle ${cycle.join(' -> ')}${knot}` });
  }
  return issues;
}
