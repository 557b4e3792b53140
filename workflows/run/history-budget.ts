/**
 * An upper bound of a workflow's history length, counted from what the workflow itself caused. Decisions
 * based on it depend only on history events, never on how they were split into activations (which a cold
 * query can change, see cluster-service.ts), so they replay.
 */

/** Well under Temporal's 51,200-event limit and its 10,240-event warning. */
export const DEFAULT_MAX_HISTORY_EVENTS = 10_000;

/** Events of one placement + container attempt: request, decision, activity, release, and their tasks. */
export const EVENTS_PER_ATTEMPT = 20;
/** Events of a child workflow (a foreach slice or sub-pipeline): start, started, completed, tasks. */
export const EVENTS_PER_CHILD = 10;
/** Events of a short activity on the control queue (loading values, storing results). */
export const EVENTS_PER_LOCAL_STEP = 6;
/** A signal to a cluster service that is gone: its failure, the timer and their two workflow tasks. */
export const EVENTS_PER_SIGNAL_RETRY = 10;
export const EVENTS_AT_START = 10;

export class HistoryBudget {
  private used: number;
  constructor(
    private readonly max: number,
    initial = EVENTS_AT_START,
  ) {
    this.used = initial;
  }
  add(events: number): void {
    this.used += events;
  }
  get isExhausted(): boolean {
    return this.used > this.max;
  }
}
