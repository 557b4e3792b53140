/**
 * Reconciliation (issue #11) on the real Temporal server and Docker engine: a run terminated from outside
 * never sends releaseRun, and the cluster service frees its room anyway on its next round; a task
 * container whose run is closed is removed by the node's sweeper, and one whose run is open is kept.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ContainerSpec } from '../../activities/container-spec.js';
import { Label, clusterWorkflowId } from '../../common/names.js';
import { sweepContainers } from '../../engine/container-sweeper.js';
import { clusterSnapshotQuery } from '../../workflows/definitions.js';
import { type TestCluster, docker, shTask, startTestCluster, waitFor } from './harness.js';

// A node id no other test file uses: the sweeper looks at the containers labelled with it.
const NODE = 'sweep-node';

describe('reconciliation', () => {
  let cluster: TestCluster;

  beforeAll(async () => {
    cluster = await startTestCluster('reconcile', [{ id: NODE, cpu: 2, memoryMiB: 512 }], {
      reconcileIntervalSeconds: 2,
    });
  }, 60_000);

  afterAll(async () => {
    await cluster.stop();
  });

  const held = async () => {
    const snapshot = await cluster.client.workflow
      .getHandle(clusterWorkflowId(cluster.name))
      .query(clusterSnapshotQuery);
    return snapshot.nodes.flatMap((n) => n.allocations);
  };

  it('frees the room of a run terminated from outside, which never said it ended', async () => {
    const started = await cluster.start({
      name: 'terminated',
      tasks: [shTask('long', 'sleep 60', { resources: { cpu: 1.5, memoryMiB: 64 } })],
    });
    await waitFor('the task to hold room', async () => ((await held()).length > 0 ? true : undefined));
    await started.handle.terminate('chaos: terminated from outside');
    const freedAt = Date.now();
    await waitFor(
      'the service to free the room',
      async () => ((await held()).length === 0 ? true : undefined),
      30_000,
    );
    // Freed by a round of the 2 s timer, not at once, and not after minutes.
    expect(Date.now() - freedAt).toBeLessThan(15_000);
    // The room is usable: a task that needs most of the node runs.
    const next = await cluster.run({
      name: 'after',
      tasks: [shTask('big', 'true', { resources: { cpu: 1.5, memoryMiB: 64 } })],
    });
    expect(next.status).toBe('succeeded');
    // The terminated run's attempt learns on its next heartbeat that its run is gone, and removes its
    // container (the harness fails the file on any left behind).
    await waitFor(
      'the terminated run’s container to go',
      async () =>
        (await docker.findContainers({ [Label.Run]: started.runId })).length === 0 ? true : undefined,
      30_000,
    );
  }, 90_000);

  it('removes a task container whose run is closed, and keeps one whose run is open', async () => {
    const open = await cluster.start({ name: 'open', tasks: [shTask('keep', 'sleep 20')] });
    const kept = await waitFor('the open run’s container', async () => {
      const [c] = await docker.findContainers({ [Label.Run]: open.runId });
      return c?.isRunning ? c : undefined;
    });
    // An orphan: labelled as a task of a run that the server has never heard of.
    const orphanRun = `never-started-${Date.now()}`;
    const spec: ContainerSpec = {
      name: `gantry-${orphanRun}-lost-1`,
      image: 'gantry/busybox',
      command: ['sleep', '30'],
      env: {},
      labels: { [Label.Run]: orphanRun, [Label.Task]: 'lost', [Label.Node]: NODE },
      cpu: 0.1,
      memoryMiB: 16,
      pidsLimit: 16,
      nofileLimit: 64,
      network: 'none',
      binds: [],
      volumes: [],
      logLimitBytes: 1024,
    };
    const orphan = await docker.createContainer(spec);
    try {
      const sweep = () =>
        sweepContainers({ runtime: docker, client: cluster.client, nodeId: NODE, minAgeMs: 0 });
      // Young containers are left alone by default: their run may not be visible yet.
      expect(await sweepContainers({ runtime: docker, client: cluster.client, nodeId: NODE })).toEqual([]);
      expect(await sweep()).toEqual([spec.name]);
      expect(await docker.inspectContainer(orphan)).toBeUndefined();
      expect((await docker.inspectContainer(kept.id))?.isRunning).toBe(true);
    } finally {
      await docker.removeContainer(orphan);
      await open.handle.cancel();
      await open.handle.result().catch(() => undefined);
    }
  }, 90_000);
});
