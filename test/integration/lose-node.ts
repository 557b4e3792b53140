/**
 * A node that dies mid-task and comes back (issue #11), shared by node-loss.test.ts and the `node-loss`
 * replay scenario. The cluster is two node engines of scripts/ensure-nodes.sh, n1 served in-process and n2
 * by a real `gantry worker --node` process; one task fills each node. The machine behind n2 dies (its
 * worker and its task's container are killed; the engine stays up for other tests), the run finishes,
 * then n2's worker comes back.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { createDockerRuntime } from '../../activities/docker-runtime.js';
import { Label } from '../../common/names.js';
import { loadConfig } from '../../engine/config.js';
import { clusterSnapshot, getRunState, waitForRun } from '../../engine/runs.js';
import type { RunState } from '../../workflows/definitions.js';
import { ROOT } from './cli-harness.js';
import { type TestCluster, type TestNode, shTask, waitFor } from './harness.js';
import type { NodeProcess } from './node-process.js';

const run = promisify(execFile);

/** The two node engines of scripts/ensure-nodes.sh as test nodes n1 and n2 (their sockets are fixed). */
export function nodeEngines(): TestNode[] {
  return [1, 2].map((i) => ({
    id: `n${i}`,
    cpu: 1,
    memoryMiB: 256,
    docker: { socketPath: path.join(loadConfig().home, 'run', `node-${i}`, 'docker.sock') },
  }));
}

/** Starts the node engines unless they answer already. */
export async function ensureNodeEngines(): Promise<void> {
  await run('bash', [path.join(ROOT, 'scripts/ensure-nodes.sh'), '2'], { cwd: ROOT });
}

export interface NodeLoss {
  readonly state: RunState;
  /** The task that ran on n2 when it died. */
  readonly taskId: string;
  /** n2's containers of the run while it is lost (its killed one) and once it is back. */
  readonly leftWhileLost: number;
  readonly leftAfterReturn: number;
}

export async function loseNodeMidTask(
  cluster: TestCluster,
  n2: TestNode,
  worker: NodeProcess,
): Promise<NodeLoss> {
  const engine = createDockerRuntime(n2.docker!);
  const health = async () =>
    (await clusterSnapshot(cluster.client, cluster.name))?.nodes.find((n) => n.id === 'n2')?.health;
  await waitFor('n2 to be healthy', async () => ((await health()) === 'healthy' ? true : undefined));
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
      const taskId = Object.keys(state.tasks).find((t) => state.tasks[t]!.node === 'n2');
      const [c] = await engine.findContainers({ [Label.Run]: started.runId });
      return taskId !== undefined && c?.isRunning ? { taskId, container: c } : undefined;
    },
    60_000,
  );
  await worker.stop('SIGKILL');
  await engine.killContainer(onN2.container.id);
  await waitFor('n2 to be lost', async () => ((await health()) === 'lost' ? true : undefined), 20_000);
  const state = await waitForRun(started.handle);
  const leftWhileLost = (await engine.findContainers({ [Label.Run]: started.runId })).length;
  await worker.start();
  await waitFor('n2 to be healthy again', async () => ((await health()) === 'healthy' ? true : undefined));
  const leftAfterReturn = (await engine.findContainers({ [Label.Run]: started.runId })).length;
  return { state, taskId: onN2.taskId, leftWhileLost, leftAfterReturn };
}
