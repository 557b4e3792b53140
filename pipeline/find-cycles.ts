/**
 * Finds dependency cycles: one cycle per strongly connected component (Tarjan via graphology-components),
 * O(V + E). Each cycle is in depends-on order (`a -> b` means a depends on b), starts and ends at the
 * earliest-declared task of its component, and is the shortest such cycle with ties broken by declaration
 * order; components are reported in declaration order. Self-dependencies are not edges here: the caller
 * reports them on their own.
 */
import { DirectedGraph } from 'graphology';
import { stronglyConnectedComponents } from 'graphology-components';

export interface DependencyCycle {
  /** Task ids in depends-on order; the first id is repeated at the end. */
  readonly cycle: readonly string[];
  /** Every task of the knot the cycle belongs to, in declaration order. */
  readonly component: readonly string[];
}

/** `ids` in declaration order (unique); `dependsOn` maps an id to the known ids it depends on. */
export function findCycles(
  ids: readonly string[],
  dependsOn: ReadonlyMap<string, readonly string[]>,
): DependencyCycle[] {
  if (isAcyclic(ids, dependsOn)) return [];
  const rank = new Map(ids.map((id, index) => [id, index]));
  const graph = new DirectedGraph();
  for (const id of ids) graph.addNode(id);
  for (const id of ids) {
    for (const dependency of dependsOn.get(id) ?? []) {
      if (dependency !== id && graph.hasNode(dependency)) graph.mergeEdge(id, dependency);
    }
  }
  const byRank = (a: string, b: string): number => (rank.get(a) ?? 0) - (rank.get(b) ?? 0);
  return stronglyConnectedComponents(graph)
    .filter((component) => component.length > 1)
    .map((component) => [...component].sort(byRank))
    .sort((a, b) => byRank(a[0] ?? '', b[0] ?? ''))
    .map((component) => ({ cycle: shortestCycleThrough(graph, component, byRank), component }));
}

/**
 * Kahn's algorithm on plain maps: the common case (no cycle) answered without building a graphology graph,
 * which costs seconds at 100,000 tasks.
 */
function isAcyclic(ids: readonly string[], dependsOn: ReadonlyMap<string, readonly string[]>): boolean {
  const known = new Set(ids);
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const id of ids) {
    const deps = new Set((dependsOn.get(id) ?? []).filter((d) => d !== id && known.has(d)));
    waiting.set(id, deps.size);
    for (const dep of deps) {
      const list = dependents.get(dep);
      if (list) list.push(id);
      else dependents.set(dep, [id]);
    }
  }
  const free = ids.filter((id) => waiting.get(id) === 0);
  for (let head = 0; head < free.length; head++)
    for (const next of dependents.get(free[head]!) ?? []) {
      const left = waiting.get(next)! - 1;
      waiting.set(next, left);
      if (left === 0) free.push(next);
    }
  return free.length === ids.length;
}

function shortestCycleThrough(
  graph: DirectedGraph,
  component: readonly string[],
  byRank: (a: string, b: string) => number,
): string[] {
  const members = new Set(component);
  const start = component[0] ?? '';
  const parent = new Map<string, string>();
  const queue = [start];
  for (let head = 0; head < queue.length; head++) {
    const node = queue[head] ?? '';
    for (const next of graph
      .outNeighbors(node)
      .filter((n) => members.has(n))
      .sort(byRank)) {
      if (next === start) return [...pathTo(node, start, parent), start];
      if (!parent.has(next) && next !== start) {
        parent.set(next, node);
        queue.push(next);
      }
    }
  }
  // NOTE: unreachable for a strongly connected component; returning the members keeps the report useful.
  return [...component, start];
}

function pathTo(node: string, start: string, parent: ReadonlyMap<string, string>): string[] {
  const path = [node];
  for (let current = node; current !== start;) {
    current = parent.get(current) ?? start;
    path.unshift(current);
  }
  return path;
}
