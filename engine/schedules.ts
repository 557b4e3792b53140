/**
 * Gantry's schedules are Temporal Schedules: the server keeps the timers, overlap policies, catch-up,
 * backfill and pause, and starts each firing as an ordinary run. The action is one static `runPipeline`
 * input with an empty run id; each run takes its id and `{{ run.scheduledTime }}` from the workflow id and
 * the nominal time Temporal gives it (workflows/run-pipeline.ts resolveRunInput).
 */
import {
  type Client,
  type ScheduleDescription,
  type ScheduleHandle,
  type ScheduleOptionsStartWorkflowAction,
  type ScheduleSpec,
  ScheduleAlreadyRunning,
  ScheduleNotFoundError,
  WorkflowNotFoundError,
  isGrpcServiceError,
} from '@temporalio/client';
import {
  SearchAttribute,
  clusterWorkflowId,
  runIdFromWorkflowId,
  scheduleActionWorkflowId,
} from '../common/names.js';
import type { PipelineSpec, ScheduleOverlap } from '../pipeline/schema.js';
import type { RunOrigin, RunPipelineInput } from '../workflows/definitions.js';
import type { runPipeline } from '../workflows/index.js';
import type { GantryConfig } from './config.js';
import {
  SchedulePipelineMismatchError,
  ScheduleExistsError,
  ScheduleRejectedError,
  UnknownScheduleError,
} from './errors.js';
import { runStartMetadata } from './run-metadata.js';
import {
  OVERLAP_POLICY,
  SCHEDULE_MEMO_KEY,
  type ScheduleListItem,
  type ScheduleMemo,
  type ScheduleTiming,
  type ScheduleView,
  type ScheduledRun,
  nominalTimeOf,
  overlapFromPolicy,
  readScheduleMemo,
  runStatusOf,
  timingFields,
} from './schedule-view.js';

export interface NewSchedule {
  readonly id: string;
  /** The pipeline with the `--param` values applied. */
  readonly spec: PipelineSpec;
  /** The `--param` values, kept in the memo so that `update` applies them to a new version. */
  readonly params: Readonly<Record<string, string>>;
  readonly timing: ScheduleTiming;
  readonly overlap: ScheduleOverlap;
  readonly jitterSeconds?: number;
  readonly catchupWindowSeconds?: number;
  readonly isPausedOnFailure?: boolean;
  readonly note?: string;
  readonly isPaused?: boolean;
}

/** Nothing is created when the server refuses the spec or the id is taken. */
export async function createSchedule(
  client: Client,
  config: GantryConfig,
  schedule: NewSchedule,
): Promise<void> {
  const memo: ScheduleMemo = {
    version: 1,
    pipeline: schedule.spec.name,
    cluster: config.clusterName,
    controlTaskQueue: config.controlTaskQueue,
    timing: schedule.timing,
    params: schedule.params,
  };
  try {
    await client.schedule.create({
      scheduleId: schedule.id,
      spec: scheduleSpec(schedule.timing, schedule.jitterSeconds),
      action: scheduleAction(schedule.id, memo, schedule.spec),
      policies: {
        overlap: OVERLAP_POLICY[schedule.overlap],
        ...(schedule.catchupWindowSeconds === undefined
          ? {}
          : { catchupWindow: schedule.catchupWindowSeconds * 1000 }),
        pauseOnFailure: schedule.isPausedOnFailure ?? false,
      },
      memo: { [SCHEDULE_MEMO_KEY]: memo },
      state: {
        paused: schedule.isPaused ?? false,
        ...(schedule.note === undefined ? {} : { note: schedule.note }),
      },
    });
  } catch (err) {
    if (err instanceof ScheduleAlreadyRunning) throw new ScheduleExistsError(schedule.id, { cause: err });
    throw asRejection(schedule.id, err);
  }
}

function scheduleSpec(timing: ScheduleTiming, jitterSeconds: number | undefined): ScheduleSpec {
  const jitter = jitterSeconds ? { jitter: jitterSeconds * 1000 } : {};
  if (timing.kind === 'every') return { intervals: [{ every: timing.everySeconds * 1000 }], ...jitter };
  return {
    cronExpressions: [timing.cron],
    ...(timing.timezone === undefined ? {} : { timezone: timing.timezone }),
    ...jitter,
  };
}

