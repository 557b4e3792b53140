/**
 * What Gantry keeps on a Temporal schedule and shows of it. A schedule is Gantry's when its memo has a
 * `gantry` entry (ScheduleMemo): that is how `gantry schedule list` tells its schedules from others in the
 * namespace. The memo also keeps what Temporal does not give back as it was written: the cron text (the
 * server returns compiled calendars), and the `--param` values, which `update` lays over a new version.
 * The view types are the stable `--json` forms of `list` and `describe`. Pure.
 */
import type { ScheduleOverlapPolicy } from '@temporalio/client';
import type { ScheduleOverlap } from '../pipeline/schema.js';

export const SCHEDULE_MEMO_KEY = 'gantry';

/** When a schedule fires: a cron expression (5 fields, in a time zone) or a fixed interval. */
export type ScheduleTiming =
  | { readonly kind: 'cron'; readonly cron: string; readonly timezone?: string }
  | { readonly kind: 'every'; readonly everySeconds: number };

export interface ScheduleMemo {
  readonly version: 1;
  /** The pipeline's name; an update must keep it (the runs' GantryPipeline search attribute). */
  readonly pipeline: string;
  readonly cluster: string;
  readonly controlTaskQueue: string;
  readonly timing: ScheduleTiming;
  /** The `--param` values given at creation, applied again to every new version. */
  readonly params: Readonly<Record<string, string>>;
}

/** The memo's Gantry entry, or undefined when the schedule is not Gantry's (or of an unknown version). */
export function readScheduleMemo(memo: Record<string, unknown> | undefined): ScheduleMemo | undefined {
  const entry = memo?.[SCHEDULE_MEMO_KEY] as Partial<ScheduleMemo> | undefined;
  if (entry?.version !== 1 || typeof entry.pipeline !== 'string' || entry.timing === undefined)
    return undefined;
  return entry as ScheduleMemo;
}

/** Gantry's overlap names (the contract's) to the SDK's. */
export const OVERLAP_POLICY: Readonly<Record<ScheduleOverlap, Exclude<ScheduleOverlapPolicy, undefined>>> = {
  skip: 'SKIP',
  bufferOne: 'BUFFER_ONE',
  bufferAll: 'BUFFER_ALL',
  cancelOther: 'CANCEL_OTHER',
  terminateOther: 'TERMINATE_OTHER',
  allowAll: 'ALLOW_ALL',
};

export function overlapFromPolicy(policy: ScheduleOverlapPolicy): ScheduleOverlap {
  const found = Object.entries(OVERLAP_POLICY).find(([, value]) => value === policy);
  return (found?.[0] as ScheduleOverlap | undefined) ?? 'skip';
}

/** A run the schedule started, with its Gantry status (`terminated`, `timedOut` or `unknown` when Gantry had none). */
export interface ScheduledRun {
  readonly runId: string;
  readonly workflowId: string;
  /** The nominal fire time (ISO-8601): what `{{ run.scheduledTime }}` rendered. */
  readonly scheduledTime: string | null;
  /** When Temporal started the run (after jitter, and after waiting in a buffer). */
  readonly startedAt: string;
  readonly status: string;
}

export interface ScheduleListItem {
  readonly id: string;
  readonly pipeline: string;
  readonly cluster: string;
  readonly cron: string | null;
  readonly timezone: string | null;
  readonly everySeconds: number | null;
  readonly paused: boolean;
  readonly note: string | null;
  readonly nextFireTime: string | null;
  readonly lastFiredAt: string | null;
}

export interface ScheduleView extends ScheduleListItem {
  readonly controlTaskQueue: string;
  readonly jitterSeconds: number;
  readonly policies: {
    readonly overlap: ScheduleOverlap;
    readonly catchupWindowSeconds: number;
    readonly pauseOnFailure: boolean;
  };
  /** The params the runs get: the pipeline's, with the schedule's `--param` values. */
  readonly params: Readonly<Record<string, string>>;
  /** The `--param` values given at creation. */
  readonly paramOverrides: Readonly<Record<string, string>>;
  readonly nextFireTimes: readonly string[];
  /** Newest first. */
  readonly recentRuns: readonly ScheduledRun[];
  readonly counts: {
    readonly fired: number;
    readonly skippedOverlap: number;
    readonly missedCatchupWindow: number;
  };
  readonly createdAt: string;
  readonly updatedAt: string | null;
}

export function timingFields(
  timing: ScheduleTiming,
): Pick<ScheduleListItem, 'cron' | 'timezone' | 'everySeconds'> {
  return timing.kind === 'cron'
    ? { cron: timing.cron, timezone: timing.timezone ?? 'UTC', everySeconds: null }
    : { cron: null, timezone: null, everySeconds: timing.everySeconds };
}

const NOMINAL_SUFFIX = /-(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ)$/;

/** The nominal time Temporal appended to a fired run's workflow id (`…-2026-12-01T03:00:00Z`), as ISO-8601. */
export function nominalTimeOf(workflowId: string): string | null {
  const stamp = NOMINAL_SUFFIX.exec(workflowId)?.[1];
  return stamp === undefined ? null : new Date(stamp).toISOString();
}

const GANTRY_END_STATUSES = new Set(['succeeded', 'failed', 'cancelled']);

/**
 * A run's status from its workflow: the GantryStatus search attribute when the run set a final one, else
 * what Temporal says (a terminated run never got to set its own).
 */
export function runStatusOf(temporalStatus: string, gantryStatus: string | undefined): string {
  if (temporalStatus === 'RUNNING') return 'running';
  if (gantryStatus !== undefined && GANTRY_END_STATUSES.has(gantryStatus)) return gantryStatus;
  switch (temporalStatus) {
    case 'COMPLETED':
      return 'succeeded';
    case 'FAILED':
      return 'failed';
    case 'CANCELLED':
      return 'cancelled';
    case 'TERMINATED':
      return 'terminated';
    case 'TIMED_OUT':
      return 'timedOut';
    default:
      return 'unknown';
  }
}
