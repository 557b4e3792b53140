/**
 * The run state's per-task timestamps that the engine bench reads: `readyAt` (workflow time the DAG made
 * the task ready) and `createdAt` (the node's wall clock when Docker created its container), in order with
 * `startedAt` (placed) and `finishedAt`, and a downstream task ready only once its upstream finished.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

describe('task timestamps', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('stamps', [{ id: 'n1', cpu: 1, memoryMiB: 512 }]);
  });
  afterAll(() => cluster.stop());

  it('records ready ≤ placed ≤ created ≤ finished, and a dependent is ready after its upstream', async () => {
    const result = await cluster.run({
      name: 'stamps',
      tasks: [shTask('a', 'sleep 0.3'), shTask('b', 'true', { dependsOn: ['a'] })],
    });
    expect(result.status).toBe('succeeded');
    for (const id of ['a', 'b']) {
      const { readyAt, startedAt, createdAt, finishedAt } = result.tasks[id]!;
      expect({ id, readyAt, startedAt, createdAt, finishedAt }).toEqual({
        id,
        readyAt: expect.any(Number),
        startedAt: expect.any(Number),
        createdAt: expect.any(Number),
        finishedAt: expect.any(Number),
      });
      expect(readyAt!).toBeGreaterThanOrEqual(result.startedAt);
      expect(startedAt!).toBeGreaterThanOrEqual(readyAt!);
      expect(createdAt!).toBeGreaterThanOrEqual(startedAt!);
      expect(finishedAt!).toBeGreaterThanOrEqual(createdAt!);
    }
    // `a` ran a 0.3 s container: `b` cannot have been ready before it finished.
    expect(result.tasks['b']!.readyAt!).toBeGreaterThanOrEqual(result.tasks['a']!.finishedAt!);
    expect(result.tasks['a']!.finishedAt! - result.tasks['a']!.createdAt!).toBeGreaterThanOrEqual(300);
  });
});
