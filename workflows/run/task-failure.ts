/** How a task that failed outside its container (a template, a child workflow, a control activity) is recorded. */
import { TemporalFailure, isCancellation } from '@temporalio/workflow';
import type { TaskState } from '../definitions.js';
import { viewFailure } from './failure-view.js';
import { RenderError } from './render-task.js';

/**
 * The failed state for `err`, or undefined when the error is not the task's: a cancellation, or a bug in
 * this code (left to fail the workflow task, so that a fixed worker can carry on).
 */
export function failedOutside(unitId: string, err: unknown, now: number): Partial<TaskState> | undefined {
  if (err instanceof RenderError)
    return { status: 'failed', error: err.message, failureType: err.failureType, finishedAt: now };
  if (err instanceof TemporalFailure && !isCancellation(err)) {
    const failure = viewFailure(err);
    return {
      status: 'failed',
      error: `task "${unitId}": ${failure.message}`,
      ...(failure.type ? { failureType: failure.type } : {}),
      finishedAt: now,
    };
  }
  return undefined;
}