function scheduleAction(
  id: string,
  memo: ScheduleMemo,
  spec: PipelineSpec,
): ScheduleOptionsStartWorkflowAction<typeof runPipeline> {
  const origin: RunOrigin = { kind: 'schedule', scheduleId: id };
  const input: RunPipelineInput = {
    runId: '',
    spec,
    clusterWorkflowId: clusterWorkflowId(memo.cluster),
    origin,
  };
  return {
    type: 'startWorkflow',
    workflowType: 'runPipeline',
    workflowId: scheduleActionWorkflowId(id),
    taskQueue: memo.controlTaskQueue,
    args: [input],
    ...runStartMetadata(spec, origin),
  };
}

const GRPC_INVALID_ARGUMENT = 3;

/** The server's refusal of a spec comes back as a TypeError or an INVALID_ARGUMENT service error. */
function asRejection(id: string, err: unknown): unknown {
  if (err instanceof TypeError) return new ScheduleRejectedError(id, err.message, { cause: err });
  const cause = (err as { cause?: unknown } | null)?.cause;
  if (isGrpcServiceError(cause) && Number(cause.code) === GRPC_INVALID_ARGUMENT)
    return new ScheduleRejectedError(id, cause.details, { cause: err });
  return err;
}

interface OpenedSchedule {
  readonly handle: ScheduleHandle;
  readonly description: ScheduleDescription;
  readonly memo: ScheduleMemo;
}

/** A Gantry schedule by id; UnknownScheduleError when there is none, or it is not Gantry's. */
async function openSchedule(client: Client, id: string): Promise<OpenedSchedule> {
  const handle = client.schedule.getHandle(id);
  let description: ScheduleDescription;
  try {
    description = await handle.describe();
  } catch (err) {
    if (err instanceof ScheduleNotFoundError) throw new UnknownScheduleError(id, { cause: err });
    throw err;
  }
  const memo = readScheduleMemo(description.memo);
  if (!memo) throw new UnknownScheduleError(id, { isForeign: true });
  return { handle, description, memo };
}

/** What Gantry keeps on the schedule: its pipeline, timing and `--param` values (for `update`). */
export async function readGantrySchedule(client: Client, id: string): Promise<ScheduleMemo> {
  return (await openSchedule(client, id)).memo;
}

/** Replaces the pipeline the schedule starts; the next firing runs `spec`. Timing, policies and state stay. */
export async function updateSchedulePipeline(client: Client, id: string, spec: PipelineSpec): Promise<void> {
  const { handle, memo } = await openSchedule(client, id);
  if (spec.name !== memo.pipeline) throw new SchedulePipelineMismatchError(id, memo.pipeline, spec.name);
  try {
    await handle.update((previous) => ({ ...previous, action: scheduleAction(id, memo, spec) }));
  } catch (err) {
    throw asRejection(id, err);
  }
}

export async function pauseSchedule(client: Client, id: string, note?: string): Promise<void> {
  const { handle } = await openSchedule(client, id);
  await handle.pause(note ?? 'paused with `gantry schedule pause`');
}

export async function unpauseSchedule(client: Client, id: string): Promise<void> {
  const { handle } = await openSchedule(client, id);
  await handle.unpause('unpaused with `gantry schedule unpause`');
}

/** Starts one run now, even while another runs: the overlap policy governs fire times, not a trigger. */
export async function triggerSchedule(client: Client, id: string): Promise<void> {
  const { handle } = await openSchedule(client, id);
  await handle.trigger('ALLOW_ALL');
}

/** Deletes the schedule; runs it started are left as they are. */
export async function deleteSchedule(client: Client, id: string): Promise<void> {
  const { handle } = await openSchedule(client, id);
  await handle.delete();
}

/**
 * A run for every fire time in [from, to], both ends included. Temporal compares a fire time *after*
 * jitter with the end, so the end is extended by the jitter: a last fire time that jitter pushed past `to`
 * still runs (and a fire time less than the jitter after `to` runs too).
 */
