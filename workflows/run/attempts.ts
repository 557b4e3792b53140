/**
 * Attempts counted by the run, not by Temporal: Temporal's retry policy cannot tell a task that failed from
 * a platform that failed it (a dead worker, an engine restart), and both would use up `retry.maxAttempts`.
 * Titus and Maestro keep two budgets; so does Gantry: the user's attempts, with the task's backoff, and
 * platform re-runs of the same attempt (`retry.maxPlatformRetries`), which adopt the container the broken
 * run left, or answer from its record (activities/attempt-record.ts). Pure: the unit's loop applies it.
 */
import type { ActivityOptions } from '@temporalio/workflow';
import { FailureType, NON_RETRYABLE_FAILURES, PLATFORM_FAILURES } from '../../common/failure-types.js';
import { DEFAULT_MAX_PLATFORM_RETRIES, type TaskSpec } from '../../pipeline/schema.js';
import { taskActivityOptions } from '../task-activity.js';
import type { FailureView } from './failure-view.js';

/** Marks the runs whose units count attempts themselves (replay keeps older histories on Temporal's). */
export const COUNTED_ATTEMPTS_PATCH = 'gantry-counted-attempts';

/**
 * How long an attempt may wait for its node's worker to pick it up. Slots are not the bound (reservations
 * are), so a live worker starts it within moments; past this the worker is taken as gone and the attempt
 * is a platform failure, instead of waiting for ever on a dead node.
 */
export const SCHEDULE_TO_START_SECONDS = 120;

/** The task's activity options when the run counts attempts: one Temporal attempt per activity. */
export function countedActivityOptions(task: TaskSpec, taskQueue: string): ActivityOptions {
  const options = taskActivityOptions(task, taskQueue);
  return {
    ...options,
    scheduleToStartTimeout: `${SCHEDULE_TO_START_SECONDS}s`,
    retry: { ...options.retry, maximumAttempts: 1 },
  };
}

export type Verdict =
  | { readonly kind: 'retry'; readonly isPlatform: boolean; readonly delayMs: number }
  | { readonly kind: 'fail'; readonly failureType?: string; readonly message: string };

export interface AttemptCount {
  /** The user's attempt that just ran (1-based). */
  readonly attempt: number;
  /** Platform re-runs so far, this failure not included. */
  readonly platformRetries: number;
}

/** What follows a failed attempt: run it again (the same attempt, or the next), or fail the task. */
export function judgeFailure(task: TaskSpec, count: AttemptCount, failure: FailureView): Verdict {
  const retry = task.retry;
  if (failure.type !== undefined && PLATFORM_FAILURES.includes(failure.type)) {
    const budget = retry.maxPlatformRetries ?? DEFAULT_MAX_PLATFORM_RETRIES;
    if (count.platformRetries >= budget) {
      return {
        kind: 'fail',
        failureType: FailureType.PlatformRetriesExhausted,
        message: `the platform failed attempt ${count.attempt} ${count.platformRetries + 1} times (retry.maxPlatformRetries=${budget}); last: ${failure.message}`,
      };
    }
    return { kind: 'retry', isPlatform: true, delayMs: platformDelayMs(count.platformRetries + 1) };
  }
  const isFinal =
    (failure.type !== undefined && (NON_RETRYABLE_FAILURES as readonly string[]).includes(failure.type)) ||
    count.attempt >= retry.maxAttempts;
  if (isFinal) {
    return { kind: 'fail', ...(failure.type ? { failureType: failure.type } : {}), message: failure.message };
  }
  return { kind: 'retry', isPlatform: false, delayMs: userDelayMs(task, count.attempt) };
}

/** The task's own backoff before attempt `attempt + 1`, as Temporal's retry policy computes it. */
export function userDelayMs(task: TaskSpec, attempt: number): number {
  const { initialIntervalSeconds, backoffCoefficient, maximumIntervalSeconds } = task.retry;
  const seconds = initialIntervalSeconds * backoffCoefficient ** (attempt - 1);
  return Math.round(Math.min(seconds, maximumIntervalSeconds) * 1000);
}

const PLATFORM_FIRST_DELAY_MS = 1000;
const PLATFORM_MAX_DELAY_MS = 30_000;

/**
 * Before the n-th platform re-run: 1 s, doubling, at most 30 s. The default budget of 10 then rides out
 * about four minutes of a dead worker or engine, plus each attempt's own wait for a worker.
 */
export function platformDelayMs(n: number): number {
  return Math.min(PLATFORM_FIRST_DELAY_MS * 2 ** (n - 1), PLATFORM_MAX_DELAY_MS);
}
