/**
 * Off-peak windows on the real stack. One cluster, two groups whose window is the same whole minute ahead
 * (UTC, one minute long): `batch` lets its tasks finish (the default), `nightly` preempts them at the close.
 * The two cases run concurrently, so the file costs about two minutes of wall time: one-minute cron
 * granularity is a given.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterSpecSchema } from '../../common/cluster-spec.js';
import { Label } from '../../common/names.js';
import { clusterSnapshot, configureCluster, runState, waitForRun } from '../../engine/runs.js';
import { runGantry } from './cli-harness.js';
import { type TestCluster, docker, shTask, startTestCluster, waitFor } from './harness.js';

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;
// Time for a run to start and its request to reach the service before the window opens.
const LEAD_MS = 20_000;

const iso = (ms: number) => new Date(ms).toISOString();

describe.concurrent('off-peak windows', () => {
  let cluster: TestCluster;
  let opensAt: number;
  let cliEnv: NodeJS.ProcessEnv;

  beforeAll(async () => {
    opensAt = Math.ceil((Date.now() + LEAD_MS) / MINUTE) * MINUTE;
    const at = new Date(opensAt);
    const windows = [
      { cron: `${at.getUTCMinutes()} ${at.getUTCHours()} * * *`, timezone: 'UTC', durationMinutes: 1 },
    ];
    // Applied as `gantry cluster apply` does, to a running service: the update's validator and handler
    // read the windows inside the workflow sandbox (the recorded replay scenario covers a service started
    // with them).
    cluster = await startTestCluster('windows', [{ id: 'n1', cpu: 2, memoryMiB: 512 }]);
    const scheduling = { groups: { batch: { windows }, nightly: { windows, onWindowClose: 'preempt' } } };
    await configureCluster(cluster.client, ClusterSpecSchema.parse({ ...cluster.spec, scheduling }));
    cliEnv = {
      ...process.env,
      GANTRY_CLUSTER: cluster.name,
      GANTRY_CONTROL_TASK_QUEUE: cluster.config.controlTaskQueue,
    };
  });
  afterAll(() => cluster?.stop());

  /** The queue entry of `workflowId`'s task, once its reason matches (waiting until `until` plus 30 s). */
  async function queued(workflowId: string, task: string, reason: string, until = Date.now()) {
    return waitFor(
      `${workflowId}/${task} queued: ${reason}`,
      async () => {
        const snapshot = await clusterSnapshot(cluster.client, cluster.name);
        return snapshot?.pending.find((p) => p.key === `${workflowId}/${task}` && p.reason === reason);
      },
      Math.max(0, until - Date.now()) + 30_000,
    );
  }

  it('holds a flex task until its window opens, says why in `gantry cluster show`, then runs it', async () => {
    const started = await cluster.start({
      name: 'windows-batch',
      tasks: [shTask('nightly-report', 'echo done', { group: 'batch', tier: 'flex' })],
    });
    const waitingReason = `outside its window, next opens at ${iso(opensAt)}`;
    await queued(started.workflowId, 'nightly-report', waitingReason);
    expect(Date.now()).toBeLessThan(opensAt);

    const shown = await runGantry(cliEnv, 'cluster', 'show');
    expect(shown.stderr).toBe('');
    expect(shown.stdout).toContain(`queued ${started.workflowId}/nightly-report: ${waitingReason}\n`);

    const state = await waitForRun(started.handle);
    expect(state.status).toBe('succeeded');
    expect(state.tasks['nightly-report']!.startedAt).toBeGreaterThanOrEqual(opensAt);
    // Placed by the window's opening, not by some later event.
    expect(state.tasks['nightly-report']!.startedAt).toBeLessThan(opensAt + 15_000);
  }, 240_000);

  it('preempts a task still running when its window closes and re-queues it for the next opening', async () => {
    const started = await cluster.start({
      name: 'windows-nightly',
      tasks: [shTask('reindex', 'sleep 600', { group: 'nightly', tier: 'flex' })],
    });
    await queued(started.workflowId, 'reindex', `outside its window, next opens at ${iso(opensAt)}`);
    await waitFor(
      'the reindex container',
      async () =>
        (await docker.findContainers({ [Label.Run]: started.runId })).some((c) => c.isRunning)
          ? true
          : undefined,
      opensAt - Date.now() + 30_000,
    );
    expect(Date.now()).toBeGreaterThanOrEqual(opensAt);

    // Back in the queue after the close, waiting for tomorrow's window; its container is gone.
    const nextReason = `outside its window, next opens at ${iso(opensAt + DAY)}`;
    await queued(started.workflowId, 'reindex', nextReason, opensAt + MINUTE);
    expect(Date.now()).toBeGreaterThanOrEqual(opensAt + MINUTE);
    const state = await runState(started.handle);
    expect(state.tasks['reindex']).toMatchObject({
      status: 'queued',
      preemptions: 1,
      lastPreemption: 'preempted on n1: the window of group "nightly" closed',
    });
    await waitFor('the reindex container to be removed', async () =>
      (await docker.findContainers({ [Label.Run]: started.runId })).length === 0 ? true : undefined,
    );

    await started.handle.cancel();
    expect((await waitForRun(started.handle)).status).toBe('cancelled');
  }, 240_000);

  it('rejects a bad window in `gantry cluster apply` with exit 2, naming its path, before connecting', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-windows-'));
    const file = path.join(dir, 'cluster.yaml');
    await writeFile(
      file,
      [
        'name: windows-bad',
        'nodes: [{ id: n1, capacity: { cpu: 1, memoryMiB: 256 } }]',
        'scheduling:',
        '  groups:',
        '    batch:',
        '      windows: [{ cron: "0 25 * * *", timezone: Europe/Paris, durationMinutes: 60 }]',
        '',
      ].join('\n'),
    );
    const result = await runGantry({ ...cliEnv, TEMPORAL_ADDRESS: '127.0.0.1:1' }, 'cluster', 'apply', file);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      'scheduling.groups.batch.windows[0].cron: invalid cron expression "0 25 * * *": hour "25": 25 is out of range 0-23',
    );
  });
});