export async function backfillSchedule(
  client: Client,
  id: string,
  range: { readonly from: Date; readonly to: Date; readonly overlap: ScheduleOverlap },
): Promise<void> {
  const { handle, description } = await openSchedule(client, id);
  const jitterMs = description.spec.jitter ?? 0;
  await handle.backfill({
    start: range.from,
    end: new Date(range.to.getTime() + jitterMs),
    overlap: OVERLAP_POLICY[range.overlap],
  });
}

/** Gantry's schedules in the namespace, by id (Temporal's list is eventually consistent). */
export async function listSchedules(client: Client): Promise<ScheduleListItem[]> {
  const items: ScheduleListItem[] = [];
  for await (const summary of client.schedule.list()) {
    const memo = readScheduleMemo(summary.memo);
    if (!memo) continue;
    const last = summary.info.recentActions.at(-1);
    items.push({
      id: summary.scheduleId,
      pipeline: memo.pipeline,
      cluster: memo.cluster,
      ...timingFields(memo.timing),
      paused: summary.state.paused,
      note: summary.state.note || null,
      nextFireTime: summary.info.nextActionTimes[0]?.toISOString() ?? null,
      lastFiredAt: last?.takenAt.toISOString() ?? null,
    });
  }
  return items.sort((a, b) => a.id.localeCompare(b.id));
}

const NEXT_FIRE_TIMES = 5;

/** The schedule, its next fire times and its recent runs with their status (each run's workflow looked up). */
export async function describeSchedule(client: Client, id: string): Promise<ScheduleView> {
  const { description: d, memo } = await openSchedule(client, id);
  const input = d.action.args?.[0] as RunPipelineInput | undefined;
  const recent = [...d.info.recentActions].reverse();
  const recentRuns = await Promise.all(
    recent.map((action) => scheduledRun(client, action.action.workflow.workflowId, action.takenAt)),
  );
  return {
    id,
    pipeline: input?.spec?.name ?? memo.pipeline,
    cluster: memo.cluster,
    controlTaskQueue: memo.controlTaskQueue,
    ...timingFields(memo.timing),
    jitterSeconds: (d.spec.jitter ?? 0) / 1000,
    policies: {
      overlap: overlapFromPolicy(d.policies.overlap),
      catchupWindowSeconds: d.policies.catchupWindow / 1000,
      pauseOnFailure: d.policies.pauseOnFailure,
    },
    params: input?.spec?.params ?? {},
    paramOverrides: memo.params,
    paused: d.state.paused,
    note: d.state.note || null,
    nextFireTime: d.info.nextActionTimes[0]?.toISOString() ?? null,
    nextFireTimes: d.info.nextActionTimes.slice(0, NEXT_FIRE_TIMES).map((t) => t.toISOString()),
    lastFiredAt: recent[0]?.takenAt.toISOString() ?? null,
    recentRuns,
    counts: {
      fired: d.info.numActionsTaken,
      skippedOverlap: d.info.numActionsSkippedOverlap,
      missedCatchupWindow: d.info.numActionsMissedCatchupWindow,
    },
    createdAt: d.info.createdAt.toISOString(),
    updatedAt: d.info.lastUpdatedAt?.toISOString() ?? null,
  };
}

async function scheduledRun(client: Client, workflowId: string, takenAt: Date): Promise<ScheduledRun> {
  let status = 'unknown';
  try {
    const described = await client.workflow.getHandle(workflowId).describe();
    const gantryStatus = described.searchAttributes[SearchAttribute.Status]?.[0];
    status = runStatusOf(described.status.name, typeof gantryStatus === 'string' ? gantryStatus : undefined);
  } catch (err) {
    // Past the namespace's retention a run's workflow is gone; the schedule still remembers it started.
    if (!(err instanceof WorkflowNotFoundError)) throw err;
  }
  return {
    runId: runIdFromWorkflowId(workflowId),
    workflowId,
    scheduledTime: nominalTimeOf(workflowId),
    startedAt: takenAt.toISOString(),
    status,
  };
}
