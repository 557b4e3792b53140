/**
 * Schedules on the real Temporal server and Docker engine: interval firings, overlap `skip` against
 * `bufferOne`, pause/unpause/trigger, a backfill over a known range, `{{ run.scheduledTime }}` per fired
 * run, a new pipeline version, and the errors of bad ids and specs. Every schedule is deleted and every
 * run it started ended (cancelled, so its containers go) after the file.
 */
import { ScheduleNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Label, SearchAttribute, scheduleActionWorkflowId } from '../../common/names.js';
import {
  SchedulePipelineMismatchError,
  ScheduleExistsError,
  ScheduleRejectedError,
  UnknownScheduleError,
} from '../../engine/errors.js';
import { waitForRun } from '../../engine/runs.js';
import type { ScheduleView, ScheduledRun } from '../../engine/schedule-view.js';
import {
  type NewSchedule,
  backfillSchedule,
  createSchedule,
  deleteSchedule,
  describeSchedule,
  pauseSchedule,
  readGantrySchedule,
  triggerSchedule,
  unpauseSchedule,
  updateSchedulePipeline,
} from '../../engine/schedules.js';
import { applyParamOverrides } from '../../pipeline/apply-params.js';
import { parsePipeline } from '../../pipeline/parse.js';
import type { PipelineInput, PipelineSpec } from '../../pipeline/schema.js';
import type { runPipeline } from '../../workflows/index.js';
import { type TestCluster, docker, shTask, startTestCluster, waitFor } from './harness.js';

const suffix = Math.random().toString(16).slice(2, 8);
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** One task that writes `{{ run.scheduledTime }}` (and the `word` param) to its output `at`, then sleeps. */
function stampPipeline(name: string, options: { sleepSeconds?: number; word?: string } = {}): PipelineInput {
  const rest = options.sleepSeconds ? `; sleep ${options.sleepSeconds}` : '';
  return {
    name,
    params: { word: options.word ?? 'v1' },
    tasks: [
      shTask('t', `printf %s "$AT" > /gantry/outputs/at; printf %s "$WORD" > /gantry/outputs/word${rest}`, {
        env: { AT: '{{ run.scheduledTime }}', WORD: '{{ params.word }}' },
        outputs: { parameters: [{ name: 'at' }, { name: 'word' }] },
      }),
    ],
  };
}

