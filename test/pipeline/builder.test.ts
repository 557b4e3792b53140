import { describe, expect, expectTypeOf, it } from 'vitest';
import sweep from '../../examples/sweep/pipeline.js';
import { definePipeline, isPipelineBuilder, type PipelineBuilder } from '../../pipeline/builder.js';
import { parsePipeline } from '../../pipeline/parse.js';

const image = 'gantry/busybox';

describe('definePipeline, chained', () => {
  it('builds the same validated spec a plain definition parses to', () => {
    const spec = definePipeline('diamond')
      .describe('fan out and join')
      .task('a', { image, command: ['sh', '-c', 'echo a'] })
      .task('b', { image, dependsOn: ['a'] })
      .task('c', { image, dependsOn: ['a'], resources: { cpu: 1, memoryMiB: 512 } })
      .task('d', { image, dependsOn: ['b', 'c'] })
      .build();
    expect(spec).toEqual(
      parsePipeline({
        name: 'diamond',
        description: 'fan out and join',
        tasks: [
          { id: 'a', image, command: ['sh', '-c', 'echo a'] },
          { id: 'b', image, dependsOn: ['a'] },
          { id: 'c', image, dependsOn: ['a'], resources: { cpu: 1, memoryMiB: 512 } },
          { id: 'd', image, dependsOn: ['b', 'c'] },
        ],
      }),
    );
  });

  it('accumulates the defined ids in its type', () => {
    const builder = definePipeline('p')
      .task('a', { image })
      .task('b', { image, dependsOn: ['a'] });
    expectTypeOf(builder).toExtend<PipelineBuilder<'a' | 'b'>>();
    expectTypeOf(builder.id).toEqualTypeOf<'b'>();
  });

  it('applies the same rules as every other source', () => {
    const builder = definePipeline('p').task('a', { image, resources: { cpu: 16 } });
    expect(() => builder.build({ nodes: [{ id: 'n', capacity: { cpu: 4, memoryMiB: 1024 } }] })).toThrow(
      'tasks[0].resources.cpu: 16 is larger than every node of the cluster (the largest has 4)',
    );
  });

  it('adds every task to the one pipeline, whichever handle the chain continues from', () => {
    const p = definePipeline('p');
    const a = p.task('a', { image });
    a.task('b', { image, dependsOn: [a] });
    p.task('c', { image });
    expect(p.build().tasks.map((task) => task.id)).toEqual(['a', 'b', 'c']);
  });

  it('recognises builders, and handles that continue them, among module exports', () => {
    const p = definePipeline('p');
    expect([p, p.task('a', { image }), { name: 'p', tasks: [] }, null, 'p'].map(isPipelineBuilder)).toEqual([
      true,
      true,
      false,
      false,
      false,
    ]);
  });
});

