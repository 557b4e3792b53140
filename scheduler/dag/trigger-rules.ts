/**
 * Trigger rules (Airflow's all_success, all_done, one_success, one_failed, all_failed, none_failed): from a
 * task's counts of upstream outcomes, decide whether it runs now, never, or not yet. Each rule is monotone
 * in the counts, which only grow, so a decision once taken never needs revisiting. O(1) per call.
 *
 * Counting conventions: a cached upstream counts as succeeded, a cancelled one as failed, and a skipped
 * one (by its own rule or its `when`) as skipped. A task without upstream tasks is ready at once.
 */
import type { TriggerRule } from '../../pipeline/schema.js';
import { SchedulerError } from './errors.js';

export interface UpstreamCounts {
  /** Distinct upstream tasks. */
  readonly upstream: number;
  readonly succeeded: number;
  readonly failed: number;
  readonly skipped: number;
  /** succeeded + failed + skipped. */
  readonly done: number;
}

export type TriggerDecision = 'ready' | 'skip' | 'wait';

export const DEFAULT_TRIGGER_RULE: TriggerRule = 'allSucceeded';

export function evaluateTrigger(rule: TriggerRule, counts: UpstreamCounts): TriggerDecision {
  const { upstream, succeeded, failed, skipped, done } = counts;
  if (upstream === 0) return 'ready';
  const isAllDone = done === upstream;
  switch (rule) {
    case 'allSucceeded':
      return failed + skipped > 0 ? 'skip' : succeeded === upstream ? 'ready' : 'wait';
    case 'allDone':
      return isAllDone ? 'ready' : 'wait';
    case 'anySucceeded':
      return succeeded > 0 ? 'ready' : isAllDone ? 'skip' : 'wait';
    case 'anyFailed':
      return failed > 0 ? 'ready' : isAllDone ? 'skip' : 'wait';
    case 'allFailed':
      return succeeded + skipped > 0 ? 'skip' : failed === upstream ? 'ready' : 'wait';
    case 'noneFailed':
      return failed > 0 ? 'skip' : isAllDone ? 'ready' : 'wait';
    default:
      return assertNever(rule);
  }
}

// createDagState rejects unknown rules, so this only guards the switch's exhaustiveness.
function assertNever(value: never): never {
  throw new SchedulerError(`unknown trigger rule ${JSON.stringify(value)}`);
}
