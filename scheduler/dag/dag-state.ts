/**
 * DAG readiness, Meson-style, with Airflow's trigger rules: every task counts its upstream tasks'
 * outcomes (succeeded, failed, skipped, done); completing a task updates its dependents' counters and asks
 * each pending dependent's rule (trigger-rules.ts) whether it is now ready, skipped, or still waiting.
 * A task skipped by its rule is itself a skipped upstream for its own dependents, so a failure skips the
 * cone of allSucceeded tasks below it while an allDone task downstream still runs.
 *
 * Cost: creation is O(V + E) and checks the graph is acyclic (Kahn's algorithm); a completion is
 * O(out-degree) plus O(out-degree) per task it skips in cascade, each task being skipped at most once.
 *
 * The state is plain JSON (it lives in a Temporal workflow and may be returned from queries) and the
 * transitions mutate it in place: they are deterministic, free of I/O, clocks and randomness, and order
 * everything by declaration order in the spec.
 */
import { TRIGGER_RULES, type TaskSpec, type TriggerRule } from '../../pipeline/schema.js';
import { IllegalTaskTransitionError, InvalidDagError, UnknownTaskError } from './errors.js';
import { isTerminal, TaskStatus } from './task-status.js';
import { DEFAULT_TRIGGER_RULE, evaluateTrigger } from './trigger-rules.js';

export { TaskStatus } from './task-status.js';

/** What the shell reports for a running task; 'skipped' means its `when` condition was false. */
export type TaskOutcome = 'succeeded' | 'cached' | 'failed' | 'skipped' | 'cancelled';
export type DagOutcome = 'succeeded' | 'failed' | 'cancelled' | 'running';

/** Why a task was skipped: its trigger rule became false when `upstream` finished, or its own `when`. */
export type SkipReason =
  | { readonly kind: 'trigger'; readonly upstream: string; readonly rule: TriggerRule }
  | { readonly kind: 'when' };

export interface DagTaskState {
  /** Position in the spec's task list; the tie-breaker for every ordering. */
  readonly index: number;
  status: TaskStatus;
  readonly trigger: TriggerRule;
  /** Distinct upstream tasks, and how many of them ended which way (cached counts as succeeded, cancelled as failed). */
  readonly upstream: number;
  succeeded: number;
  failed: number;
  skipped: number;
  done: number;
  readonly dependents: readonly string[];
  skippedBecause?: SkipReason;
}

export interface DagState {
  /** Task ids in declaration order. */
  readonly order: readonly string[];
  readonly tasks: Record<string, DagTaskState>;
  /** Ids that are ready but not yet taken, in no particular order; takeReady sorts them. */
  ready: string[];
}

/** The fields of a task the DAG reads; a parsed PipelineSpec's tasks have them all. */
export type DagTaskInput = Pick<TaskSpec, 'id' | 'dependsOn'> & { readonly trigger?: TriggerRule };

export interface SkippedTask {
  readonly id: string;
  readonly because: SkipReason;
}

export interface CompletionEffects {
  /** Dependents that became ready, in declaration order. */
  readonly ready: readonly string[];
  /** Downstream tasks their rule skipped (directly or in cascade), in declaration order. */
  readonly skipped: readonly SkippedTask[];
}