describe('schedules', () => {
  let cluster: TestCluster;
  const created: string[] = [];
  const spec = (input: PipelineInput): PipelineSpec => parsePipeline(input, { nodes: cluster.spec.nodes });
  const create = async (
    schedule: Omit<NewSchedule, 'id' | 'params' | 'overlap'> & Partial<NewSchedule>,
    name: string,
  ) => {
    const id = `${name}-${suffix}`;
    created.push(id);
    await createSchedule(cluster.client, cluster.config, { id, params: {}, overlap: 'skip', ...schedule });
    return id;
  };
  const describeIt = (id: string) => describeSchedule(cluster.client, id);
  /** Waits until the schedule has started `count` runs; returns them oldest first. */
  const runsOf = async (id: string, count: number, timeoutMs = 30_000): Promise<ScheduledRun[]> => {
    const view = await waitFor(
      `${count} run(s) of ${id}`,
      async () => {
        const current = await describeIt(id);
        return current.recentRuns.length >= count ? current : undefined;
      },
      timeoutMs,
    );
    return [...view.recentRuns].reverse();
  };
  const finished = (run: ScheduledRun) =>
    waitForRun(cluster.client.workflow.getHandle<typeof runPipeline>(run.workflowId));
  const output = async (run: ScheduledRun, name: string) => {
    const state = await finished(run);
    expect(state.status, `${run.runId}: ${JSON.stringify(state.tasks)}`).toBe('succeeded');
    const value = state.tasks['t']?.outputs?.[name];
    return value?.kind === 'inline' ? value.value : undefined;
  };
  const execution = async (run: ScheduledRun) => {
    const described = await cluster.client.workflow.getHandle(run.workflowId).describe();
    return { startedAt: described.startTime.getTime(), closedAt: described.closeTime?.getTime() };
  };

  beforeAll(async () => {
    cluster = await startTestCluster('sched', [{ id: 'n1', cpu: 4, memoryMiB: 2048 }]);
  });

  afterAll(async () => {
    const { client } = cluster;
    for (const id of created) await deleteSchedule(client, id).catch(() => undefined);
    // With their schedules gone nothing new starts: cancel what still runs, so its containers are removed.
    const prefixes = created.map((id) => `WorkflowId STARTS_WITH '${scheduleActionWorkflowId(id)}-'`);
    const runIds: string[] = [];
    if (prefixes.length > 0) {
      for await (const run of client.workflow.list({ query: prefixes.join(' OR ') })) {
        runIds.push(run.workflowId.replace(/^gantry-run-/, ''));
        if (run.status.name !== 'RUNNING') continue;
        const handle = client.workflow.getHandle<typeof runPipeline>(run.workflowId);
        await handle.cancel().catch(() => undefined);
        await waitForRun(handle).catch(() => undefined);
      }
    }
    await cluster.stop();
    const leftovers = (
      await Promise.all(runIds.map((id) => docker.findContainers({ [Label.Run]: id })))
    ).flat();
    for (const c of leftovers) await docker.removeContainer(c.id);
    expect(leftovers.map((c) => c.name)).toEqual([]);
  });

  it('fires an --every 5s schedule at least twice, each run a normal run rendering its own scheduled time', async () => {
    // allowAll: on a loaded machine a run can outlast 5s, and skip would then drop the next fire time.
    const id = await create(
      {
        spec: spec(stampPipeline('sched-every')),
        timing: { kind: 'every', everySeconds: 5 },
        overlap: 'allowAll',
      },
      'every',
    );
    const runs = await runsOf(id, 2, 20_000);
    const [first, second] = runs as [ScheduledRun, ScheduledRun];
    expect(first.runId).toBe(`${id}-${first.scheduledTime!.replace('.000Z', 'Z')}`);
    expect(Date.parse(second.scheduledTime!) - Date.parse(first.scheduledTime!)).toBe(5000);
    // Interval times are multiples of the interval since the epoch.
    expect(Date.parse(first.scheduledTime!) % 5000).toBe(0);
    for (const run of [first, second]) {
      expect(await output(run, 'at')).toBe(run.scheduledTime);
      const state = await finished(run);
      expect(state).toMatchObject({
        runId: run.runId,
        pipeline: 'sched-every',
        origin: { kind: 'schedule', scheduleId: id },
      });
      const described = await cluster.client.workflow.getHandle(run.workflowId).describe();
      expect(described.searchAttributes).toMatchObject({
        [SearchAttribute.Schedule]: [id],
        [SearchAttribute.Pipeline]: ['sched-every'],
        [SearchAttribute.Trigger]: ['schedule'],
        [SearchAttribute.Status]: ['succeeded'],
      });
    }
    const view = await describeIt(id);
    expect(view.recentRuns.slice(-2).map((run) => run.status)).toEqual(['succeeded', 'succeeded']);
    expect(view).toMatchObject({
      everySeconds: 5,
      cron: null,
      paused: false,
      policies: { overlap: 'allowAll' },
    });
  });

  it('skips fire times while a run outlasts the interval under skip, and runs one of them after it under bufferOne', async () => {
    const slow = spec(stampPipeline('sched-overlap', { sleepSeconds: 6 }));
    const timing = { kind: 'every', everySeconds: 2 } as const;
    const [skipId, bufferId] = await Promise.all([
      create({ spec: slow, timing, overlap: 'skip' }, 'skip'),
      create({ spec: slow, timing, overlap: 'bufferOne' }, 'buffer'),
    ]);
    const [skipped, buffered] = await Promise.all([runsOf(skipId, 2), runsOf(bufferId, 2)]);
    // No overlap under either: each second run starts once the first has ended.
    for (const [first, second] of [skipped, buffered] as [ScheduledRun, ScheduledRun][]) {
      const [a, b] = await Promise.all([execution(first), execution(second)]);
      expect(a.closedAt).toBeDefined();
      expect(b.startedAt).toBeGreaterThanOrEqual(a.closedAt! - 50);
    }
    const waited = (run: ScheduledRun) => Date.parse(run.startedAt) - Date.parse(run.scheduledTime!);
    // skip: the fire times during the first run were dropped; the second run started on its own fire time
    // (give or take the scheduler's latency on a loaded machine).
    const skipView = await describeIt(skipId);
    expect(skipView.counts.skippedOverlap).toBeGreaterThanOrEqual(1);
    expect(waited(skipped[1]!)).toBeLessThan(2500);
    // bufferOne: a fire time during the first run was kept, and its run started late, when the first ended:
    // it is at most 2s after the first's, which lasts over 6s, so it waited about 4s or more.
    expect(waited(buffered[1]!)).toBeGreaterThanOrEqual(3500);
    expect(Date.parse(buffered[1]!.scheduledTime!)).toBeLessThan(Date.parse(buffered[0]!.startedAt) + 7000);
  });

  it('holds a paused schedule, starts a run on trigger, and fires again once unpaused', async () => {
    const id = await create(
      {
        spec: spec(stampPipeline('sched-pause')),
        timing: { kind: 'every', everySeconds: 2 },
        isPaused: true,
        note: 'created paused',
      },
      'pause',
    );
    await sleep(2500);
    expect(await describeIt(id)).toMatchObject({
      paused: true,
      note: 'created paused',
      counts: { fired: 0 },
    });

    await triggerSchedule(cluster.client, id);
    const [triggered] = await runsOf(id, 1);
    expect(await output(triggered!, 'at')).toBe(triggered!.scheduledTime);
    expect((await describeIt(id)).paused).toBe(true);

    await unpauseSchedule(cluster.client, id);
    await runsOf(id, 2, 10_000);
    expect((await describeIt(id)).paused).toBe(false);

    await pauseSchedule(cluster.client, id, 'maintenance');
    const paused = await describeIt(id);
    expect(paused).toMatchObject({ paused: true, note: 'maintenance' });
    await sleep(2500);
    expect((await describeIt(id)).counts.fired).toBe(paused.counts.fired);
  });

  it('backfills a run for every fire time of an hourly cron in a range, both ends included, despite jitter', async () => {
    const id = await create(
      {
        spec: spec(stampPipeline('sched-backfill')),
        timing: { kind: 'cron', cron: '0 * * * *' },
        jitterSeconds: 20 * 60,
        isPaused: true,
      },
      'backfill',
    );
    await backfillSchedule(cluster.client, id, {
      from: new Date('2026-01-01T01:00:00Z'),
      to: new Date('2026-01-01T05:00:00Z'),
      overlap: 'allowAll',
    });
    const runs = await runsOf(id, 5);
    const hours = ['01', '02', '03', '04', '05'].map((h) => `2026-01-01T${h}:00:00.000Z`);
    expect(runs.map((run) => run.scheduledTime).sort()).toEqual(hours);
    expect((await Promise.all(runs.map((run) => output(run, 'at')))).sort()).toEqual(hours);
    expect((await describeIt(id)).counts.fired).toBe(5);
  });

  it('runs the new version of the pipeline from the next firing on, with the params it was created with', async () => {
    const v1 = applyParamOverrides(spec(stampPipeline('sched-update')), { word: 'kept' });
    const id = await create(
      { spec: v1, params: { word: 'kept' }, timing: { kind: 'cron', cron: '@yearly' }, isPaused: true },
      'update',
    );
    await triggerSchedule(cluster.client, id);
    const [first] = await runsOf(id, 1);
    expect(await output(first!, 'word')).toBe('kept');

    const memo = await readGantrySchedule(cluster.client, id);
    const v2input = stampPipeline('sched-update');
    v2input.tasks[0]!.command = [
      'sh',
      '-c',
      'printf "v2-%s" "$WORD" > /gantry/outputs/word; printf %s "$AT" > /gantry/outputs/at',
    ];
    await updateSchedulePipeline(cluster.client, id, applyParamOverrides(spec(v2input), memo.params));
    await triggerSchedule(cluster.client, id);
    const [, second] = await runsOf(id, 2);
    expect(await output(second!, 'word')).toBe('v2-kept');

    await expect(
      updateSchedulePipeline(cluster.client, id, spec(stampPipeline('other-name'))),
    ).rejects.toThrow(SchedulePipelineMismatchError);
  });

  it("lists a cron schedule's next 5 fire times in its time zone, and refuses bad ids and specs", async () => {
    const id = await create(
      {
        spec: spec(stampPipeline('sched-describe')),
        timing: { kind: 'cron', cron: '0 3 * * *', timezone: 'Europe/Paris' },
        catchupWindowSeconds: 3600,
      },
      'describe',
    );
    const view: ScheduleView = await describeIt(id);
    expect(view).toMatchObject({
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      policies: { overlap: 'skip', catchupWindowSeconds: 3600, pauseOnFailure: false },
      recentRuns: [],
    });
    expect(view.nextFireTimes).toHaveLength(5);
    const parisHour = new Intl.DateTimeFormat('en-GB', {
      timeZone: 'Europe/Paris',
      hour: '2-digit',
      minute: '2-digit',
    });
    for (const time of view.nextFireTimes) expect(parisHour.format(new Date(time))).toBe('03:00');
    const days = view.nextFireTimes.map((time) => Date.parse(time));
    for (let i = 1; i < days.length; i++) expect(days[i]! - days[i - 1]!).toBe(86_400_000);

    await expect(
      createSchedule(cluster.client, cluster.config, {
        id,
        spec: spec(stampPipeline('sched-describe')),
        params: {},
        overlap: 'skip',
        timing: { kind: 'every', everySeconds: 60 },
      }),
    ).rejects.toThrow(ScheduleExistsError);
    const badId = `bad-${suffix}`;
    created.push(badId);
    await expect(
      createSchedule(cluster.client, cluster.config, {
        id: badId,
        spec: spec(stampPipeline('sched-bad')),
        params: {},
        overlap: 'skip',
        timing: { kind: 'cron', cron: '61 * * * *' },
      }),
    ).rejects.toThrow(ScheduleRejectedError);
    await expect(describeIt(badId)).rejects.toThrow(UnknownScheduleError);

    // A schedule someone else made in the namespace is not Gantry's to show or change.
    const foreign = `foreign-${suffix}`;
    const handle = await cluster.client.schedule.create({
      scheduleId: foreign,
      spec: { intervals: [{ every: '1h' }] },
      action: { type: 'startWorkflow', workflowType: 'elsewhere', taskQueue: `nowhere-${suffix}` },
      state: { paused: true },
    });
    try {
      await expect(describeIt(foreign)).rejects.toThrow(`schedule "${foreign}" was not created by Gantry`);
      await expect(deleteSchedule(cluster.client, foreign)).rejects.toThrow(UnknownScheduleError);
    } finally {
      await handle.delete();
    }
    await expect(handle.describe()).rejects.toThrow(ScheduleNotFoundError);
  });
});
