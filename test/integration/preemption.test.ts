import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Label } from '../../common/names.js';
import { getRunState, waitForRun } from '../../engine/runs.js';
import { preemptTaskSignal } from '../../workflows/definitions.js';
import { type TestCluster, docker, shTask, startTestCluster, waitFor } from './harness.js';

describe('preemption', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('preempt', [{ id: 'n1', cpu: 1, memoryMiB: 512 }]);
  });
  afterAll(() => cluster.stop());

  it('evicts a flex task for a critical one, then runs the flex task again', async () => {
    // The first placement marks the run's workspace and would sleep for a minute; the re-run finds the mark.
    const flex = await cluster.start({
      name: 'preempt-flex',
      tasks: [
        shTask(
          'batch',
          'if [ -f /workspace/mark ]; then echo second; exit 0; fi; touch /workspace/mark; sleep 60',
          { resources: { cpu: 1, memoryMiB: 64 }, tier: 'flex' },
        ),
      ],
    });
    await waitFor('the flex container', async () =>
      (await docker.findContainers({ [Label.Run]: flex.runId })).some((c) => c.isRunning) ? true : undefined,
    );

    const started = Date.now();
    const critical = await cluster.run({
      name: 'preempt-critical',
      tasks: [shTask('urgent', 'echo urgent', { resources: { cpu: 1, memoryMiB: 64 }, tier: 'critical' })],
    });
    expect(critical.tasks['urgent']).toMatchObject({ status: 'succeeded', node: 'n1' });
    expect(Date.now() - started).toBeLessThan(30_000);

    const state = await waitForRun(flex.handle);
    expect(state.status).toBe('succeeded');
    expect(state.tasks['batch']).toMatchObject({ status: 'succeeded', preemptions: 1 });
    expect(state.tasks['batch']!.lastPreemption).toMatch(/^preempted on n1 for critical task /);
  });

  it('keeps a preemption that comes before its attempt starts, and the task leaves at once when placed', async () => {
    // One node of one cpu and two tasks of one cpu: one runs, the other waits for room with its request sent.
    const started = await cluster.start({
      name: 'preempt-early',
      tasks: ['a', 'b'].map((id) => shTask(id, 'sleep 2', { resources: { cpu: 1, memoryMiB: 64 } })),
    });
    const waiting = await waitFor('one task to wait for room', async () => {
      const state = await getRunState(started.handle);
      const ids = Object.keys(state.tasks);
      const running = ids.filter((id) => state.tasks[id]!.status === 'running');
      const queued = ids.filter((id) => state.tasks[id]!.status === 'queued');
      return running.length === 1 && queued.length === 1 ? queued[0] : undefined;
    });
    // Before gantry-preemption-kept such a signal found no attempt to cancel and was dropped.
    await started.handle.signal(preemptTaskSignal, { taskId: waiting, reason: 'test: before its attempt' });
    const state = await waitForRun(started.handle);
    expect(state.status).toBe('succeeded');
    expect(state.tasks[waiting]).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      platformRetries: 1,
      preemptions: 1,
      lastPreemption: 'test: before its attempt',
    });
  });
});
