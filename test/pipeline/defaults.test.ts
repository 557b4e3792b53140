import { describe, expect, it } from 'vitest';
import { PipelineValidationError } from '../../pipeline/errors.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { makePipeline } from './make-pipeline.js';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a PipelineValidationError');
}

const child = { name: 'child', tasks: [{ id: 'c', image: 'gantry/child' }] };

describe('parsePipeline with defaults', () => {
  it('gives every task that does not set a field the default value', () => {
    const spec = parsePipeline(
      makePipeline([{ id: 'a' }, { id: 'b', image: 'gantry/own', resources: { cpu: 2 }, tier: 'critical' }], {
        defaults: {
          image: 'gantry/busybox',
          resources: { cpu: 1, memoryMiB: 512 },
          env: { MODE: 'batch' },
          retry: { maxAttempts: 5 },
          group: 'nightly',
        },
      }),
    );
    expect(
      spec.tasks.map(({ id, image, resources, env, retry, group, tier }) => ({
        id,
        image,
        resources,
        env,
        maxAttempts: retry.maxAttempts,
        group,
        tier,
      })),
    ).toEqual([
      {
        id: 'a',
        image: 'gantry/busybox',
        resources: { cpu: 1, memoryMiB: 512 },
        env: { MODE: 'batch' },
        maxAttempts: 5,
        group: 'nightly',
        tier: 'flex',
      },
      // Field level: the task's own resources replace the default's whole, with the schema's defaults.
      {
        id: 'b',
        image: 'gantry/own',
        resources: { cpu: 2, memoryMiB: 256 },
        env: { MODE: 'batch' },
        maxAttempts: 5,
        group: 'nightly',
        tier: 'critical',
      },
    ]);
  });

  it('replaces a default env with a task env whole, not key by key', () => {
    const spec = parsePipeline(
      makePipeline([{ id: 'a', env: { OWN: '1' } }], { defaults: { image: 'x', env: { MODE: 'batch' } } }),
    );
    expect(spec.tasks[0]?.env).toEqual({ OWN: '1' });
  });

  it('gives maxParallel only to foreach tasks and container fields only to container tasks', () => {
    const spec = parsePipeline(
      makePipeline([{ id: 'fan', foreach: '[1, 2, 3]' }, { id: 'one' }, { id: 'sub', pipelineSpec: child }], {
        defaults: { image: 'gantry/busybox', maxParallel: 2, command: ['true'], trigger: 'allDone' },
      }),
    );
    expect(
      spec.tasks.map(({ id, image, maxParallel, command, trigger }) => [
        id,
        image,
        maxParallel,
        command,
        trigger,
      ]),
    ).toEqual([
      ['fan', 'gantry/busybox', 2, ['true'], 'allDone'],
      ['one', 'gantry/busybox', undefined, ['true'], 'allDone'],
      ['sub', undefined, undefined, undefined, 'allDone'],
    ]);
  });

  it('does not hand the parent defaults to an inline sub-pipeline', () => {
    const inline = { name: 'child', tasks: [{ id: 'c' }] };
    expect(
      messageOf(() =>
        parsePipeline(
          makePipeline([{ id: 'sub', pipelineSpec: inline }], { defaults: { image: 'gantry/parent' } }),
        ),
      ),
    ).toBe(
      'tasks[0].pipelineSpec.tasks[0]: task "c" needs "image" (a container) or "pipeline" (a sub-pipeline)',
    );
  });

  it('accepts its own output again unchanged', () => {
    const spec = parsePipeline(makePipeline([{ id: 'a' }], { defaults: { image: 'x', group: 'g' } }));
    expect(parsePipeline(spec)).toEqual(spec);
  });
});

describe('parsePipeline on bad defaults', () => {
  it.each([
    [
      'a bad value, once however many tasks',
      { tier: 'gold' },
      3,
      'defaults.tier: must be one of "critical", "flex", got "gold"',
    ],
    [
      'a bad nested value',
      { image: 'x', resources: { cpu: -1 } },
      2,
      'defaults.resources.cpu: must be > 0, got -1',
    ],
    ['an unknown field', { image: 'x', colour: 'red' }, 1, 'defaults: unknown field "colour"'],
    [
      'a task field that cannot be defaulted',
      { image: 'x', dependsOn: ['a'] },
      1,
      'defaults.dependsOn: "dependsOn" cannot have a default',
    ],
    ['a block that is not an object', ['image'], 1, 'defaults: expected record, got ["image"]'],
  ])('reports %s', (_, defaults, count, message) => {
    const tasks = Array.from({ length: count }, (__, i) => ({ id: `t${i}`, image: 'gantry/busybox' }));
    expect(messageOf(() => parsePipeline(makePipeline(tasks, { defaults })))).toBe(message);
  });

  it('reports an image default that is bad once, and the tasks left without an image', () => {
    expect(messageOf(() => parsePipeline(makePipeline([{ id: 'a' }], { defaults: { image: '' } })))).toBe(
      [
        'defaults.image: must not be empty, got ""',
        'tasks[0]: task "a" needs "image" (a container) or "pipeline" (a sub-pipeline)',
      ].join('\n'),
    );
  });

  it('reports a bad default of an inline sub-pipeline under its task', () => {
    const inline = { name: 'child', defaults: { tier: 'gold' }, tasks: [{ id: 'c', image: 'x' }] };
    expect(messageOf(() => parsePipeline(makePipeline([{ id: 'sub', pipelineSpec: inline }])))).toBe(
      'tasks[0].pipelineSpec.defaults.tier: must be one of "critical", "flex", got "gold" (task "sub")',
    );
  });
});