describe('references', () => {
  const p = definePipeline('refs', { params: { lr: '0.01' } });
  const prepare = p.task('prepare', {
    image,
    outputs: { parameters: ['configs'], artifacts: [{ name: 'dataset', path: '/data' }] },
  });

  it.each([
    ['a param', p.params.lr, '{{ params.lr }}'],
    ['an output', prepare.outputs.configs, '{{ tasks.prepare.outputs.configs }}'],
    ['an artifact', prepare.outputs.artifacts.dataset, '{{ tasks.prepare.outputs.artifacts.dataset }}'],
    ['the item', p.item, '{{ item }}'],
    ['a key of the item', p.itemKey('model.depth'), '{{ item.model.depth }}'],
    ['the index', p.index, '{{ index }}'],
    ['the run id', p.runId, '{{ run.id }}'],
    ['the scheduled time', p.scheduledTime, '{{ run.scheduledTime }}'],
    ['a tagged template', p.t`--lr=${p.params.lr} --n=${3} ${'x'}`, '--lr={{ params.lr }} --n=3 x'],
    ['an empty tagged template', p.t``, ''],
  ])('serialises %s to the YAML template syntax', (_, ref, text) => {
    expect(ref.text).toBe(text);
  });

  it('serialises every templated field and normalises declarations', () => {
    const child = definePipeline('child', { params: { size: '1' } });
    child.task('c', { image, outputs: { parameters: ['n'] } });
    p.task('train', {
      image,
      dependsOn: [prepare],
      foreach: prepare.outputs.configs,
      maxParallel: 2,
      command: ['train', p.t`--config=${p.item}`],
      args: ['--index', p.index],
      env: { LR: p.params.lr, PLAIN: 'x' },
      inputs: { artifacts: [{ from: prepare.outputs.artifacts.dataset, path: '/in' }] },
      outputs: { parameters: ['accuracy', { name: 'loss', path: '/tmp/loss' }] },
      trigger: 'noneFailed',
      when: 'params.lr != "0"',
    });
    p.task('nested', {
      dependsOn: [prepare],
      pipeline: child,
      params: { size: prepare.outputs.configs },
      outputs: { parameters: [{ name: 'n', from: '{{ tasks.c.outputs.n }}' }] },
    });
    const input = p.toInput();
    expect(input.params).toEqual({ lr: '0.01' });
    expect(input.tasks.slice(1)).toEqual([
      {
        id: 'train',
        image,
        dependsOn: ['prepare'],
        foreach: '{{ tasks.prepare.outputs.configs }}',
        maxParallel: 2,
        command: ['train', '--config={{ item }}'],
        args: ['--index', '{{ index }}'],
        env: { LR: '{{ params.lr }}', PLAIN: 'x' },
        inputs: { artifacts: [{ from: '{{ tasks.prepare.outputs.artifacts.dataset }}', path: '/in' }] },
        outputs: { parameters: [{ name: 'accuracy' }, { name: 'loss', path: '/tmp/loss' }], artifacts: [] },
        trigger: 'noneFailed',
        when: 'params.lr != "0"',
      },
      {
        id: 'nested',
        dependsOn: ['prepare'],
        pipelineSpec: {
          name: 'child',
          params: { size: '1' },
          tasks: [{ id: 'c', image, outputs: { parameters: [{ name: 'n' }], artifacts: [] } }],
        },
        params: { size: '{{ tasks.prepare.outputs.configs }}' },
        outputs: { parameters: [{ name: 'n', from: '{{ tasks.c.outputs.n }}' }], artifacts: [] },
      },
    ]);
  });
});

describe('the sweep example', () => {
  it('serialises to the pipeline of the issue', () => {
    const input = sweep.toInput();
    expect(input).toMatchObject({
      name: 'sweep',
      params: { lr: '0.01' },
      defaults: { resources: { cpu: 0.5, memoryMiB: 256 } },
    });
    expect(input.tasks.map(({ command: _, ...task }) => task)).toEqual([
      {
        id: 'prepare',
        image: 'gantry/python',
        outputs: { parameters: [{ name: 'configs' }], artifacts: [{ name: 'dataset', path: '/data/out' }] },
      },
      {
        id: 'train',
        image: 'gantry/python',
        dependsOn: ['prepare'],
        foreach: '{{ tasks.prepare.outputs.configs }}',
        maxParallel: 4,
        env: { CONFIG: '{{ item }}', INDEX: '{{ index }}', LR: '{{ params.lr }}' },
        inputs: { artifacts: [{ from: '{{ tasks.prepare.outputs.artifacts.dataset }}', path: '/data/in' }] },
        outputs: { parameters: [{ name: 'accuracy' }], artifacts: [] },
      },
      {
        id: 'pick',
        image: 'gantry/python',
        dependsOn: ['train'],
        env: { ACCS: '{{ tasks.train.outputs.accuracy }}' },
        outputs: { parameters: [{ name: 'best' }], artifacts: [] },
        cache: { version: '1' },
      },
      {
        id: 'notify',
        image: 'gantry/python',
        dependsOn: ['pick'],
        trigger: 'allDone',
        when: "tasks.pick.status == 'succeeded' && double(tasks.pick.outputs.best) > 0.9",
        env: { RUN: '{{ run.id }}', BEST: '{{ tasks.pick.outputs.best }}' },
      },
    ]);
    expect(input.tasks.map((task) => task.command?.slice(0, 2))).toEqual(
      Array.from({ length: 4 }, () => ['python3', '-c']),
    );
  });

  it('builds through parsePipeline', () => {
    const spec = sweep.build();
    expect(spec.tasks.map((task) => [task.id, task.trigger, task.retry.maxAttempts])).toEqual([
      ['prepare', 'allSucceeded', 2],
      ['train', 'allSucceeded', 2],
      ['pick', 'allSucceeded', 2],
      ['notify', 'allDone', 2],
    ]);
  });
});
