/**
 * Data between tasks on the real Temporal server and Docker engine: params and templates, output
 * parameters, artifacts copied through the Docker API, foreach fan-outs, trigger rules and `when`,
 * caching, reuse for reruns, sub-pipelines, and run-time errors that fail only their task.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { PipelineInput } from '../../pipeline/schema.js';
import { waitForRun } from '../../engine/runs.js';
import { Label } from '../../common/names.js';
import { type TestCluster, docker, shTask, startTestCluster, waitFor } from './harness.js';
import { foreachItems, valueOf } from './data-helpers.js';

describe('data between tasks', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('data', [
      { id: 'n1', cpu: 2, memoryMiB: 1024 },
      { id: 'n2', cpu: 2, memoryMiB: 1024 },
    ]);
  });
  afterAll(() => cluster.stop());

  it('hands output parameters and params to downstream templates', async () => {
    const result = await cluster.run({
      name: 'values',
      params: { greeting: 'hello' },
      tasks: [
        shTask('a', 'printf "%s world\\n" "$GREETING" > /gantry/outputs/msg; echo 7 > /tmp/n', {
          env: { GREETING: '{{ params.greeting }}' },
          outputs: { parameters: [{ name: 'msg' }, { name: 'n', path: '/tmp/n' }] },
        }),
        shTask('b', 'echo "$X|$1|{{ run.id }}" > /gantry/outputs/got', {
          dependsOn: ['a'],
          command: ['sh', '-c', 'echo "$X|$0|$RUN" > /gantry/outputs/got', '{{ tasks.a.outputs.n }}'],
          env: { X: '{{ tasks.a.outputs.msg }}', RUN: '{{ run.id }}' },
          outputs: { parameters: [{ name: 'got' }] },
        }),
      ],
    });
    expect(result.status).toBe('succeeded');
    expect(await valueOf(cluster, result.tasks['a']!.outputs!['msg']!)).toBe('hello world');
    expect(await valueOf(cluster, result.tasks['b']!.outputs!['got']!)).toBe(`hello world|7|${result.runId}`);
  });

  it('copies an artifact directory out of one container and into another, byte for byte', async () => {
    const result = await cluster.run({
      name: 'artifacts',
      tasks: [
        shTask(
          'make',
          'mkdir -p /data/out/sub && echo one > /data/out/a.txt && seq 1 5000 > /data/out/sub/b.txt',
          {
            outputs: { artifacts: [{ name: 'dataset', path: '/data/out' }] },
          },
        ),
        shTask(
          'use',
          'cat /data/in/a.txt /data/in/sub/b.txt | md5sum | cut -d" " -f1 > /gantry/outputs/sum',
          {
            dependsOn: ['make'],
            inputs: { artifacts: [{ from: '{{ tasks.make.outputs.artifacts.dataset }}', path: '/data/in' }] },
            outputs: { parameters: [{ name: 'sum' }] },
          },
        ),
        shTask(
          'check',
          'cat /data/out/a.txt /data/out/sub/b.txt | md5sum | cut -d" " -f1 > /gantry/outputs/sum',
          {
            dependsOn: ['make'],
            inputs: {
              artifacts: [{ from: '{{ tasks.make.outputs.artifacts.dataset }}', path: '/data/out' }],
            },
            outputs: { parameters: [{ name: 'sum' }] },
          },
        ),
      ],
    });
    expect(result.status).toBe('succeeded');
    const dataset = result.tasks['make']!.artifacts!['dataset']!;
    expect(dataset.digest).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(dataset.sizeBytes).toBeGreaterThan(20_000);
    const sum = await valueOf(cluster, result.tasks['use']!.outputs!['sum']!);
    expect(sum).toMatch(/^[0-9a-f]{32}$/);
    expect(await valueOf(cluster, result.tasks['check']!.outputs!['sum']!)).toBe(sum);
  });

  it('fans out over a list computed upstream, one container per item, and gathers outputs in item order', async () => {
    const result = await cluster.run({
      name: 'fanout',
      tasks: [
        shTask('prepare', `echo '[{"n":3},{"n":1},{"n":4},{"n":1},{"n":5}]' > /gantry/outputs/configs`, {
          outputs: { parameters: [{ name: 'configs' }] },
        }),
        shTask('square', 'echo $((N * N))-$I > /gantry/outputs/sq', {
          dependsOn: ['prepare'],
          foreach: '{{ tasks.prepare.outputs.configs }}',
          maxParallel: 2,
          env: { N: '{{ item.n }}', I: '{{ index }}' },
          outputs: { parameters: [{ name: 'sq' }] },
        }),
        shTask('sum', 'echo "$SQS" > /gantry/outputs/all', {
          dependsOn: ['square'],
          env: { SQS: '{{ tasks.square.outputs.sq }}' },
          outputs: { parameters: [{ name: 'all' }] },
        }),
      ],
    });
    expect(result.status).toBe('succeeded');
    expect(result.tasks['square']).toMatchObject({
      status: 'succeeded',
      foreach: { total: 5, succeeded: 5, failed: 0 },
    });
    expect(JSON.parse(await valueOf(cluster, result.tasks['sum']!.outputs!['all']!))).toEqual([
      '9-0',
      '1-1',
      '16-2',
      '1-3',
      '25-4',
    ]);
    const items = await foreachItems(cluster, result.tasks['square']!);
    expect(items.map((item) => [item.index, item.status, item.attempts])).toEqual([
      [0, 'succeeded', 1],
      [1, 'succeeded', 1],
      [2, 'succeeded', 1],
      [3, 'succeeded', 1],
      [4, 'succeeded', 1],
    ]);
  });

  it('finishes a fan-out whose workflow worker is replaced mid-way, each item run once', async () => {
    const started = await cluster.start({
      name: 'fanout-restart',
      tasks: [
        shTask('each', 'sleep 0.5; echo $V > /gantry/outputs/v', {
          foreach: JSON.stringify(Array.from({ length: 24 }, (_, i) => i)),
          maxParallel: 4,
          env: { V: '{{ item }}' },
          outputs: { parameters: [{ name: 'v' }] },
        }),
      ],
    });
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await cluster.restartControlWorker();
    const result = await waitForRun(started.handle);
    expect(result.status).toBe('succeeded');
    const items = await foreachItems(cluster, result.tasks['each']!);
    expect(items.map((item) => [item.status, item.attempts])).toEqual(
      Array.from({ length: 24 }, () => ['succeeded', 1]),
    );
    expect(JSON.parse(await valueOf(cluster, result.tasks['each']!.outputs!['v']!))).toEqual(
      Array.from({ length: 24 }, (_, i) => String(i)),
    );
  });

  it('cancels a fan-out: its slices end, its containers are killed and removed, its items are cancelled', async () => {
    const started = await cluster.start({
      name: 'fanout-cancel',
      tasks: [
        shTask('each', 'sleep 30', {
          foreach: JSON.stringify(Array.from({ length: 12 }, (_, i) => i)),
          maxParallel: 3,
        }),
        shTask('after', 'true', { dependsOn: ['each'], trigger: 'allDone' }),
      ],
    });
    await waitFor('three running item containers', async () =>
      (await docker.findContainers({ [Label.Run]: started.runId })).filter((c) => c.isRunning).length === 3
        ? true
        : undefined,
    );
    await started.handle.cancel();
    const result = await waitForRun(started.handle);
    expect(result.status).toBe('cancelled');
    expect(result.tasks['each']!.status).toBe('cancelled');
    expect(result.tasks['after']!.status).toBe('cancelled');
    expect(await docker.findContainers({ [Label.Run]: started.runId })).toEqual([]);
    const slice = await cluster.client.workflow.getHandle(`${started.workflowId}--each--slice-0`).describe();
    expect(slice.status.name).toBe('CANCELLED');
  });

  it('succeeds with zero items on an empty list', async () => {
    const result = await cluster.run({
      name: 'empty-fanout',
      tasks: [
        shTask('each', 'exit 1', { foreach: '[]' }),
        shTask('after', 'echo "$ALL" > /gantry/outputs/all', {
          dependsOn: ['each'],
          env: { ALL: '{{ tasks.each.outputs.x }}' },
          outputs: { parameters: [{ name: 'all' }] },
        }),
      ].map((t, i) => (i === 0 ? { ...t, outputs: { parameters: [{ name: 'x' }] } } : t)),
    });
    expect(result.status).toBe('succeeded');
    expect(result.tasks['each']).toMatchObject({ status: 'succeeded', foreach: { total: 0 } });
    expect(await valueOf(cluster, result.tasks['after']!.outputs!['all']!)).toBe('[]');
  });

  it('retries each item on its own and fails the task when one item fails for good', async () => {
    const result = await cluster.run({
      name: 'item-fails',
      tasks: [
        shTask('each', '[ "$V" != 2 ]', {
          foreach: '[1,2,3]',
          env: { V: '{{ item }}' },
          retry: { maxAttempts: 2, initialIntervalSeconds: 0.1 },
        }),
        shTask('never', 'true', { dependsOn: ['each'] }),
        shTask('report', 'true', { dependsOn: ['each'], trigger: 'allDone' }),
      ],
    });
    expect(result.status).toBe('failed');
    expect(result.tasks['each']).toMatchObject({
      status: 'failed',
      foreach: { total: 3, succeeded: 2, failed: 1 },
    });
    expect(result.tasks['each']!.error).toContain('each[1]');
    const items = await foreachItems(cluster, result.tasks['each']!);
    expect(items.map((i) => [i.status, i.attempts])).toEqual([
      ['succeeded', 1],
      ['failed', 2],
      ['succeeded', 1],
    ]);
    expect(result.tasks['never']!.status).toBe('skipped');
    expect(result.tasks['report']!.status).toBe('succeeded');
  });

  it('applies trigger rules and when conditions, Airflow style', async () => {
    const result = await cluster.run({
      name: 'rules',
      params: { threshold: '0.5' },
      tasks: [
        shTask('ok', 'echo 0.93 > /gantry/outputs/best', { outputs: { parameters: [{ name: 'best' }] } }),
        shTask('bad', 'exit 3'),
        shTask('all-ok', 'true', { dependsOn: ['ok', 'bad'] }),
        shTask('all-done', 'true', { dependsOn: ['ok', 'bad'], trigger: 'allDone' }),
        shTask('any-ok', 'true', { dependsOn: ['ok', 'bad'], trigger: 'anySucceeded' }),
        shTask('any-failed', 'true', { dependsOn: ['ok', 'bad'], trigger: 'anyFailed' }),
        shTask('all-failed', 'true', { dependsOn: ['ok', 'bad'], trigger: 'allFailed' }),
        shTask('none-failed', 'true', { dependsOn: ['ok', 'all-ok'], trigger: 'noneFailed' }),
        shTask('after-skip', 'true', { dependsOn: ['all-ok'] }),
        shTask('done-after-skip', 'true', { dependsOn: ['all-ok'], trigger: 'allDone' }),
        shTask('passes', 'true', {
          dependsOn: ['ok'],
          when: "tasks.ok.status == 'succeeded' && double(tasks.ok.outputs.best) > double(params.threshold)",
        }),
        shTask('fails-when', 'true', { dependsOn: ['ok'], when: 'double(tasks.ok.outputs.best) > 0.99' }),
        shTask('after-when', 'true', { dependsOn: ['fails-when'] }),
      ],
    });
    const status = Object.fromEntries(Object.entries(result.tasks).map(([id, t]) => [id, t.status]));
    expect(status).toEqual({
      ok: 'succeeded',
      bad: 'failed',
      'all-ok': 'skipped',
      'all-done': 'succeeded',
      'any-ok': 'succeeded',
      'any-failed': 'succeeded',
      'all-failed': 'skipped',
      'none-failed': 'succeeded',
      'after-skip': 'skipped',
      'done-after-skip': 'succeeded',
      passes: 'succeeded',
      'fails-when': 'skipped',
      'after-when': 'skipped',
    });
    expect(result.status).toBe('failed');
    expect(result.tasks['fails-when']!.error).toContain('double(tasks.ok.outputs.best) > 0.99');
  });

  const cachedPipeline = (marker: string): PipelineInput => ({
    name: 'cached',
    tasks: [
      shTask('slow', `echo ${marker} > /gantry/outputs/v; mkdir -p /o && echo data > /o/f`, {
        cache: { version: '1' },
        outputs: { parameters: [{ name: 'v' }], artifacts: [{ name: 'o', path: '/o' }] },
      }),
      shTask('next', 'cat /in/f > /gantry/outputs/w', {
        dependsOn: ['slow'],
        inputs: { artifacts: [{ from: '{{ tasks.slow.outputs.artifacts.o }}', path: '/in' }] },
        outputs: { parameters: [{ name: 'w' }] },
      }),
    ],
  });

  it('reuses an earlier success with the same inputs, and runs again with the cache off', async () => {
    const marker = `m${Date.now()}`;
    const first = await cluster.run(cachedPipeline(marker));
    expect(first.tasks['slow']).toMatchObject({ status: 'succeeded', attempts: 1 });
    const second = await cluster.run(cachedPipeline(marker));
    expect(second.tasks['slow']).toMatchObject({ status: 'cached', cachedFrom: first.runId, attempts: 0 });
    expect(second.tasks['slow']!.outputs).toEqual(first.tasks['slow']!.outputs);
    expect(second.tasks['slow']!.artifacts).toEqual(first.tasks['slow']!.artifacts);
    expect(second.tasks['next']!.status).toBe('succeeded');
    expect(await valueOf(cluster, second.tasks['next']!.outputs!['w']!)).toBe('data');
    const changed = await cluster.run(cachedPipeline(`${marker}-changed`));
    expect(changed.tasks['slow']!.status).toBe('succeeded');
    const uncached = await cluster.run(cachedPipeline(marker), { isCacheDisabled: true });
    expect(uncached.tasks['slow']).toMatchObject({ status: 'succeeded', attempts: 1 });
  });

  it('runs a sub-pipeline as a child run and maps its outputs', async () => {
    const child: PipelineInput = {
      name: 'child',
      params: { base: '1' },
      tasks: [
        shTask('double', 'echo $((B * 2)) > /gantry/outputs/v', {
          env: { B: '{{ params.base }}' },
          outputs: { parameters: [{ name: 'v' }] },
        }),
      ],
    };
    const result = await cluster.run({
      name: 'parent',
      tasks: [
        shTask('seed', 'echo 21 > /gantry/outputs/n', { outputs: { parameters: [{ name: 'n' }] } }),
        {
          id: 'sub',
          dependsOn: ['seed'],
          pipelineSpec: child,
          params: { base: '{{ tasks.seed.outputs.n }}' },
          outputs: { parameters: [{ name: 'result', from: '{{ tasks.double.outputs.v }}' }] },
        },
        {
          id: 'per-item',
          foreach: '[1,2,3]',
          pipelineSpec: child,
          params: { base: '{{ item }}' },
          outputs: { parameters: [{ name: 'result', from: '{{ tasks.double.outputs.v }}' }] },
        },
        shTask('show', 'echo "$R $ALL" > /gantry/outputs/out', {
          dependsOn: ['sub', 'per-item'],
          env: { R: '{{ tasks.sub.outputs.result }}', ALL: '{{ tasks.per-item.outputs.result }}' },
          outputs: { parameters: [{ name: 'out' }] },
        }),
      ],
    });
    expect(result.status).toBe('succeeded');
    expect(await valueOf(cluster, result.tasks['show']!.outputs!['out']!)).toBe('42 ["2","4","6"]');
    expect(result.tasks['sub']!.childRunId).toBe(`${result.runId}--sub`);
  });

  it('fails a sub-pipeline task whose child run failed, naming the child run', async () => {
    const result = await cluster.run({
      name: 'parent-fails',
      tasks: [
        { id: 'sub', pipelineSpec: { name: 'broken', tasks: [shTask('boom', 'exit 5')] } },
        shTask('after', 'true', { dependsOn: ['sub'] }),
      ],
    });
    expect(result.status).toBe('failed');
    expect(result.tasks['sub']).toMatchObject({
      status: 'failed',
      failureType: 'PipelineFailed',
      childRunId: `${result.runId}--sub`,
      error: `sub-pipeline run ${result.runId}--sub failed: task(s) "boom" failed`,
    });
    expect(result.tasks['after']!.status).toBe('skipped');
  });

  it('runs a sub-pipeline per item whose own task fans out again (nested foreach)', async () => {
    const inner: PipelineInput = {
      name: 'inner',
      params: { n: '1' },
      tasks: [
        shTask('range', 'seq 1 $N | tr "\\n" , | sed "s/,$//; s/^/[/; s/$/]/" > /gantry/outputs/list', {
          env: { N: '{{ params.n }}' },
          outputs: { parameters: [{ name: 'list' }] },
        }),
        shTask('cube', 'echo $((V * V * V)) > /gantry/outputs/c', {
          dependsOn: ['range'],
          foreach: '{{ tasks.range.outputs.list }}',
          env: { V: '{{ item }}' },
          outputs: { parameters: [{ name: 'c' }] },
        }),
      ],
    };
    const result = await cluster.run({
      name: 'nested',
      tasks: [
        {
          id: 'outer',
          foreach: '[1,2,3]',
          pipelineSpec: inner,
          params: { n: '{{ item }}' },
          outputs: { parameters: [{ name: 'cubes', from: '{{ tasks.cube.outputs.c }}' }] },
        },
      ],
    });
    expect(result.status).toBe('succeeded');
    expect(JSON.parse(await valueOf(cluster, result.tasks['outer']!.outputs!['cubes']!))).toEqual([
      '["1"]',
      '["1","8"]',
      '["1","8","27"]',
    ]);
  });

  it('fails only the task whose output is missing, too large, or not a list, or whose artifact path is absent, without retrying', async () => {
    const result = await cluster.run({
      name: 'bad-data',
      tasks: [
        shTask('no-output', 'true', {
          outputs: { parameters: [{ name: 'missing' }] },
          retry: { maxAttempts: 3 },
        }),
        shTask('not-a-list', 'echo notjson > /gantry/outputs/v', {
          outputs: { parameters: [{ name: 'v' }] },
        }),
        shTask('each', 'true', { dependsOn: ['not-a-list'], foreach: '{{ tasks.not-a-list.outputs.v }}' }),
        shTask('too-big', 'head -c 300000 /dev/zero | tr "\\0" a > /gantry/outputs/big', {
          outputs: { parameters: [{ name: 'big' }] },
        }),
        shTask('no-artifact', 'true', { outputs: { artifacts: [{ name: 'model', path: '/out/model' }] } }),
        shTask('fine', 'true'),
      ],
    });
    expect(result.status).toBe('failed');
    expect(result.tasks['no-output']).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureType: 'OutputMissing',
    });
    expect(result.tasks['no-output']!.error).toContain('/gantry/outputs/missing');
    expect(result.tasks['each']).toMatchObject({ status: 'failed', failureType: 'ForeachInvalid' });
    expect(result.tasks['each']!.error).toContain(
      'task "each" foreach: the value is not a JSON array: "notjson"',
    );
    expect(result.tasks['too-big']).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureType: 'OutputInvalid',
    });
    expect(result.tasks['too-big']!.error).toContain('big');
    expect(result.tasks['too-big']!.error).toContain('262144');
    expect(result.tasks['no-artifact']).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureType: 'ArtifactMissing',
    });
    expect(result.tasks['no-artifact']!.error).toContain('/out/model');
    expect(result.tasks['fine']!.status).toBe('succeeded');
  });

  it('takes the tasks a rerun reuses from the earlier run without running them', async () => {
    const first = await cluster.run({
      name: 'rerun',
      tasks: [
        shTask('a', 'echo A > /gantry/outputs/v', { outputs: { parameters: [{ name: 'v' }] } }),
        shTask('b', 'echo "$V" > /gantry/outputs/w', {
          dependsOn: ['a'],
          env: { V: '{{ tasks.a.outputs.v }}' },
          outputs: { parameters: [{ name: 'w' }] },
        }),
      ],
    });
    const second = await cluster.run(
      {
        name: 'rerun',
        tasks: [
          shTask('a', 'exit 1', { outputs: { parameters: [{ name: 'v' }] } }),
          shTask('b', 'echo "$V-again" > /gantry/outputs/w', {
            dependsOn: ['a'],
            env: { V: '{{ tasks.a.outputs.v }}' },
            outputs: { parameters: [{ name: 'w' }] },
          }),
        ],
      },
      {
        reuse: {
          a: { fromRun: first.runId, outputs: first.tasks['a']!.outputs!, artifacts: {} },
        },
      },
    );
    expect(second.status).toBe('succeeded');
    expect(second.tasks['a']).toMatchObject({ status: 'cached', cachedFrom: first.runId });
    expect(await valueOf(cluster, second.tasks['b']!.outputs!['w']!)).toBe('A-again');
  });
});
