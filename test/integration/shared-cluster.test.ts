import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Label } from '../../common/names.js';
import { type TestCluster, docker, shTask, startTestCluster, waitFor } from './harness.js';
import Docker from 'dockerode';

interface Sample {
  readonly node: string;
  readonly cpu: number;
  readonly memoryMiB: number;
}

describe('a small cluster shared by concurrent runs', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('share', [
      { id: 'n1', cpu: 1, memoryMiB: 256 },
      { id: 'n2', cpu: 1, memoryMiB: 256 },
    ]);
  });
  afterAll(() => cluster.stop());

  it('never runs more on a node than its capacity, observed from Docker while two runs compete', async () => {
    const engine = new Docker();
    const samples: Sample[][] = [];
    let isSampling = true;
    // Reads the limits Docker enforces on the containers that are running right now, node by node.
    const sampler = (async () => {
      while (isSampling) {
        const list = await engine.listContainers({
          filters: { label: [`${Label.Node}`], status: ['running'] },
        });
        const mine = [];
        for (const c of list.filter((c) => ['share-a', 'share-b'].includes(c.Labels[Label.Pipeline] ?? ''))) {
          const info = await engine
            .getContainer(c.Id)
            .inspect()
            .catch(() => undefined);
          if (info?.State.Running)
            mine.push({
              node: c.Labels[Label.Node]!,
              cpu: info.HostConfig.NanoCpus! / 1e9,
              memoryMiB: info.HostConfig.Memory! / 2 ** 20,
            });
        }
        samples.push(mine);
        await new Promise((resolve) => setTimeout(resolve, 100));
      }
    })();
    const pipeline = (name: string) => ({
      name,
      tasks: ['t1', 't2', 't3', 't4', 't5'].map((id) =>
        shTask(id, 'sleep 2', { resources: { cpu: 0.5, memoryMiB: 100 } }),
      ),
    });
    const [first, second] = await Promise.all([
      cluster.run(pipeline('share-a')),
      cluster.run(pipeline('share-b')),
    ]);
    isSampling = false;
    await sampler;

    expect(first.status).toBe('succeeded');
    expect(second.status).toBe('succeeded');
    let peak = 0;
    for (const sample of samples) {
      peak = Math.max(peak, sample.length);
      for (const node of ['n1', 'n2']) {
        const onNode = sample.filter((s) => s.node === node);
        expect(onNode.reduce((sum, s) => sum + s.cpu, 0)).toBeLessThanOrEqual(1);
        expect(onNode.reduce((sum, s) => sum + s.memoryMiB, 0)).toBeLessThanOrEqual(256);
      }
    }
    // The cluster holds 4 such tasks at once (2 per node by cpu): the runs really did compete for it.
    expect(peak).toBe(4);
    const nodes = new Set([...Object.values(first.tasks), ...Object.values(second.tasks)].map((t) => t.node));
    expect(nodes).toEqual(new Set(['n1', 'n2']));
  });

  it('fails a task no node can ever hold instead of queueing it for ever', async () => {
    // Bypasses client-side validation, as a stale client would: the cluster service itself must refuse.
    const { startRun, waitForRun } = await import('../../engine/runs.js');
    const { PipelineSchema } = await import('../../pipeline/schema.js');
    const spec = PipelineSchema.parse({
      name: 'too-big',
      tasks: [shTask('huge', 'true', { resources: { cpu: 8, memoryMiB: 64 } })],
    });
    const run = await startRun(cluster.client, cluster.config, spec);
    const state = await waitForRun(run.handle);
    expect(state.tasks['huge']).toMatchObject({ status: 'failed', failureType: 'Unschedulable' });
    expect(state.tasks['huge']!.error).toMatch(/^unschedulable: /);
  });

  it('leaves no container behind', async () => {
    expect((await docker.findContainers({ [Label.Pipeline]: 'share-a' })).length).toBe(0);
  });

  it('refuses an inventory update that is malformed or drops a busy node, and applies a valid one', async () => {
    const { clusterSnapshot, configureCluster, waitForRun } = await import('../../engine/runs.js');
    const { ClusterUpdateRejectedError } = await import('../../engine/errors.js');
    const run = await cluster.start({
      name: 'share-hold',
      tasks: [shTask('hold', 'sleep 4', { resources: { cpu: 0.5, memoryMiB: 32 } })],
    });
    const busy = await waitFor(
      'a busy node',
      async () =>
        (await clusterSnapshot(cluster.client, cluster.name))?.nodes.find((n) => n.allocations.length > 0)
          ?.id,
    );
    const update = (spec: typeof cluster.spec) => configureCluster(cluster.client, spec);

    const malformed = update({ ...cluster.spec, nodes: [] });
    await expect(malformed).rejects.toBeInstanceOf(ClusterUpdateRejectedError);
    await expect(malformed).rejects.toThrow(
      /^cluster "share-\w+" refused the update: invalid cluster spec: .*nodes/s,
    );
    await expect(
      update({ ...cluster.spec, nodes: cluster.spec.nodes.filter((n) => n.id !== busy) }),
    ).rejects.toThrow(`cannot remove node "${busy}": it still runs 1 task(s)`);
    const grown = {
      ...cluster.spec,
      nodes: cluster.spec.nodes.map((n) => ({ ...n, capacity: { ...n.capacity, memoryMiB: 512 } })),
    };
    const snapshot = await update(grown);
    expect(snapshot.nodes.map((n) => n.capacity['memoryMiB'])).toEqual([512, 512]);
    expect((await waitForRun(run.handle)).status).toBe('succeeded');
  });
});
