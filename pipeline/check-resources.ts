/**
 * Cross-field rules on resource requests: scalar names must not shadow built-in resources and, given the
 * cluster's nodes, every task must fit on at least one node: per resource, and in all resources at once.
 */
import { fits, toResourceVector } from '../common/resources.js';
import { ResourcesSchema } from './schema.js';
import type { RuleIssue, TaskView } from './view-tasks.js';

/** The part of a cluster node the pipeline checks need. */
export interface NodeCapacity {
  readonly id: string;
  readonly capacity: Readonly<Record<string, number>>;
}

const BUILT_IN = ['cpu', 'memoryMiB', 'gpu', 'diskMiB', 'networkMbps'] as const;

export function checkResources(
  tasks: readonly TaskView[],
  nodes: readonly NodeCapacity[] | undefined,
): RuleIssue[] {
  const issues: RuleIssue[] = [];
  if (nodes !== undefined && nodes.length === 0 && tasks.length > 0) {
    issues.push({ path: ['tasks'], message: 'the cluster has no nodes to run any task on' });
    nodes = undefined;
  }
  for (const task of tasks) {
    const parsed = ResourcesSchema.safeParse(task.resources ?? {});
    if (!parsed.success) continue;
    const base = ['tasks', task.index, 'resources'];
    const shadowing = Object.keys(parsed.data.scalars ?? {}).filter((name) =>
      (BUILT_IN as readonly string[]).includes(name),
    );
    for (const name of shadowing) {
      issues.push({
        path: [...base, 'scalars', name],
        message: `"${name}" is a built-in resource; set resources.${name} instead`,
      });
    }
    if (nodes === undefined || shadowing.length > 0) continue;
    issues.push(...checkFit(base, toResourceVector(parsed.data), nodes));
  }
  return issues;
}

function checkFit(
  base: readonly PropertyKey[],
  request: Readonly<Record<string, number>>,
  nodes: readonly NodeCapacity[],
): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const [name, amount] of Object.entries(request)) {
    const path = [...base, ...((BUILT_IN as readonly string[]).includes(name) ? [name] : ['scalars', name])];
    const offered = nodes.map((node) => node.capacity[name] ?? 0);
    const largest = Math.max(...offered);
    if (largest <= 0) {
      issues.push({ path, message: `${amount} requested, but no node of the cluster has ${name}` });
    } else if (!fits({ [name]: amount }, { [name]: largest })) {
      issues.push({
        path,
        message: `${amount} is larger than every node of the cluster (the largest has ${largest})`,
      });
    }
  }
  if (issues.length === 0 && !nodes.some((node) => fits(request, node.capacity))) {
    const shown = Object.entries(request)
      .map(([name, amount]) => `${name}: ${amount}`)
      .join(', ');
    issues.push({
      path: base,
      message: `{ ${shown} } fits no single node of the cluster: each resource fits on some node, never all on one`,
    });
  }
  return issues;
}
