/**
 * Bench only, never bundled into the product: Temporal's own ceiling on this server. A workflow that runs
 * `total` no-op activities with at most `concurrency` in flight, starting the next as soon as one ends, and
 * continues as new before its history passes `maxEvents` (as Gantry's workflows do), so a large N stays
 * under Temporal's limits. What Gantry adds on top (placement, state, DAG) is what the engine bench compares
 * against it.
 */
import { continueAsNew, proxyActivities, workflowInfo } from '@temporalio/workflow';

export interface BareActivities {
  noop(): Promise<void>;
}

export interface BareInput {
  readonly total: number;
  readonly concurrency: number;
  readonly maxEvents: number;
  /** Activities finished by earlier executions of this chain. */
  readonly done: number;
  readonly executions: number;
}

export interface BareResult {
  readonly activities: number;
  readonly executions: number;
}

const { noop } = proxyActivities<BareActivities>({
  startToCloseTimeout: '1 minute',
  retry: { maximumAttempts: 1 },
});

// ActivityTaskScheduled, Started and Completed, plus a share of the workflow tasks around them.
const EVENTS_PER_ACTIVITY = 6;

export async function benchBareActivities(input: BareInput): Promise<BareResult> {
  let started = input.done;
  let finished = input.done;
  const inFlight = new Set<Promise<void>>();
  // Stop starting while the activities in flight still fit under maxEvents.
  const isRoomLeft = () =>
    workflowInfo().historyLength + (inFlight.size + 1) * EVENTS_PER_ACTIVITY < input.maxEvents;
  const launch = () => {
    const done: Promise<void> = noop().then(() => {
      finished += 1;
      inFlight.delete(done);
    });
    inFlight.add(done);
    started += 1;
  };
  for (;;) {
    while (inFlight.size < input.concurrency && started < input.total && isRoomLeft()) launch();
    if (inFlight.size === 0) break;
    await Promise.race(inFlight);
  }
  if (finished < input.total)
    return continueAsNew<typeof benchBareActivities>({
      ...input,
      done: finished,
      executions: input.executions + 1,
    });
  return { activities: finished, executions: input.executions + 1 };
}
