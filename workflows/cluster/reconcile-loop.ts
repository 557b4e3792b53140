/**
 * Reconciliation (issue #11): a run that is terminated, times out, or fails outside its task path never
 * sends `releaseRun`, so the service would hold its reservations for good. While the service holds or
 * queues anything, a durable timer asks a control activity, every interval, which of the runs it holds for
 * are closed, and the service frees what they held. Closed runs are facts read through an activity, so
 * replay sees the same answer.
 */
import { condition, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { ReconcileActivities } from '../definitions.js';

/** Marks the service executions that reconcile (replay keeps older histories without the timer). */
export const RECONCILE_PATCH = 'gantry-cluster-reconcile';

export const DEFAULT_RECONCILE_SECONDS = 60;

/** One round: the timer, the activity, and the workflow tasks around them. */
export const EVENTS_PER_RECONCILE = 11;

export interface ReconcileHooks {
  readonly intervalSeconds: () => number;
  /** Whether any run holds or waits for room (cheap: checked after every activation). */
  readonly isHolding: () => boolean;
  /** The distinct runs that hold or wait for room. */
  readonly heldRuns: () => readonly string[];
  /** True once the service hands over: the loop stops, and the next execution starts its own. */
  readonly isStopping: () => boolean;
  /** Called before each round, to count its events. */
  readonly onRound: () => void;
  /** The runs found closed; the service frees what they held. */
  readonly onClosed: (runs: readonly string[]) => void;
}

export async function reconcileLoop(hooks: ReconcileHooks): Promise<void> {
  const activities = proxyActivities<ReconcileActivities>({
    taskQueue: workflowInfo().taskQueue,
    startToCloseTimeout: '1m',
    retry: { maximumAttempts: 3 },
    summary: 'reconcile: which runs holding room are closed',
  });
  for (;;) {
    // No timer while the service holds nothing: an idle cluster's history stays still.
    await condition(() => hooks.isStopping() || hooks.isHolding());
    if (hooks.isStopping()) return;
    await sleep(hooks.intervalSeconds() * 1000);
    const runs = hooks.heldRuns();
    if (hooks.isStopping()) return;
    if (runs.length === 0) continue;
    hooks.onRound();
    let closed: readonly string[];
    try {
      closed = await activities.closedRuns({ workflowIds: [...runs] });
    } catch {
      continue; // The server or the control worker is away: the next round asks again.
    }
    if (closed.length > 0) hooks.onClosed(closed);
  }
}
