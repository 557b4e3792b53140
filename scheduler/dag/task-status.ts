/**
 * The one task-status type of a run: the DAG room, the run workflow and the CLI all speak it. `queued`
 * (waiting for a placement) is the workflow's refinement of `running` as the DAG sees it.
 */

export const TaskStatus = {
  Pending: 'pending',
  Ready: 'ready',
  Queued: 'queued',
  Running: 'running',
  Succeeded: 'succeeded',
  Cached: 'cached',
  Failed: 'failed',
  Skipped: 'skipped',
  Cancelled: 'cancelled',
} as const;
export type TaskStatus = (typeof TaskStatus)[keyof typeof TaskStatus];

const TERMINAL: ReadonlySet<TaskStatus> = new Set([
  TaskStatus.Succeeded,
  TaskStatus.Cached,
  TaskStatus.Failed,
  TaskStatus.Skipped,
  TaskStatus.Cancelled,
]);

/** True once a task will never change status again. */
export function isTerminal(status: TaskStatus): boolean {
  return TERMINAL.has(status);
}
