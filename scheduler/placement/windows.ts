/**
 * Off-peak windows as time: whether a capacity group's windows are open at a given time, when that next
 * changes, which waiting flex tasks they hold back and which running ones a closed window evicts.
 * A window is the half-open interval [f, f + duration) after each fire time f of its cron expression; a
 * group is open while any of its windows is, so overlapping or touching windows merge into one.
 * Guarantees: pure (time is an argument, croner is always given the date), the same answer for the same
 * input. Cost: O(W) cron look-ups per group and question for W windows, plus up to MAX_MERGE_STEPS rounds
 * of them to find where merged windows end.
 */
import type { Cron } from 'croner';
import type { CapacityGroup } from '../../common/schedule-options.js';
import { DEFAULT_ON_WINDOW_CLOSE, type WindowSpec, windowCron } from '../../common/window-spec.js';
import type { Tier } from '../../pipeline/schema.js';

const MINUTE_MS = 60_000;
// Windows longer than their cron's period never close. The search for the end of merged windows stops
// after this many and reports the point it reached as the time to look again (`nextChangeAt`).
const MAX_MERGE_STEPS = 64;

export type WindowState =
  | {
      readonly isOpen: true;
      /** Undefined when the merged windows do not end within the search (they may never end). */
      readonly closesAt: number | undefined;
      /** When to look again: `closesAt`, or where the search for it stopped. */
      readonly nextChangeAt: number;
    }
  | {
      readonly isOpen: false;
      /** Undefined when no window of the group ever opens again. */
      readonly opensAt: number | undefined;
    };

interface Compiled {
  readonly cron: Cron;
  readonly durationMs: number;
}

function compile(windows: readonly WindowSpec[]): Compiled[] {
  return windows.map((w) => ({
    cron: windowCron(w),
    durationMs: w.durationMinutes * MINUTE_MS,
  }));
}

/** The first fire time strictly after `t`. */
function fireAfter(window: Compiled, t: number): number | undefined {
  return window.cron.nextRun(new Date(t))?.getTime();
}

/** The end of the earliest-started occurrence of `window` that contains `t`, if one does. */
function coveringEnd(window: Compiled, t: number): number | undefined {
  const start = fireAfter(window, t - window.durationMs);
  return start !== undefined && start <= t ? start + window.durationMs : undefined;
}

/** The furthest end among the occurrences of `windows` that contain `t`; undefined when none does. */
function furthestCoveringEnd(windows: readonly Compiled[], t: number): number | undefined {
  let end: number | undefined;
  for (const window of windows) {
    const e = coveringEnd(window, t);
    if (e !== undefined && (end === undefined || e > end)) end = e;
  }
  return end;
}

/** Whether any of `windows` is open at `at`, and when that changes. */
export function windowStateAt(windows: readonly WindowSpec[], at: number): WindowState {
  const compiled = compile(windows);
  let end = furthestCoveringEnd(compiled, at);
  if (end === undefined) {
    let opensAt: number | undefined;
    for (const window of compiled) {
      const f = fireAfter(window, at);
      if (f !== undefined && (opensAt === undefined || f < opensAt)) opensAt = f;
    }
    return { isOpen: false, opensAt };
  }
  // Each round jumps to the end of an occurrence that contains the current point, so the group is open all
  // the way; the windows close at the first point no occurrence contains.
  for (let step = 0; step < MAX_MERGE_STEPS; step++) {
    const further = furthestCoveringEnd(compiled, end);
    if (further === undefined) return { isOpen: true, closesAt: end, nextChangeAt: end };
    end = further;
  }
  return { isOpen: true, closesAt: undefined, nextChangeAt: end };
}

/** The window state of every group that has windows. */
export function groupWindowStates(
  groups: Readonly<Record<string, CapacityGroup>> | undefined,
  at: number,
): Map<string, WindowState> {
  const states = new Map<string, WindowState>();
  for (const name of Object.keys(groups ?? {}).sort()) {
    const windows = groups![name]!.windows;
    if (windows && windows.length > 0) states.set(name, windowStateAt(windows, at));
  }
  return states;
}

/** The earliest time any group's window opens or closes; undefined when none ever will. */
export function nextWindowChange(states: ReadonlyMap<string, WindowState>): number | undefined {
  let next: number | undefined;
  for (const state of states.values()) {
    const at = state.isOpen ? state.nextChangeAt : state.opensAt;
    if (at !== undefined && (next === undefined || at < next)) next = at;
  }
  return next;
}

interface Tiered {
  readonly tier: Tier;
  readonly group?: string;
}

/**
 * Splits waiting tasks into those offered to `schedule()` and the flex tasks of a group whose windows are
 * closed, which wait for the next opening. Critical tasks are never held back.
 */
export function holdOutsideWindows<T extends Tiered>(
  tasks: Iterable<T>,
  states: ReadonlyMap<string, WindowState>,
): { offered: T[]; held: { task: T; opensAt: number | undefined }[] } {
  const offered: T[] = [];
  const held: { task: T; opensAt: number | undefined }[] = [];
  for (const task of tasks) {
    const state = task.tier === 'flex' && task.group !== undefined ? states.get(task.group) : undefined;
    if (state && !state.isOpen) held.push({ task, opensAt: state.opensAt });
    else offered.push(task);
  }
  return { offered, held };
}

/** Running flex tasks of `onWindowClose: preempt` groups whose windows are closed: to preempt and re-queue. */
export function closedWindowVictims<T extends Tiered>(
  allocations: Iterable<T>,
  groups: Readonly<Record<string, CapacityGroup>> | undefined,
  states: ReadonlyMap<string, WindowState>,
): T[] {
  return [...allocations].filter((a) => {
    if (a.tier !== 'flex' || a.group === undefined) return false;
    const policy = groups?.[a.group]?.onWindowClose ?? DEFAULT_ON_WINDOW_CLOSE;
    return policy === 'preempt' && states.get(a.group)?.isOpen === false;
  });
}

/** Why a held task waits, for `gantry cluster show`. */
export function outsideWindowReason(opensAt: number | undefined): string {
  return opensAt === undefined
    ? 'outside its window, which never opens again'
    : `outside its window, next opens at ${new Date(opensAt).toISOString()}`;
}
