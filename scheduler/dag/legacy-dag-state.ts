/**
 * FROZEN for runs without the `gantry-run-dataflow` marker (workflows/run/legacy-run.ts): their histories
 * and carried state hold this shape, so it must not change. New runs use dag-state.ts.
 *
 * DAG readiness, Meson-style: every task keeps a counter of dependencies not yet succeeded; completing a
 * task decrements its dependents' counters (O(out-degree)) and a task whose counter reaches zero becomes
 * ready. A failed or cancelled task skips its whole downstream cone (O(size of the cone)), recording the
 * ancestor that caused it. Creation is O(V + E) and checks the graph is acyclic (Kahn's algorithm).
 *
 * The state is plain JSON (it lives in a Temporal workflow and may be returned from queries) and the
 * transitions mutate it in place: they are deterministic, free of I/O, clocks and randomness, and order
 * everything by declaration order in the spec.
 */
import type { PipelineSpec } from '../../pipeline/schema.js';
import { IllegalTaskTransitionError, InvalidDagError, UnknownTaskError } from './errors.js';

export const TASK_STATUSES = [
  'pending',
  'ready',
  'running',
  'succeeded',
  'failed',
  'skipped',
  'cancelled',
] as const;
export type TaskStatus = (typeof TASK_STATUSES)[number];
export type TaskOutcome = 'succeeded' | 'failed' | 'cancelled';
export type DagOutcome = 'succeeded' | 'failed' | 'cancelled' | 'running';

const TERMINAL: ReadonlySet<TaskStatus> = new Set(['succeeded', 'failed', 'skipped', 'cancelled']);

export interface DagTaskState {
  /** Position in the spec's task list; the tie-breaker for every ordering. */
  readonly index: number;
  status: TaskStatus;
  /** Dependencies that have not succeeded yet. */
  remainingDependencies: number;
  readonly dependents: readonly string[];
  /** For a skipped task: the failed or cancelled ancestor that caused the skip. */
  skippedBecause?: string;
}

export interface DagState {
  /** Task ids in declaration order. */
  readonly order: readonly string[];
  readonly tasks: Record<string, DagTaskState>;
  /** Ids that are ready but not yet taken, in no particular order; takeReady sorts them. */
  ready: string[];
}

export function createDagState(spec: Pick<PipelineSpec, 'tasks'>): DagState {
  const tasks: Record<string, DagTaskState> = {};
  const dependents = new Map<string, string[]>();
  spec.tasks.forEach((task, index) => {
    if (Object.hasOwn(tasks, task.id))
      throw new InvalidDagError(`task "${task.id}" is defined twice`, [task.id]);
    dependents.set(task.id, []);
    tasks[task.id] = {
      index,
      status: 'pending',
      remainingDependencies: new Set(task.dependsOn).size,
      dependents: [],
    };
  });
  for (const task of spec.tasks) {
    for (const dependency of new Set(task.dependsOn)) {
      const list = dependents.get(dependency);
      if (list === undefined)
        throw new InvalidDagError(`task "${task.id}" depends on unknown task "${dependency}"`, [task.id]);
      list.push(task.id);
    }
  }
  for (const [id, list] of dependents) tasks[id] = { ...taskState({ tasks }, id), dependents: list };
  const state: DagState = { order: spec.tasks.map((task) => task.id), tasks, ready: [] };
  assertAcyclic(state);
  for (const id of state.order) if (taskState(state, id).remainingDependencies === 0) markReady(state, id);
  return state;
}

/** Marks every ready task running and returns their ids in declaration order. */
export function takeReady(state: DagState): string[] {
  const taken = [...state.ready].sort((a, b) => taskState(state, a).index - taskState(state, b).index);
  for (const id of taken) taskState(state, id).status = 'running';
  state.ready = [];
  return taken;
}

export interface CompletionEffects {
  /** Dependents that became ready, in declaration order. */
  readonly ready: readonly string[];
  /** Downstream tasks skipped because this one failed or was cancelled, in declaration order. */
  readonly skipped: readonly string[];
}

