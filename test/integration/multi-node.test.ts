/**
 * A real multi-node cluster on one machine (issue #11): two node engines of scripts/ensure-nodes.sh, each
 * with its own socket, data root and bridge, served as two nodes. Tasks spread over them really run on
 * different engines (each engine's own event stream says which), and none on the main engine.
 */
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerRuntime } from '../../activities/docker-runtime.js';
import { Label } from '../../common/names.js';
import { ROOT } from './cli-harness.js';
import { containersCreated } from './docker-events.js';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

const run = promisify(execFile);

const created = (host: string | undefined, runId: string, since: number) =>
  containersCreated(runId, since, host);

describe('a cluster of two node engines', () => {
  let cluster: TestCluster;
  let hosts: string[];

  beforeAll(async () => {
    const { stdout } = await run('bash', [path.join(ROOT, 'scripts/ensure-nodes.sh'), '2'], { cwd: ROOT });
    hosts = [...stdout.matchAll(/^GANTRY_NODE_\d+=(unix:\/\/\S+)$/gm)].map((m) => m[1]!);
    expect(hosts).toHaveLength(2);
    cluster = await startTestCluster(
      'engines',
      hosts.map((host, i) => ({
        id: `e${i + 1}`,
        cpu: 1,
        memoryMiB: 256,
        docker: { socketPath: host.slice('unix://'.length) },
      })),
    );
  }, 120_000);

  afterAll(async () => {
    await cluster.stop();
  });

  it('runs each task on the engine of the node it was placed on', async () => {
    const since = Date.now();
    // Four tasks of half a node each, at once: two per node.
    const state = await cluster.run({
      name: 'spread',
      tasks: Array.from({ length: 4 }, (_, i) =>
        shTask(`t${i}`, 'sleep 2', { resources: { cpu: 0.5, memoryMiB: 32 } }),
      ),
    });
    expect(state.status).toBe('succeeded');
    const byNode = Object.values(state.tasks).map((t) => t.node);
    expect(byNode.filter((n) => n === 'e1')).toHaveLength(2);
    expect(byNode.filter((n) => n === 'e2')).toHaveLength(2);
    const [first, second] = await Promise.all(hosts.map((h) => created(h, state.runId, since)));
    const onNode = (node: string) =>
      Object.entries(state.tasks)
        .filter(([, t]) => t.node === node)
        .map(([id]) => `gantry-${state.runId}-${id}-1`)
        .sort();
    expect(first).toEqual(onNode('e1'));
    expect(second).toEqual(onNode('e2'));
    expect(await created(undefined, state.runId, since)).toEqual([]);
    // Every engine is left clean.
    for (const host of hosts) {
      const engine = createDockerRuntime({ socketPath: host.slice('unix://'.length) });
      expect(await engine.findContainers({ [Label.Run]: state.runId })).toEqual([]);
    }
  }, 120_000);
});
