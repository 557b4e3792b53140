import { describe, expect, it } from 'vitest';
import { PipelineValidationError } from '../../pipeline/errors.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { makePipeline, makeTask } from './make-pipeline.js';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a PipelineValidationError');
}

/** A child pipeline with a param `lr` and a task `fit` declaring output `score` and artifact `model`. */
const child = {
  name: 'child',
  params: { lr: '0.1' },
  tasks: [
    {
      id: 'fit',
      image: 'gantry/fit',
      outputs: { parameters: [{ name: 'score' }], artifacts: [{ name: 'model', path: '/out/model' }] },
    },
  ],
};

function subTask(overrides: Record<string, unknown> = {}): Record<string, unknown> {
  return { id: 'sub', pipeline: 'child.yaml', pipelineSpec: child, ...overrides };
}

describe('parsePipeline on container and sub-pipeline tasks', () => {
  it('accepts a sub-pipeline task mapping the child outputs, used downstream', () => {
    const spec = parsePipeline(
      makePipeline(
        [
          makeTask('prep', { outputs: { parameters: [{ name: 'lr' }] } }),
          subTask({
            dependsOn: ['prep'],
            params: { lr: '{{ tasks.prep.outputs.lr }}' },
            outputs: {
              parameters: [{ name: 'score', from: '{{ tasks.fit.outputs.score }}' }],
              artifacts: [{ name: 'model', from: '{{ tasks.fit.outputs.artifacts.model }}' }],
            },
          }),
          makeTask('use', {
            dependsOn: ['sub'],
            args: ['{{ tasks.sub.outputs.score }}'],
            inputs: { artifacts: [{ from: '{{ tasks.sub.outputs.artifacts.model }}', path: '/in' }] },
          }),
        ],
        { params: {} },
      ),
    );
    expect(spec.tasks[1]?.pipelineSpec?.tasks[0]?.id).toBe('fit');
  });

  it('accepts a sub-pipeline task whose child is not loaded yet', () => {
    expect(() =>
      parsePipeline(
        makePipeline([
          {
            id: 'sub',
            pipeline: 'child.yaml',
            outputs: { parameters: [{ name: 'x', from: '{{ tasks.a.outputs.x }}' }] },
          },
        ]),
      ),
    ).not.toThrow();
  });

  it.each<[string, unknown[], string]>([
    [
      'a task with both an image and a sub-pipeline',
      [subTask({ image: 'gantry/busybox' })],
      'tasks[0]: task "sub" sets both "image" and "pipeline"; a task runs a container or a sub-pipeline, not both',
    ],
    [
      'a task with an image and an inline sub-pipeline',
      [makeTask('sub', { pipelineSpec: child })],
      'tasks[0]: task "sub" sets both "image" and "pipelineSpec"; a task runs a container or a sub-pipeline, not both',
    ],
    [
      'a container output parameter with "from"',
      [makeTask('a', { outputs: { parameters: [{ name: 'x', from: '{{ tasks.b.outputs.x }}' }] } })],
      'tasks[0].outputs.parameters[0].from: "from" is for sub-pipeline tasks; task "a" runs a container',
    ],
    [
      'a container output artifact without a path',
      [makeTask('a', { outputs: { artifacts: [{ name: 'm' }] } })],
      'tasks[0].outputs.artifacts[0].path: is required for an artifact of container task "a"',
    ],
    [
      'params on a container task',
      [makeTask('a', { params: { lr: '1' } })],
      'tasks[0].params: params are for sub-pipeline tasks; task "a" runs a container',
    ],
    [
      'a duplicate output parameter',
      [makeTask('a', { outputs: { parameters: [{ name: 'x' }, { name: 'y' }, { name: 'x' }] } })],
      'tasks[0].outputs.parameters[2].name: duplicate output "x" of task "a" (also parameters[0])',
    ],
    [
      'a duplicate output artifact',
      [
        makeTask('a', {
          outputs: {
            artifacts: [
              { name: 'm', path: '/a' },
              { name: 'm', path: '/b' },
            ],
          },
        }),
      ],
      'tasks[0].outputs.artifacts[1].name: duplicate output artifact "m" of task "a" (also artifacts[0])',
    ],
    [
      'maxParallel without foreach',
      [makeTask('a', { maxParallel: 2 })],
      'tasks[0].maxParallel: task "a" has no foreach to limit',
    ],
    [
      'a sub-pipeline output without "from"',
      [subTask({ outputs: { parameters: [{ name: 'score' }] } })],
      'tasks[0].outputs.parameters[0].from: is required for an output of sub-pipeline task "sub"',
    ],
    [
      'a sub-pipeline output with a path',
      [
        subTask({
          outputs: {
            artifacts: [{ name: 'm', path: '/m', from: '{{ tasks.fit.outputs.artifacts.model }}' }],
          },
        }),
      ],
      'tasks[0].outputs.artifacts[0].path: "path" is for container tasks; task "sub" runs a sub-pipeline',
    ],
    [
      'a container field on a sub-pipeline task',
      [subTask({ command: ['true'], env: { A: '1' } })],
      [
        'tasks[0].command: "command" is for container tasks; task "sub" runs a sub-pipeline',
        'tasks[0].env: "env" is for container tasks; task "sub" runs a sub-pipeline',
      ].join('\n'),
    ],
    [
      'a param the child does not declare',
      [subTask({ params: { lr: '1', epochs: '3' } })],
      'tasks[0].params.epochs: sub-pipeline "child" declares no param "epochs" (task "sub")',
    ],
    [
      'an output mapping an unknown child task',
      [subTask({ outputs: { parameters: [{ name: 's', from: '{{ tasks.ghost.outputs.score }}' }] } })],
      'tasks[0].outputs.parameters[0].from: {{ tasks.ghost.outputs.score }}: unknown task "ghost" in sub-pipeline "child" (task "sub")',
    ],
    [
      'an output mapping an undeclared child output',
      [subTask({ outputs: { parameters: [{ name: 's', from: '{{ tasks.fit.outputs.loss }}' }] } })],
      'tasks[0].outputs.parameters[0].from: {{ tasks.fit.outputs.loss }}: task "fit" declares no output "loss" in sub-pipeline "child" (task "sub")',
    ],
    [
      'an output artifact mapping a child parameter',
      [subTask({ outputs: { artifacts: [{ name: 'm', from: '{{ tasks.fit.outputs.score }}' }] } })],
      'tasks[0].outputs.artifacts[0].from: expected {{ tasks.ID.outputs.artifacts.NAME }} of sub-pipeline "child", got "{{ tasks.fit.outputs.score }}" (task "sub")',
    ],
    [
      'a malformed output mapping',
      [subTask({ outputs: { parameters: [{ name: 's', from: '{{ tasks.fit.outputs.score' }] } })],
      'tasks[0].outputs.parameters[0].from: "{{ tasks.fit.outputs.score" has no closing "}}" (task "sub")',
    ],
    [
      'a problem inside an inline child, under its task',
      [subTask({ pipelineSpec: { name: 'child', tasks: [{ id: 'x', image: 'y', dependsOn: ['z'] }] } })],
      'tasks[0].pipelineSpec.tasks[0].dependsOn[0]: unknown task "z" (task "x")',
    ],
  ])('reports %s', (_, tasks, message) => {
    expect(messageOf(() => parsePipeline(makePipeline(tasks)))).toBe(message);
  });
});
