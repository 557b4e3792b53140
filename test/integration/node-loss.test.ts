/**
 * A node lost for good while its task runs, on the real Temporal server and two node engines (issue #11).
 * Node n2 is served by a real `gantry worker --node` process; the test kills it (SIGKILL) and kills the
 * task's container on n2's engine, as a machine that dies. With `nodeLostAfterSeconds: 6` the service
 * takes n2 for lost, preempts its task, and the run places it on n1: a platform retry, not one of the
 * user's attempts. When n2's worker comes back, the container it still has is removed before n2 is
 * healthy again.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerRuntime } from '../../activities/docker-runtime.js';
import { Label } from '../../common/names.js';
import { clusterSnapshot, getRunState } from '../../engine/runs.js';
import { ROOT } from './cli-harness.js';
import { type TestCluster, shTask, startTestCluster, waitFor } from './harness.js';
import { type NodeProcess, nodeProcess } from './node-process.js';

const run = promisify(execFile);

describe('a node lost while its task runs', () => {
  let cluster: TestCluster;
  let worker: NodeProcess;
  let n2Engine: ReturnType<typeof createDockerRuntime>;

  beforeAll(async () => {
    const { stdout } = await run('bash', [path.join(ROOT, 'scripts/ensure-nodes.sh'), '2'], { cwd: ROOT });
    const hosts = [...stdout.matchAll(/^GANTRY_NODE_\d+=unix:\/\/(\S+)$/gm)].map((m) => m[1]!);
    expect(hosts).toHaveLength(2);
    n2Engine = createDockerRuntime({ socketPath: hosts[1]! });
    cluster = await startTestCluster(
      'lost',
      hosts.map((socketPath, i) => ({ id: `n${i + 1}`, cpu: 1, memoryMiB: 256, docker: { socketPath } })),
      { externalNodes: ['n2'], nodeLostAfterSeconds: 6 },
    );
    worker = nodeProcess(cluster, 'n2');
    await worker.start();
  }, 120_000);

  afterAll(async () => {
    await worker.stop('SIGTERM');
    await cluster.stop();
  });

  const health = async (nodeId: string) =>
    (await clusterSnapshot(cluster.client, cluster.name))?.nodes.find((n) => n.id === nodeId)?.health;

  it('re-places its task on another node, and clears the node when it comes back', async () => {
    await waitFor('n2 to be healthy', async () => ((await health('n2')) === 'healthy' ? true : undefined));
    // One task per node: each fills its node.
    const started = await cluster.start({
      name: 'lost-node',
      tasks: ['a', 'b'].map((id) =>
        shTask(id, 'sleep 8', { resources: { cpu: 1, memoryMiB: 32 }, retry: { maxAttempts: 1 } }),
      ),
    });
    const onN2 = await waitFor(
      'a container running on n2',
      async () => {
        const state = await getRunState(started.handle);
        const id = Object.keys(state.tasks).find((t) => state.tasks[t]!.node === 'n2');
        const [c] = await n2Engine.findContainers({ [Label.Run]: started.runId });
        return id !== undefined && c?.isRunning ? { id, container: c } : undefined;
      },
      60_000,
    );
    // The machine dies: its worker, and its container with it (the engine itself stays up for other tests).
    await worker.stop('SIGKILL');
    await n2Engine.killContainer(onN2.container.id);

    await waitFor('n2 to be lost', async () => ((await health('n2')) === 'lost' ? true : undefined), 20_000);
    const result = await started.handle.result();
    expect(result.status).toBe('succeeded');
    expect(result.tasks[onN2.id]).toMatchObject({ status: 'succeeded', node: 'n1', attempts: 1 });
    expect(result.tasks[onN2.id]!.platformRetries).toBeGreaterThanOrEqual(1);
    expect(result.tasks[onN2.id]!.lastPreemption).toMatch(/node n2 lost: no heartbeat for 6s/);
    // Lost for good so far: its killed container is still there, and no new work went to n2.
    expect(await n2Engine.findContainers({ [Label.Run]: started.runId })).toHaveLength(1);

    await worker.start();
    await waitFor('n2 to be healthy again', async () =>
      (await health('n2')) === 'healthy' ? true : undefined,
    );
    expect(await n2Engine.findContainers({ [Label.Run]: started.runId })).toEqual([]);
  }, 180_000);
});
