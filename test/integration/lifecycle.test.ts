import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType } from '../../common/failure-types.js';
import { Label } from '../../common/names.js';
import { waitForRun } from '../../engine/runs.js';
import { type TestCluster, docker, shTask, startTestCluster, waitFor } from './harness.js';

describe('timeouts and cancellation', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('life', [{ id: 'n1', cpu: 2, memoryMiB: 1024 }]);
  });
  afterAll(() => cluster.stop());

  it('kills and removes a container that outlives timeoutSeconds', async () => {
    const started = Date.now();
    const result = await cluster.run({
      name: 'slow',
      tasks: [shTask('sleeper', 'sleep 120', { timeoutSeconds: 2 })],
    });
    expect(result.tasks['sleeper']).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureType: FailureType.TaskTimedOut,
    });
    expect(result.tasks['sleeper']!.error).toBe('task "sleeper" exceeded timeoutSeconds=2 and was killed');
    expect(Date.now() - started).toBeLessThan(60_000);
    expect(await docker.findContainers({ [Label.Run]: result.runId })).toEqual([]);
  });

  it('kills the containers of a cancelled run and reports it cancelled', async () => {
    const run = await cluster.start({
      name: 'to-cancel',
      tasks: [
        shTask('long-a', 'sleep 300'),
        shTask('long-b', 'sleep 300'),
        shTask('after', 'true', { dependsOn: ['long-a'] }),
      ],
    });
    // Both containers really run before the cancel.
    await waitFor('two running containers', async () => {
      const running = (await docker.findContainers({ [Label.Run]: run.runId })).filter((c) => c.isRunning);
      return running.length === 2 ? running : undefined;
    });
    await run.handle.cancel();
    const state = await waitForRun(run.handle);
    expect(state.status).toBe('cancelled');
    expect(state.tasks['long-a']!.status).toBe('cancelled');
    expect(state.tasks['long-b']!.status).toBe('cancelled');
    expect(state.tasks['after']!.status).toBe('cancelled');
    expect(await docker.findContainers({ [Label.Run]: run.runId })).toEqual([]);
  });
});

describe('durability', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('durable', [{ id: 'n1', cpu: 1, memoryMiB: 512 }]);
  });
  afterAll(() => cluster.stop());

  it('finishes a run whose workflow worker was replaced mid-run, replaying it from history', async () => {
    const run = await cluster.start({
      name: 'survivor',
      tasks: [
        shTask('first', 'sleep 2; echo one > /workspace/one'),
        shTask('second', 'cat /workspace/one', { dependsOn: ['first'] }),
      ],
    });
    await waitFor('the first container', async () =>
      (await docker.findContainers({ [Label.Run]: run.runId })).length > 0 ? true : undefined,
    );
    await cluster.restartControlWorker();
    const state = await waitForRun(run.handle);
    expect(state.status).toBe('succeeded');
    expect(state.tasks['second']).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('continues as new when its history grows long, losing nothing and running nothing twice', async () => {
    const fan = Array.from({ length: 8 }, (_, i) => `f${i}`);
    const run = await cluster.start(
      {
        name: 'long-history',
        tasks: [
          shTask('start', 'echo start >> /workspace/ran'),
          ...fan.map((id) => shTask(id, `echo ${id} >> /workspace/ran`, { dependsOn: ['start'] })),
          shTask('end', 'echo end >> /workspace/ran; sort /workspace/ran', { dependsOn: fan }),
        ],
      },
      // About ten events per task: the run must continue as new before it ends.
      { maxHistoryEvents: 30 },
    );
    const state = await waitForRun(run.handle);
    expect(state.status).toBe('succeeded');
    expect(state.continuations).toBeGreaterThanOrEqual(1);
    for (const id of ['start', ...fan, 'end'])
      expect(state.tasks[id], `${id}: ${JSON.stringify(state.tasks[id])}`).toMatchObject({
        status: 'succeeded',
        attempts: 1,
      });
    // One workflow id, several executions: the latest is not the first.
    const latest = await cluster.client.workflow.getHandle(run.workflowId).describe();
    expect(latest.runId).not.toBe(run.handle.firstExecutionRunId);
    // Every task ran exactly once, as the run's own workspace records.
    const log = await readFile(path.join(cluster.config.logDir, run.runId, 'end', 'attempt-1.log'), 'utf8');
    expect(log.trim().split('\n')).toEqual(['end', 'f0', 'f1', 'f2', 'f3', 'f4', 'f5', 'f6', 'f7', 'start']);
  });

  it('shows a task that does not fit yet as queued, with the reason, in the cluster snapshot', async () => {
    const { clusterSnapshot } = await import('../../engine/runs.js');
    const run = await cluster.start({
      name: 'crowded',
      tasks: [
        shTask('big-1', 'sleep 3', { resources: { cpu: 1, memoryMiB: 64 } }),
        shTask('big-2', 'sleep 3', { resources: { cpu: 1, memoryMiB: 64 } }),
      ],
    });
    const pending = await waitFor('a queued task', async () => {
      const snapshot = await clusterSnapshot(cluster.client, cluster.name);
      const queued = snapshot?.pending.filter((p) => p.key.startsWith(run.workflowId)) ?? [];
      const nodeBusy = snapshot?.nodes[0]?.allocations.length === 1;
      return queued.length === 1 &&
        nodeBusy &&
        queued[0]!.reason !== 'waiting for the next scheduling iteration'
        ? queued[0]
        : undefined;
    });
    expect(pending.reason.length).toBeGreaterThan(0);
    const state = await waitForRun(run.handle);
    expect(state.status).toBe('succeeded');
  });
});
