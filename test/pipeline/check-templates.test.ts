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

/** prep -> train -> report, plus an unrelated `side`; prep declares an output `x` and an artifact `m`. */
function pipelineWith(train: Record<string, unknown>): unknown {
  return makePipeline(
    [
      makeTask('prep', {
        outputs: { parameters: [{ name: 'x' }], artifacts: [{ name: 'm', path: '/out/m' }] },
      }),
      makeTask('side', { outputs: { parameters: [{ name: 'y' }] } }),
      makeTask('train', { dependsOn: ['mid'], ...train }),
      makeTask('mid', { dependsOn: ['prep'] }),
    ],
    { params: { lr: '0.1', shards: '["a","b"]' } },
  );
}

describe('parsePipeline on templates that resolve', () => {
  it('accepts every kind of reference where it is allowed, through a transitive dependency', () => {
    const spec = parsePipeline(
      pipelineWith({
        command: ['python', 'train.py', '{{ run.id }}'],
        args: ['--lr={{params.lr}}', '--x', '{{ tasks.prep.outputs.x }}', '{{ index }}', '{{ item.name }}'],
        env: { AT: '{{ run.scheduledTime }}', ITEM: '{{ item }}' },
        foreach: '[{"name": "a"}, {"name": "b"}]',
        maxParallel: 2,
        inputs: { artifacts: [{ from: '{{ tasks.prep.outputs.artifacts.m }}', path: '/in/m' }] },
      }),
    );
    expect(spec.tasks[2]?.foreach).toBe('[{"name": "a"}, {"name": "b"}]');
  });

  it.each([
    ['a param', '{{ params.shards }}'],
    ['an upstream output', '{{ tasks.prep.outputs.x }}'],
    ['a literal array of strings', '["a", "b"]'],
    ['an empty literal array', '[]'],
  ])('accepts foreach over %s', (_, foreach) => {
    expect(() => parsePipeline(pipelineWith({ foreach }))).not.toThrow();
  });
});

describe('parsePipeline on templates that do not resolve', () => {
  it.each<[string, Record<string, unknown>, string]>([
    [
      'an output of a task that is not upstream',
      { env: { CONFIG: '{{ tasks.side.outputs.y }}' } },
      'tasks[2].env.CONFIG: {{ tasks.side.outputs.y }}: task "side" is not upstream of "train"',
    ],
    [
      'an output of a downstream task',
      { args: ['{{ tasks.mid.outputs.x }}'], dependsOn: [] },
      'tasks[2].args[0]: {{ tasks.mid.outputs.x }}: task "mid" is not upstream of "train"',
    ],
    [
      'an unknown task',
      { args: ['--x={{ tasks.ghost.outputs.x }}'] },
      'tasks[2].args[0]: {{ tasks.ghost.outputs.x }}: unknown task "ghost" (task "train")',
    ],
    [
      'its own output',
      { command: ['{{ tasks.train.outputs.x }}'] },
      'tasks[2].command[0]: {{ tasks.train.outputs.x }}: task "train" cannot use its own outputs',
    ],
    [
      'an undeclared output',
      { args: ['{{ tasks.prep.outputs.best }}'] },
      'tasks[2].args[0]: {{ tasks.prep.outputs.best }}: task "prep" declares no output "best" (task "train")',
    ],
    [
      'an unknown param',
      { env: { LR: '{{ params.rate }}' } },
      'tasks[2].env.LR: {{ params.rate }}: unknown param "rate" (task "train")',
    ],
    [
      'an item outside foreach',
      { args: ['{{ item }}'] },
      'tasks[2].args[0]: {{ item }}: task "train" has no foreach',
    ],
    [
      'an index outside foreach',
      { env: { I: '{{index}}' } },
      'tasks[2].env.I: {{index}}: task "train" has no foreach',
    ],
    [
      'foreach over its own items',
      { foreach: '{{ item }}' },
      'tasks[2].foreach: {{ item }}: foreach cannot refer to its own items (task "train")',
    ],
    [
      'a key that a literal foreach item lacks',
      { foreach: '[{"name": "a"}, {"nom": "b"}]', args: ['{{ item.name }}'] },
      'tasks[2].args[0]: {{ item.name }}: foreach item 1 ({"nom":"b"}) has no key "name" (task "train")',
    ],
    [
      'a foreach that is neither a template nor a JSON array',
      { foreach: 'a,b,c' },
      'tasks[2].foreach: expected a JSON array or a template, got "a,b,c" (task "train")',
    ],
    [
      'a foreach that is a JSON object',
      { foreach: '{"a": 1}' },
      'tasks[2].foreach: expected a JSON array or a template, got "{\\"a\\": 1}" (task "train")',
    ],
    [
      'an artifact inline',
      { args: ['{{ tasks.prep.outputs.artifacts.m }}'] },
      'tasks[2].args[0]: {{ tasks.prep.outputs.artifacts.m }}: artifacts are passed through inputs.artifacts[].from, not inline (task "train")',
    ],
    [
      'an input artifact that is not an artifact reference',
      { inputs: { artifacts: [{ from: '{{ tasks.prep.outputs.x }}', path: '/in' }] } },
      'tasks[2].inputs.artifacts[0].from: expected {{ tasks.ID.outputs.artifacts.NAME }}, got "{{ tasks.prep.outputs.x }}" (task "train")',
    ],
    [
      'an input artifact with text around the reference',
      { inputs: { artifacts: [{ from: 'x{{ tasks.prep.outputs.artifacts.m }}', path: '/in' }] } },
      'tasks[2].inputs.artifacts[0].from: expected {{ tasks.ID.outputs.artifacts.NAME }}, got "x{{ tasks.prep.outputs.artifacts.m }}" (task "train")',
    ],
    [
      'an undeclared artifact',
      { inputs: { artifacts: [{ from: '{{ tasks.prep.outputs.artifacts.x }}', path: '/in' }] } },
      'tasks[2].inputs.artifacts[0].from: {{ tasks.prep.outputs.artifacts.x }}: task "prep" declares no output artifact "x" (task "train")',
    ],
    [
      'an unclosed template',
      { args: ['echo {{ params.lr'] },
      'tasks[2].args[0]: "{{ params.lr" has no closing "}}" (task "train")',
    ],
    [
      'a template in the image',
      { image: 'repo/{{ params.lr }}' },
      'tasks[2].image: templates are allowed only in command, args, env, foreach, inputs and params, got "repo/{{ params.lr }}" (task "train")',
    ],
  ])('reports %s with the path of the field', (_, train, message) => {
    expect(messageOf(() => parsePipeline(pipelineWith(train)))).toBe(message);
  });

  it('reports every bad reference of a field, in order', () => {
    expect(messageOf(() => parsePipeline(pipelineWith({ args: ['{{ params.a }}-{{ params.b }}'] })))).toBe(
      [
        'tasks[2].args[0]: {{ params.a }}: unknown param "a" (task "train")',
        'tasks[2].args[0]: {{ params.b }}: unknown param "b" (task "train")',
      ].join('\n'),
    );
  });

  it('reports a param of a pipeline that declares none', () => {
    expect(
      messageOf(() => parsePipeline(makePipeline([makeTask('a', { env: { A_1: '{{ params.x }}' } })]))),
    ).toBe('tasks[0].env.A_1: {{ params.x }}: unknown param "x" (task "a")');
  });
});
