/**
 * The flags of `gantry schedule create` and `backfill`, checked and merged with the pipeline's own
 * `schedule:` block (a flag overrides the block's field of the same name) before anything is contacted.
 * Every problem is an InvalidFlagError naming the flag and its value (exit code 2).
 */
import type { ScheduleTiming } from '../engine/schedule-view.js';
import { checkTimezone } from '../common/time-zone.js';
import { checkCron, parseDuration } from '../pipeline/check-schedule.js';
import { SCHEDULE_OVERLAPS, type PipelineSchedule, type ScheduleOverlap } from '../pipeline/schema.js';
import { InvalidFlagError } from './errors.js';

export interface ScheduleFlags {
  readonly cron?: string;
  readonly every?: string;
  readonly timezone?: string;
  readonly overlap?: string;
  readonly catchupWindow?: string;
  readonly jitter?: string;
  readonly pauseOnFailure?: boolean;
}

export interface ScheduleSettings {
  readonly timing: ScheduleTiming;
  readonly overlap: ScheduleOverlap;
  readonly jitterSeconds?: number;
  readonly catchupWindowSeconds?: number;
  readonly isPausedOnFailure: boolean;
}

// Schedule ids become run ids, log directories and container names: the pipeline id's alphabet.
const SCHEDULE_ID = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;
/** Temporal raises a shorter catch-up window to this without a word; say so instead. */
const MIN_CATCHUP_WINDOW_SECONDS = 10;

const show = (value: string) => JSON.stringify(value);

export function checkScheduleId(id: string): void {
  if (!SCHEDULE_ID.test(id)) {
    throw new InvalidFlagError(
      '--id',
      `${show(id)}: must be 1-63 lower-case letters, digits, "-" or "_", starting and ending alphanumeric`,
    );
  }
}

export function checkOverlap(flag: string, value: string): ScheduleOverlap {
  const overlap = SCHEDULE_OVERLAPS.find((name) => name === value);
  if (overlap === undefined)
    throw new InvalidFlagError(flag, `${show(value)}: expected one of ${SCHEDULE_OVERLAPS.join(', ')}`);
  return overlap;
}

function seconds(flag: string, value: string, minimum: number, why: string): number {
  const parsed = parseDuration(value);
  if (parsed.kind === 'invalid') throw new InvalidFlagError(flag, `${show(value)}: ${parsed.reason}`);
  if (parsed.seconds < minimum) throw new InvalidFlagError(flag, `${show(value)}: ${why}`);
  return parsed.seconds;
}

/** `file` names the pipeline in the message when neither the flags nor the file say when to fire. */
export function resolveScheduleSettings(
  flags: ScheduleFlags,
  own: PipelineSchedule | undefined,
  file: string,
): ScheduleSettings {
  if (flags.cron !== undefined && flags.every !== undefined)
    throw new InvalidFlagError('--cron', 'and --every: give one of them');
  const overlap =
    flags.overlap === undefined ? (own?.overlap ?? 'skip') : checkOverlap('--overlap', flags.overlap);
  const jitterSeconds =
    flags.jitter === undefined ? undefined : seconds('--jitter', flags.jitter, 0, 'must not be negative');
  const catchupWindowSeconds =
    flags.catchupWindow === undefined
      ? undefined
      : seconds(
          '--catchup-window',
          flags.catchupWindow,
          MIN_CATCHUP_WINDOW_SECONDS,
          `must be at least ${MIN_CATCHUP_WINDOW_SECONDS}s (Temporal's shortest catch-up window)`,
        );
  const timing = resolveTiming(flags, own, file);
  return {
    timing,
    overlap,
    ...(jitterSeconds === undefined ? {} : { jitterSeconds }),
    ...(catchupWindowSeconds === undefined ? {} : { catchupWindowSeconds }),
    isPausedOnFailure: flags.pauseOnFailure ?? false,
  };
}

function resolveTiming(
  flags: ScheduleFlags,
  own: PipelineSchedule | undefined,
  file: string,
): ScheduleTiming {
  if (flags.every !== undefined) {
    if (flags.timezone !== undefined)
      throw new InvalidFlagError(
        '--timezone',
        'applies to --cron only: an --every interval ignores time zones',
      );
    return { kind: 'every', everySeconds: seconds('--every', flags.every, 1, 'must be at least 1s') };
  }
  if (flags.cron !== undefined) {
    const problem = checkCron(flags.cron);
    if (problem) throw new InvalidFlagError('--cron', `${show(flags.cron)}: ${problem}`);
  }
  if (flags.timezone !== undefined) {
    const problem = checkTimezone(flags.timezone);
    if (problem) throw new InvalidFlagError('--timezone', `${show(flags.timezone)}: ${problem}`);
  }
  // The block's cron and time zone were checked when the file was parsed.
  const cron = (flags.cron ?? own?.cron)?.trim();
  if (cron === undefined) {
    throw new InvalidFlagError(
      '--cron',
      `or --every is needed: ${file} has no schedule: block (e.g. --cron "0 3 * * *" or --every 10m)`,
    );
  }
  const timezone = flags.timezone ?? own?.timezone;
  return { kind: 'cron', cron, ...(timezone === undefined ? {} : { timezone }) };
}

// ISO-8601 date, or date and time with optional seconds, fraction and offset.
const INSTANT = /^\d{4}-\d\d-\d\d(T\d\d:\d\d(:\d\d(\.\d+)?)?(Z|[+-]\d\d:\d\d)?)?$/;

/** An ISO-8601 instant; without an offset it is UTC (not the local time JavaScript would assume). */
export function parseInstant(flag: string, value: string): Date {
  const match = INSTANT.exec(value);
  const hasZone = match?.[4] !== undefined;
  const hasTime = match?.[1] !== undefined;
  const date = match ? new Date(hasTime && !hasZone ? `${value}Z` : value) : undefined;
  if (date === undefined || Number.isNaN(date.getTime()))
    throw new InvalidFlagError(
      flag,
      `${show(value)}: expected an ISO-8601 time such as 2026-12-01T03:00:00Z`,
    );
  return date;
}

export function parseBackfillRange(
  fromText: string,
  toText: string,
): { readonly from: Date; readonly to: Date } {
  const from = parseInstant('--from', fromText);
  const to = parseInstant('--to', toText);
  if (to < from) throw new InvalidFlagError('--to', `${show(toText)}: is before --from ${show(fromText)}`);
  return { from, to };
}
