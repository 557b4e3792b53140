/**
 * Cuts a large DAG into slices that each fit one workflow (Maestro's and Temporal's batch samples' way of
 * running very large jobs): a run above a few hundred tasks runs as a parent that starts one child workflow
 * per slice, so no workflow's input, state or history grows with the task count.
 *
 * Tasks are taken in topological order — by depth (longest path from a root), then declaration order — and
 * cut into consecutive slices of at most `maxTasks` tasks and `maxBytes` of spec. A slice depends on every
 * earlier slice that holds one of its tasks' dependencies or of the tasks their templates read (its
 * `external` tasks), so a slice starts once those have finished, and its run sees their final states. A
 * wide fan-out becomes independent slices; a chain becomes a chain of slices; layers become slices of
 * layers. The price is a barrier per slice: a task waits for its upstream slices as a whole.
 *
 * Pure and O(V + E).
 */
import { InvalidDagError } from './errors.js';

export interface PartitionTask {
  readonly id: string;
  readonly dependsOn: readonly string[];
  /** Other tasks whose outputs or status its templates and `when` read (all upstream of it). */
  readonly reads: readonly string[];
  /** Size of its spec (JSON), counted against the slice's byte budget. */
  readonly bytes: number;
}

export interface PartitionLimits {
  readonly maxTasks: number;
  readonly maxBytes: number;
}

export interface DagSlice {
  /** The slice's own tasks, in the order they were taken. */
  readonly taskIds: readonly string[];
  /** Tasks of earlier slices that this slice's tasks depend on or read, in declaration order. */
  readonly external: readonly string[];
  /** Indexes of the slices holding them, ascending. */
  readonly dependsOn: readonly number[];
}

export function partitionDag(tasks: readonly PartitionTask[], limits: PartitionLimits): DagSlice[] {
  if (limits.maxTasks < 1) throw new RangeError(`partitionDag: maxTasks must be ≥ 1, got ${limits.maxTasks}`);
  const order = topologicalOrder(tasks);
  const indexOf = new Map(tasks.map((t, i) => [t.id, i]));
  const sliceOf = new Map<string, number>();
  const slices: DagSlice[] = [];
  let current: PartitionTask[] = [];
  let bytes = 0;
  const close = () => {
    if (current.length === 0) return;
    const index = slices.length;
    const own = new Set(current.map((t) => t.id));
    const external = new Set<string>();
    for (const task of current)
      for (const id of [...task.dependsOn, ...task.reads]) if (!own.has(id)) external.add(id);
    const ids = [...external].sort((a, b) => indexOf.get(a)! - indexOf.get(b)!);
    const dependsOn = [...new Set(ids.map((id) => sliceOf.get(id)!))].sort((a, b) => a - b);
    for (const id of own) sliceOf.set(id, index);
    slices.push({ taskIds: current.map((t) => t.id), external: ids, dependsOn });
    current = [];
    bytes = 0;
  };
  for (const task of order) {
    if (current.length >= limits.maxTasks || (current.length > 0 && bytes + task.bytes > limits.maxBytes))
      close();
    current.push(task);
    bytes += task.bytes;
  }
  close();
  return slices;
}

/** Kahn's algorithm by depth; ties keep declaration order. Throws InvalidDagError on a cycle or unknown id. */
function topologicalOrder(tasks: readonly PartitionTask[]): PartitionTask[] {
  const byId = new Map(tasks.map((t) => [t.id, t]));
  const waiting = new Map<string, number>();
  const dependents = new Map<string, string[]>();
  for (const task of tasks) {
    const deps = new Set(task.dependsOn);
    waiting.set(task.id, deps.size);
    for (const dep of deps) {
      if (!byId.has(dep))
        throw new InvalidDagError(`task "${task.id}" depends on unknown task "${dep}"`, [task.id]);
      const list = dependents.get(dep);
      if (list) list.push(task.id);
      else dependents.set(dep, [task.id]);
    }
  }
  const position = new Map(tasks.map((t, i) => [t.id, i]));
  const order: PartitionTask[] = [];
  let level = tasks.filter((t) => waiting.get(t.id) === 0);
  while (level.length > 0) {
    order.push(...level);
    const next: PartitionTask[] = [];
    for (const task of level)
      for (const id of dependents.get(task.id) ?? []) {
        const left = waiting.get(id)! - 1;
        waiting.set(id, left);
        if (left === 0) next.push(byId.get(id)!);
      }
    level = next.sort((a, b) => position.get(a.id)! - position.get(b.id)!);
  }
  if (order.length !== tasks.length) {
    const stuck = tasks.filter((t) => waiting.get(t.id)! > 0).map((t) => t.id);
    throw new InvalidDagError(`the tasks ${stuck.slice(0, 5).join(', ')} are in a cycle`, stuck);
  }
  return order;
}
