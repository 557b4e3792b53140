/**
 * Simulated nodes (`runtime: simulated`) on the real stack: the engine places and runs tasks on them as on
 * any node, but no container is created and each task takes its `expectedDurationSeconds`. The fan-out's
 * throughput is printed, not asserted: it is the engine's, on a shared two-core machine.
 */
import { readFile, mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Label } from '../../common/names.js';
import { defaultClusterSpec } from '../../engine/default-cluster.js';
import { runState, waitForRun } from '../../engine/runs.js';
import { runGantry } from './cli-harness.js';
import { type TestCluster, docker, shTask, startTestCluster, waitFor } from './harness.js';

// 200 keeps the file near a minute on today's engine; GANTRY_SIMULATED_TASKS measures larger runs.
const FAN_OUT = Number(process.env['GANTRY_SIMULATED_TASKS'] ?? 200);
const SLOW_SECONDS = 2;

describe('simulated nodes', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('simulated', [
      { id: 's1', cpu: 64, memoryMiB: 65_536, runtime: 'simulated' },
      { id: 's2', cpu: 64, memoryMiB: 65_536, runtime: 'simulated' },
    ]);
  });
  afterAll(() => cluster?.stop());

  it(
    `runs a ${FAN_OUT}-task fan-out without a container, each task taking its expected duration`,
    async () => {
      // `sleep` would keep a container alive for the whole slow task if Docker ran it.
      const task = (id: string, overrides: Parameters<typeof shTask>[2] = {}) =>
        shTask(id, `sleep ${SLOW_SECONDS}`, { resources: { cpu: 0.1, memoryMiB: 64 }, ...overrides });
      const tasks = [
        task('root'),
        task('slow', { dependsOn: ['root'], expectedDurationSeconds: SLOW_SECONDS }),
        ...Array.from({ length: FAN_OUT - 2 }, (_, i) => task(`leaf-${i}`, { dependsOn: ['root'] })),
      ];
      const began = Date.now();
      const started = await cluster.start({ name: 'simulated-fan-out', tasks });
      await waitFor(
        'the slow task to run',
        async () => ((await runState(started.handle)).tasks['slow']?.status === 'running' ? true : undefined),
        60_000,
      );
      expect(await docker.findContainers({ [Label.Run]: started.runId })).toEqual([]);
      const state = await waitForRun(started.handle);
      const seconds = (Date.now() - began) / 1000;
      console.log(
        `simulated fan-out: ${FAN_OUT} tasks on 2 simulated nodes in ${seconds.toFixed(1)} s (${(FAN_OUT / seconds).toFixed(1)} tasks/s)`,
      );

      expect(state.status).toBe('succeeded');
      const statuses = Object.values(state.tasks).map((t) => t.status);
      expect(statuses).toHaveLength(FAN_OUT);
      expect(statuses.every((s) => s === 'succeeded')).toBe(true);
      expect(Object.values(state.tasks).every((t) => t.node === 's1' || t.node === 's2')).toBe(true);
      const slow = state.tasks['slow']!;
      expect(slow.finishedAt! - slow.startedAt!).toBeGreaterThanOrEqual(SLOW_SECONDS * 1000);
      const log = (task: string) =>
        readFile(path.join(cluster.config.logDir, started.runId, task, 'attempt-1.log'), 'utf8');
      expect(await log('slow')).toBe(
        `simulated: completed after ${SLOW_SECONDS}s on node ${slow.node} (no container ran)\n`,
      );
      // The leaves have no expected duration: they do not wait out their `sleep`.
      expect(await log('leaf-0')).toBe(
        `simulated: completed after 0s on node ${state.tasks['leaf-0']!.node} (no container ran)\n`,
      );
    },
    60_000 + FAN_OUT * 600,
  );

  it('gives output parameters the empty string and fails a task that declares an artifact', async () => {
    const state = await cluster.run({
      name: 'simulated-outputs',
      tasks: [
        shTask('make', 'echo 7 > /gantry/outputs/n', { outputs: { parameters: [{ name: 'n' }] } }),
        shTask('use', 'true', { dependsOn: ['make'], env: { N: '[{{ tasks.make.outputs.n }}]' } }),
        shTask('pack', 'true', { outputs: { artifacts: [{ name: 'data', path: '/data' }] } }),
      ],
    });
    expect(state.status).toBe('failed');
    expect(state.tasks['make']!.outputs).toEqual({ n: { kind: 'inline', value: '' } });
    expect(state.tasks['use']!.status).toBe('succeeded');
    expect(state.tasks['pack']).toMatchObject({
      status: 'failed',
      failureType: 'InvalidTaskConfig',
      error: `task "pack" declares output artifact "data": simulated node "${state.tasks['pack']!.node}" runs no container, so it cannot produce artifacts`,
    });
  }, 60_000);

  it('ends a simulated task at once when its run is cancelled', async () => {
    const started = await cluster.start({
      name: 'simulated-cancel',
      tasks: [shTask('long', 'sleep 600', { expectedDurationSeconds: 600 })],
    });
    await waitFor('the long task to run', async () =>
      (await runState(started.handle)).tasks['long']?.status === 'running' ? true : undefined,
    );
    const cancelledAt = Date.now();
    await started.handle.cancel();
    const state = await waitForRun(started.handle);
    expect(state.status).toBe('cancelled');
    expect(Date.now() - cancelledAt).toBeLessThan(15_000);
  }, 60_000);

  it('is applied with `gantry cluster apply` and shown by `gantry cluster show` as SIMULATED', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-simulated-'));
    const file = path.join(dir, 'cluster.yaml');
    await writeFile(
      file,
      [
        `name: ${cluster.name}`,
        'nodes:',
        '  - { id: s1, capacity: { cpu: 64, memoryMiB: 65536 }, runtime: simulated }',
        '  - { id: s2, capacity: { cpu: 64, memoryMiB: 65536 }, runtime: simulated }',
        '',
      ].join('\n'),
    );
    const env = {
      ...process.env,
      GANTRY_CLUSTER: cluster.name,
      GANTRY_CONTROL_TASK_QUEUE: cluster.config.controlTaskQueue,
    };
    const applied = await runGantry(env, 'cluster', 'apply', file);
    expect(applied.stderr).toBe('');
    expect(applied.stdout).toBe(`cluster ${cluster.name}: s1 (SIMULATED), s2 (SIMULATED)\n`);
    const shown = await runGantry(env, 'cluster', 'show');
    expect(shown.code).toBe(0);
    expect(shown.stdout).toMatch(
      /^ {2}s1 +cpu 0\/64, memoryMiB 0\/65536 {2}tasks: 0 {2}runtime: SIMULATED {2}health: [a-z]+/m,
    );
    expect(shown.stdout).toMatch(/^ {2}s2 .* {2}runtime: SIMULATED {2}health: [a-z]+/m);
  }, 120_000);

  it('is never what the zero-configuration cluster picks', async () => {
    const spec = await defaultClusterSpec(`simulated-default-${cluster.name}`);
    expect(spec.nodes.map((n) => n.runtime)).toEqual(['docker']);
  });
});
