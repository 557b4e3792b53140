/** Decodes why an activity or child workflow failed: only the failure's `type` survives Temporal. */
import type { TaskFailureDetails } from '../../activities/types.js';
import { FailureType } from '../../common/failure-types.js';

export interface FailureView {
  readonly type?: string;
  readonly message: string;
  readonly details?: TaskFailureDetails;
}

/** Digs the ApplicationFailure out of Temporal's ActivityFailure / ChildWorkflowFailure wrappers. */
export function viewFailure(err: unknown): FailureView {
  let current: unknown = err;
  while (current && typeof current === 'object') {
    const failure = current as {
      type?: string;
      message?: string;
      details?: unknown[];
      cause?: unknown;
      name?: string;
    };
    if (failure.name === 'ApplicationFailure' || failure.type !== undefined) {
      const details = failure.details?.[0] as TaskFailureDetails | undefined;
      return {
        ...(failure.type ? { type: failure.type } : {}),
        message: failure.message ?? String(err),
        ...(details ? { details } : {}),
      };
    }
    if (failure.name === 'TimeoutFailure')
      return { type: FailureType.ActivityTimeout, message: failure.message ?? 'activity timed out' };
    current = failure.cause;
  }
  return { message: err instanceof Error ? err.message : String(err) };
}
