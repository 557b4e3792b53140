/**
 * A node lost for good while its task runs, on the real Temporal server and two node engines (issue #11;
 * lose-node.ts plays it). With `nodeLostAfterSeconds: 6` the service takes n2 for lost, preempts its task,
 * and the run places it on n1: a platform retry, not one of the user's attempts. When n2's worker comes
 * back, the container it still has is removed before n2 is healthy again.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, type TestNode, startTestCluster } from './harness.js';
import { ensureNodeEngines, loseNodeMidTask, nodeEngines } from './lose-node.js';
import { type NodeProcess, nodeProcess } from './node-process.js';

describe('a node lost while its task runs', () => {
  let cluster: TestCluster;
  let nodes: TestNode[];
  let worker: NodeProcess;

  beforeAll(async () => {
    await ensureNodeEngines();
    nodes = nodeEngines();
    cluster = await startTestCluster('lost', nodes, { externalNodes: ['n2'], nodeLostAfterSeconds: 6 });
    worker = nodeProcess(cluster, 'n2');
    await worker.start();
  }, 120_000);

  afterAll(async () => {
    await worker.stop('SIGTERM');
    await cluster.stop();
  });

  it('re-places its task on another node, and clears the node when it comes back', async () => {
    const loss = await loseNodeMidTask(cluster, nodes[1]!, worker);
    expect(loss.state.status).toBe('succeeded');
    const task = loss.state.tasks[loss.taskId]!;
    expect(task).toMatchObject({ status: 'succeeded', node: 'n1', attempts: 1 });
    expect(task.platformRetries).toBeGreaterThanOrEqual(1);
    expect(task.lastPreemption).toMatch(/node n2 lost: no heartbeat for 6s/);
    // Lost for good until its worker returns: its killed container stays, and then goes.
    expect(loss.leftWhileLost).toBe(1);
    expect(loss.leftAfterReturn).toBe(0);
  }, 180_000);
});
