/**
 * `gantry schedule …` through the real CLI: bad input exits 2 with one line naming the flag (or the file)
 * and creates nothing; a schedule made from a pipeline's own schedule: block is listed, described, runs on
 * the background worker `create` started (a normal run: status, logs, list), pauses, and is deleted.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../../engine/config.js';
import { connectClient } from '../../engine/connection.js';
import { UnknownScheduleError } from '../../engine/errors.js';
import type { ScheduleListItem, ScheduleView } from '../../engine/schedule-view.js';
import { describeSchedule, listSchedules } from '../../engine/schedules.js';
import { cliEnv, runGantry, terminateCluster } from './cli-harness.js';
import { waitFor } from './harness.js';

// Its own cluster and queue: `create` starts a background worker for them, stopped after the file.
const env = cliEnv('cli-sched');
const gantry = (...args: string[]) => runGantry(env, ...args);
const id = `nightly-${env.GANTRY_CLUSTER.split('-').at(-1)}`;

const nightly = `name: cli-nightly
params:
  region: eu
schedule:
  cron: "0 3 * * *"
  timezone: Europe/Paris
tasks:
  - id: report
    image: gantry/busybox
    resources: { cpu: 0.25, memoryMiB: 32 }
    retry: { maxAttempts: 1 }
    env: { AT: "{{ run.scheduledTime }}", REGION: "{{ params.region }}" }
    command: ["sh", "-c", "printf %s \\"$AT\\" > /gantry/outputs/at; echo report for $REGION at $AT"]
    outputs: { parameters: [{ name: at }] }
`;

describe('gantry schedule', () => {
  let dir: string;
  // Checks that need no CLI (what Temporal holds) go through a client: each CLI call costs seconds.
  let client: Client;
  const file = (name: string) => path.join(dir, name);

  beforeAll(async () => {
    client = await connectClient(loadConfig());
    dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-cli-sched-'));
    await writeFile(file('nightly.yaml'), nightly);
    await writeFile(file('bad-block.yaml'), nightly.replace('"0 3 * * *"', '"0 3 * *"'));
  });

  afterAll(async () => {
    await gantry('schedule', 'delete', id);
    await gantry('worker', '--stop');
    await terminateCluster(env.GANTRY_CLUSTER);
    await client.connection.close();
  });

  it('refuses bad input with exit code 2 and one line naming the flag or the file, creating nothing', async () => {
    const create = (...args: string[]) =>
      gantry('schedule', 'create', file('nightly.yaml'), '--id', id, ...args);
    const results = await Promise.all([
      create('--cron', '0 3 * *'),
      create('--timezone', 'Mars/Olympus'),
      create('--every', '10'),
      create('--jitter', 'soon'),
      create('--catchup-window', '1s'),
      create('--overlap', 'queue'),
      gantry('schedule', 'create', file('missing.yaml'), '--id', id),
      gantry('schedule', 'create', file('bad-block.yaml'), '--id', id),
    ]);
    expect(results.map((result) => [result.code, result.stderr.trim()])).toEqual([
      [
        2,
        'gantry: --cron "0 3 * *": expected 5 fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly, got 4',
      ],
      [
        2,
        'gantry: --timezone "Mars/Olympus": unknown time zone: expected an IANA time zone name such as "Europe/Paris" or "UTC"',
      ],
      [2, 'gantry: --every "10": expected a duration such as 30s, 10m, 1h30m or 2d'],
      [2, 'gantry: --jitter "soon": expected a duration such as 30s, 10m, 1h30m or 2d'],
      [2, `gantry: --catchup-window "1s": must be at least 10s (Temporal's shortest catch-up window)`],
      [
        2,
        'gantry: --overlap "queue": expected one of skip, bufferOne, bufferAll, cancelOther, terminateOther, allowAll',
      ],
      [2, `gantry: ${file('missing.yaml')}: pipeline file not found`],
      [
        2,
        `${file('bad-block.yaml')}: 1 problem\n  schedule.cron: "0 3 * *": expected 5 fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly, got 4`,
      ],
    ]);
    await expect(describeSchedule(client, id)).rejects.toThrow(UnknownScheduleError);
  });

  it("creates a schedule from the pipeline's own block, whose triggered run is a normal run served by a background worker", async () => {
    const created = await gantry(
      'schedule',
      'create',
      file('nightly.yaml'),
      '--id',
      id,
      '--param',
      'region=us',
      '--jitter',
      '30s',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(
      `created schedule ${id}: pipeline cli-nightly, cron "0 3 * * *" (Europe/Paris), overlap skip`,
    );
    expect(created.stderr).toContain('started a background worker for the scheduled runs');

    const described = await gantry('schedule', 'describe', id, '--json');
    expect(described.code, described.stderr).toBe(0);
    const view = JSON.parse(described.stdout) as ScheduleView;
    expect(view).toMatchObject({
      id,
      pipeline: 'cli-nightly',
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
      jitterSeconds: 30,
      params: { region: 'us' },
      paramOverrides: { region: 'us' },
      paused: false,
      recentRuns: [],
    });
    expect(view.nextFireTimes).toHaveLength(5);

    // Temporal's schedule list is eventually consistent: wait until it has the schedule, then ask the CLI.
    await waitFor('the schedule in the list', async () =>
      (await listSchedules(client)).find((item) => item.id === id),
    );
    const listed = JSON.parse((await gantry('schedule', 'list', '--json')).stdout) as ScheduleListItem[];
    expect(listed.find((item) => item.id === id)).toMatchObject({
      pipeline: 'cli-nightly',
      cron: '0 3 * * *',
      timezone: 'Europe/Paris',
    });

    const triggered = await gantry('schedule', 'trigger', id);
    expect(triggered.code, triggered.stderr).toBe(0);
    // No CLI is watching: the background worker `create` started runs it.
    const run = await waitFor(
      'the triggered run to finish',
      async () => {
        const first = (await describeSchedule(client, id)).recentRuns[0];
        return first && first.status !== 'running' ? first : undefined;
      },
      60_000,
    );
    expect(run).toMatchObject({
      status: 'succeeded',
      runId: `${id}-${run.scheduledTime!.replace('.000Z', 'Z')}`,
    });
    const [status, logs, list] = await Promise.all([
      gantry('status', run.runId, '--json'),
      gantry('logs', run.runId, 'report'),
      gantry('list', '--pipeline', 'cli-nightly'),
    ]);
    expect(status.code, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout)).toMatchObject({
      status: 'succeeded',
      tasks: { report: { status: 'succeeded', outputs: { at: run.scheduledTime } } },
    });
    expect(logs.stdout).toBe(`report for us at ${run.scheduledTime}\n`);
    expect(list.stdout).toContain(run.runId);
    // A rerun processes the same moment (Airflow's "clear" keeps the logical date), not its own start.
    const rerun = await gantry('rerun', run.runId, '--from', 'report', '--no-cache', '--json');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      status: 'succeeded',
      tasks: { report: { status: 'succeeded', outputs: { at: run.scheduledTime } } },
    });
  });

  it('pauses with a note, unpauses, refuses a backwards backfill, and deletes', async () => {
    expect((await gantry('schedule', 'pause', id, '--note', 'maintenance')).code).toBe(0);
    const paused = await gantry('schedule', 'describe', id);
    expect(paused.stdout).toContain('  state:     paused: maintenance\n');
    expect((await gantry('schedule', 'unpause', id)).code).toBe(0);
    expect(await describeSchedule(client, id)).toMatchObject({ paused: false });

    const backwards = await gantry('schedule', 'backfill', id, '--from', '2026-11-05', '--to', '2026-11-01');
    expect([backwards.code, backwards.stderr.trim()]).toEqual([
      2,
      'gantry: --to "2026-11-01": is before --from "2026-11-05"',
    ]);

    expect((await gantry('schedule', 'delete', id)).code).toBe(0);
    const gone = await gantry('schedule', 'delete', id);
    expect([gone.code, gone.stderr.trim()]).toEqual([
      2,
      `gantry: no schedule "${id}" (see \`gantry schedule list\`)`,
    ]);
  });
});
