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
