/**
 * A node's worker lost mid-task, on the real Temporal server and Docker engine (issue #11). The node is
 * served by a real `gantry worker --node` process that the test kills (SIGKILL) or stops (SIGTERM) while
 * the task's container runs, then starts again. The attempt is the platform's failure: the task keeps its
 * one user attempt, counts a platform retry, and its container is adopted, never created twice.
 */
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Label } from '../../common/names.js';
import { containersCreated } from './docker-events.js';
import { type TestCluster, docker, shTask, startTestCluster, waitFor } from './harness.js';
import { type NodeProcess, nodeProcess } from './node-process.js';

describe('a node worker lost while its task runs', () => {
  let cluster: TestCluster;
  let worker: NodeProcess;

  beforeAll(async () => {
    cluster = await startTestCluster('faults', [{ id: 'n1', cpu: 2, memoryMiB: 1024 }], {
      externalNodes: ['n1'],
    });
    worker = nodeProcess(cluster, 'n1');
    await worker.start();
  }, 90_000);

  afterAll(async () => {
    await worker.stop('SIGTERM');
    await cluster.stop();
  });

  for (const [signal, how] of [
    ['SIGKILL', 'killed: its heartbeats stop'],
    ['SIGTERM', 'stopped: it hands the attempt back at once'],
  ] as const) {
    it(`adopts the container after the worker is ${how}`, async () => {
      const since = Date.now();
      // The task says when it has started, so the worker goes while the container surely runs.
      const started = await cluster.start({
        name: `faults-${signal.toLowerCase()}`,
        tasks: [shTask('work', 'echo begun; sleep 12; echo finished', { retry: { maxAttempts: 1 } })],
      });
      await waitFor(
        'the container to run',
        async () => {
          const [c] = await docker.findContainers({ [Label.Run]: started.runId });
          return c?.isRunning ? c : undefined;
        },
        60_000,
      );
      await worker.stop(signal);
      await new Promise((resolve) => setTimeout(resolve, 2000));
      await worker.start();
      const result = await started.handle.result();

      expect(result.status).toBe('succeeded');
      const task = result.tasks['work']!;
      expect(task).toMatchObject({ status: 'succeeded', attempts: 1, platformRetries: 1 });
      expect(await containersCreated(started.runId, since)).toEqual([expect.stringMatching(/-work-1$/)]);
      // The adopting attempt copied the container's whole output, from before the worker went too.
      const log = await readFile(
        path.join(cluster.config.logDir, started.runId, 'work', 'attempt-1.log'),
        'utf8',
      );
      expect(log).toBe('begun\nfinished\n');
    }, 120_000);
  }
});
