/**
 * The cluster service's one durable timer for off-peak windows: armed for the next time a group's window
 * opens or closes, so that moment is an event in history (TimerFired) whose handler takes the decisions.
 * At most one timer is armed; arming it for another time cancels the old one.
 */
import { CancellationScope, isCancellation, sleep } from '@temporalio/workflow';

export interface WindowTimer {
  /**
   * Arms the timer for `at` (a window boundary in workflow time), or disarms it when `at` is undefined.
   * `now` only sets the timer's duration: replay does not compare durations, only the timer's sequence.
   */
  arm(at: number | undefined, now: number): void;
}

// Temporal refuses a timer of zero duration; a boundary already passed fires at once.
const MIN_TIMER_MS = 1;

/**
 * `onArmed` counts the timer's history events; `onFired(at)` runs in the activation of the TimerFired event,
 * with the boundary the timer was armed for.
 */
export function createWindowTimer(onArmed: () => void, onFired: (at: number) => void): WindowTimer {
  let armed: { readonly at: number; readonly scope: CancellationScope } | undefined;
  return {
    arm(at, now) {
      if (armed?.at === at) return;
      armed?.scope.cancel();
      armed = undefined;
      if (at === undefined) return;
      const timer = { at, scope: new CancellationScope() };
      armed = timer;
      onArmed();
      void timer.scope
        .run(() => sleep(Math.max(MIN_TIMER_MS, at - now)))
        .then(
          () => {
            if (armed === timer) armed = undefined;
            onFired(at);
          },
          (err: unknown) => {
            // A cancelled timer was replaced or disarmed; anything else is a bug and fails the task.
            if (!isCancellation(err)) throw err;
          },
        );
    },
  };
}
