import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Label } from '../../common/names.js';
import { type TestCluster, docker, shTask, startTestCluster } from './harness.js';
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
        for (const c of list.filter((c) => c.Labels[Label.Run]?.startsWith('share-'))) {
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
});
