/** The one place a shell error becomes what crosses Temporal: an ApplicationFailure typed by its failure. */
import { ApplicationFailure, Context } from '@temporalio/activity';
import { NON_RETRYABLE_FAILURES } from '../common/failure-types.js';
import { GantryActivityError } from './errors.js';
import { TaskAttemptError } from './run-container.js';
import type { TaskFailureDetails } from './types.js';

/** Errors that are not the shell's own (cancellation, bugs) pass through unchanged. */
export function toFailure(err: unknown, nodeId: string, attempt?: number): unknown {
  if (!(err instanceof GantryActivityError)) return err;
  const details: TaskFailureDetails = {
    attempt: attempt ?? Context.current().info.attempt,
    exitCode: err instanceof TaskAttemptError ? err.exitCode : null,
    node: nodeId,
    logTail: err instanceof TaskAttemptError ? err.logTail : '',
  };
  return ApplicationFailure.create({
    type: err.failureType,
    message: err.message,
    nonRetryable: NON_RETRYABLE_FAILURES.includes(err.failureType),
    details: [details],
    cause: err,
  });
}