export function createDagState(spec: { readonly tasks: readonly DagTaskInput[] }): DagState {
  const tasks: Record<string, DagTaskState> = {};
  const dependents = new Map<string, string[]>();
  spec.tasks.forEach((task, index) => {
    if (Object.hasOwn(tasks, task.id))
      throw new InvalidDagError(`task "${task.id}" is defined twice`, [task.id]);
    const trigger = task.trigger ?? DEFAULT_TRIGGER_RULE;
    if (!(TRIGGER_RULES as readonly string[]).includes(trigger))
      throw new InvalidDagError(`task "${task.id}" has unknown trigger rule "${trigger}"`, [task.id]);
    dependents.set(task.id, []);
    tasks[task.id] = {
      index,
      status: TaskStatus.Pending,
      trigger,
      upstream: new Set(task.dependsOn).size,
      succeeded: 0,
      failed: 0,
      skipped: 0,
      done: 0,
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
  for (const id of state.order) if (taskState(state, id).upstream === 0) markReady(state, id);
  return state;
}

/**
 * Marks ready tasks running and returns their ids in declaration order: all of them, or the first `limit`
 * (a run's cap on tasks in flight); the rest stay ready for a later call.
 */
export function takeReady(state: DagState, limit = Infinity): string[] {
  if (!sortedReady.has(state.ready)) {
    state.ready = [...state.ready].sort(byIndex(state));
    sortedReady.add(state.ready);
  }
  const taken = state.ready.splice(0, Math.max(0, Math.min(limit, state.ready.length)));
  for (const id of taken) taskState(state, id).status = TaskStatus.Running;
  return taken;
}

/**
 * Ready lists known to be in declaration order, kept so by markReady's sorted insert. A run under its
 * in-flight cap takes one or two tasks at a time from hundreds ready; sorting the whole list on every call
 * was most of a 3,000-task fan-out's DAG time. Only a cache: a list it does not know (a state that came
 * through continue-as-new) is sorted once, so the result never depends on it.
 */
const sortedReady = new WeakSet<string[]>();

/** Records the outcome of a running task; throws IllegalTaskTransitionError for a task that is not running. */
export function completeTask(state: DagState, id: string, outcome: TaskOutcome): CompletionEffects {
  const task = taskState(state, id);
  if (task.status !== TaskStatus.Running) throw new IllegalTaskTransitionError(id, task.status, outcome);
  task.status = outcome;
  if (outcome === 'skipped') task.skippedBecause = { kind: 'when' };
  const ready: string[] = [];
  const skipped: SkippedTask[] = [];
  // A worklist rather than recursion: a long chain of cascading skips must not exhaust the stack.
  const finished: { readonly id: string; readonly kind: Counter }[] = [{ id, kind: COUNTED_AS[outcome] }];
  for (let head = 0; head < finished.length; head++) {
    const { id: upstreamId, kind } = finished[head] ?? { id, kind: COUNTED_AS[outcome] };
    for (const dependentId of taskState(state, upstreamId).dependents) {
      const dependent = taskState(state, dependentId);
      dependent[kind] += 1;
      dependent.done += 1;
      // Ready, running, finished or cancelled tasks have had their rule decided already.
      if (dependent.status !== TaskStatus.Pending) continue;
      const decision = evaluateTrigger(dependent.trigger, dependent);
      if (decision === 'ready') {
        markReady(state, dependentId);
        ready.push(dependentId);
      } else if (decision === 'skip') {
        const because: SkipReason = { kind: 'trigger', upstream: upstreamId, rule: dependent.trigger };
        dependent.status = TaskStatus.Skipped;
        dependent.skippedBecause = because;
        skipped.push({ id: dependentId, because });
        finished.push({ id: dependentId, kind: 'skipped' });
      }
    }
  }
  const order = byIndex(state);
  return { ready: ready.sort(order), skipped: skipped.sort((a, b) => order(a.id, b.id)) };
}

/**
 * Records the outcome of a task that ran elsewhere: one of another slice of a partitioned run, present in
 * this slice's DAG as a root so its dependents count its outcome. It must be ready (a root nobody took).
 */
export function completeExternal(state: DagState, id: string, outcome: TaskOutcome): CompletionEffects {
  const task = taskState(state, id);
  if (task.status !== TaskStatus.Ready) throw new IllegalTaskTransitionError(id, task.status, outcome);
  const wasSorted = sortedReady.has(state.ready);
  state.ready = state.ready.filter((readyId) => readyId !== id);
  if (wasSorted) sortedReady.add(state.ready);
  task.status = TaskStatus.Running;
  return completeTask(state, id, outcome);
}

/**
 * Follows a skipped task's causes upstream to the task whose outcome started the cascade: a failed or
 * cancelled task for allSucceeded chains, a task skipped by its `when`, or the task itself for a `when` skip.
 * Undefined for a task that is not skipped.
 */
export function skipOrigin(state: DagState, id: string): string | undefined {
  let current = id;
  for (let because = taskState(state, id).skippedBecause; because !== undefined;) {
    if (because.kind === 'when') return current;
    current = because.upstream;
    because = taskState(state, current).skippedBecause;
  }
  return current === id ? undefined : current;
}

/**
 * Cancels every task that has not started (pending or ready) and returns them in declaration order;
 * running tasks stay running until the shell reports them with completeTask(…, 'cancelled').
 */
export function cancelDag(state: DagState): string[] {
  const cancelled = state.order.filter((id) => {
    const status = taskState(state, id).status;
    return status === TaskStatus.Pending || status === TaskStatus.Ready;
  });
  for (const id of cancelled) taskState(state, id).status = TaskStatus.Cancelled;
  state.ready = [];
  return cancelled;
}

export function isDagFinished(state: DagState): boolean {
  return state.order.every((id) => isTerminal(taskState(state, id).status));
}

/** 'running' until every task is terminal; then 'failed' if any task failed, else 'cancelled' if any was, else 'succeeded'. */
export function dagOutcome(state: DagState): DagOutcome {
  if (!isDagFinished(state)) return 'running';
  const statuses = new Set(state.order.map((id) => taskState(state, id).status));
  if (statuses.has(TaskStatus.Failed)) return 'failed';
  if (statuses.has(TaskStatus.Cancelled)) return 'cancelled';
  return 'succeeded';
}

export function taskStatus(state: DagState, id: string): TaskStatus {
  return taskState(state, id).status;
}

type Counter = 'succeeded' | 'failed' | 'skipped';

/** Which counter of its dependents a finished task feeds. */
const COUNTED_AS: Readonly<Record<TaskOutcome, Counter>> = {
  succeeded: 'succeeded',
  cached: 'succeeded',
  failed: 'failed',
  cancelled: 'failed',
  skipped: 'skipped',
};

function byIndex(state: DagState): (a: string, b: string) => number {
  return (a, b) => taskState(state, a).index - taskState(state, b).index;
}

function markReady(state: DagState, id: string): void {
  const task = taskState(state, id);
  task.status = TaskStatus.Ready;
  if (!sortedReady.has(state.ready)) {
    state.ready.push(id);
    return;
  }
  // Binary search for the first ready task declared after this one.
  let low = 0;
  let high = state.ready.length;
  while (low < high) {
    const mid = (low + high) >>> 1;
    if (taskState(state, state.ready[mid]!).index < task.index) low = mid + 1;
    else high = mid;
  }
  state.ready.splice(low, 0, id);
}

function taskState(state: Pick<DagState, 'tasks'>, id: string): DagTaskState {
  const task = Object.hasOwn(state.tasks, id) ? state.tasks[id] : undefined;
  if (task === undefined) throw new UnknownTaskError(id);
  return task;
}

function assertAcyclic(state: DagState): void {
  const remaining = new Map(state.order.map((id) => [id, taskState(state, id).upstream]));
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