/** Records the outcome of a running task; throws IllegalTaskTransitionError for a task that is not running. */
export function completeTask(state: DagState, id: string, outcome: TaskOutcome): CompletionEffects {
  const task = taskState(state, id);
  if (task.status !== 'running') throw new IllegalTaskTransitionError(id, task.status, outcome);
  task.status = outcome;
  const byIndex = (a: string, b: string): number => taskState(state, a).index - taskState(state, b).index;
  if (outcome === 'succeeded') {
    const ready: string[] = [];
    for (const dependent of task.dependents) {
      const next = taskState(state, dependent);
      next.remainingDependencies -= 1;
      if (next.remainingDependencies === 0 && next.status === 'pending') {
        markReady(state, dependent);
        ready.push(dependent);
      }
    }
    return { ready: ready.sort(byIndex), skipped: [] };
  }
  return { ready: [], skipped: skipDownstream(state, id).sort(byIndex) };
}

/**
 * Cancels every task that has not started (pending or ready) and returns them in declaration order;
 * running tasks stay running until the shell reports them with completeTask(…, 'cancelled').
 */
export function cancelDag(state: DagState): string[] {
  const cancelled = state.order.filter((id) => ['pending', 'ready'].includes(taskState(state, id).status));
  for (const id of cancelled) taskState(state, id).status = 'cancelled';
  state.ready = [];
  return cancelled;
}

export function isDagFinished(state: DagState): boolean {
  return state.order.every((id) => TERMINAL.has(taskState(state, id).status));
}

/** 'running' until every task is terminal; then 'failed' if any task failed, else 'cancelled' if any was, else 'succeeded'. */
export function dagOutcome(state: DagState): DagOutcome {
  if (!isDagFinished(state)) return 'running';
  const statuses = new Set(state.order.map((id) => taskState(state, id).status));
  if (statuses.has('failed')) return 'failed';
  if (statuses.has('cancelled')) return 'cancelled';
  return 'succeeded';
}

export function taskStatus(state: DagState, id: string): TaskStatus {
  return taskState(state, id).status;
}

function skipDownstream(state: DagState, origin: string): string[] {
  const skipped: string[] = [];
  const stack = [...taskState(state, origin).dependents];
  while (stack.length > 0) {
    const id = stack.pop() ?? '';
    const task = taskState(state, id);
    // A dependent cannot have started (one of its dependencies never succeeded); one already skipped
    // keeps the ancestor that skipped it first, and its cone is already skipped.
    if (task.status !== 'pending') continue;
    task.status = 'skipped';
    task.skippedBecause = origin;
    skipped.push(id);
    stack.push(...task.dependents);
  }
  return skipped;
}

function markReady(state: DagState, id: string): void {
  taskState(state, id).status = 'ready';
  state.ready.push(id);
}

function taskState(state: Pick<DagState, 'tasks'>, id: string): DagTaskState {
  const task = Object.hasOwn(state.tasks, id) ? state.tasks[id] : undefined;
  if (task === undefined) throw new UnknownTaskError(id);
  return task;
}

function assertAcyclic(state: DagState): void {
  const remaining = new Map(state.order.map((id) => [id, taskState(state, id).remainingDependencies]));
  const queue = state.order.filter((id) => remaining.get(id) === 0);
  for (let head = 0; head < queue.length; head++) {
    for (const dependent of taskState(state, queue[head] ?? '').dependents) {
      const left = (remaining.get(dependent) ?? 0) - 1;
      remaining.set(dependent, left);
      if (left === 0) queue.push(dependent);
    }
  }
  if (queue.length < state.order.length) {
    const stuck = state.order.filter((id) => (remaining.get(id) ?? 0) > 0);
    throw new InvalidDagError(`tasks ${stuck.join(', ')} are on or behind a cycle`, stuck);
  }
}
