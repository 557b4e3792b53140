import { describe, expect, it } from 'vitest';
import { PipelineValidationError } from '../../pipeline/errors.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { compileWhen, evaluateWhen, type WhenContext } from '../../pipeline/when-expression.js';
import { makePipeline, makeTask } from './make-pipeline.js';

describe('compileWhen', () => {
  it('lists the params, tasks and outputs a condition refers to', () => {
    expect(
      compileWhen(
        "tasks.pick.status == 'succeeded' && double(tasks.pick.outputs.best) > 0.9 && params.mode != 'x'",
      ),
    ).toEqual({
      kind: 'compiled',
      refs: [
        { kind: 'task', taskId: 'pick' },
        { kind: 'output', taskId: 'pick', name: 'best' },
        { kind: 'param', name: 'mode' },
      ],
    });
  });

  it.each([
    [
      'index access with literal keys',
      'tasks["pick"].outputs["best"] == "1"',
      [{ kind: 'output', taskId: 'pick', name: 'best' }],
    ],
    ['has() on an output', 'has(tasks.a.outputs.x)', [{ kind: 'output', taskId: 'a', name: 'x' }]],
    ['a comprehension variable named tasks', '[1, 2].exists(tasks, tasks > 1)', []],
    ['cel.bind over a task', "cel.bind(t, tasks.a, t.status == 'failed')", [{ kind: 'task', taskId: 'a' }]],
    ['a param used as a map', "'mode' in params", []],
  ])('reads %s', (_, expression, refs) => {
    expect(compileWhen(expression)).toEqual({ kind: 'compiled', refs });
  });

  it.each([
    ['a syntax error', '1 +', 'cannot parse "1 +": Unexpected token: EOF at column 4'],
    [
      'a number compared with an output string',
      'tasks.a.outputs.x > 0.9',
      '"tasks.a.outputs.x > 0.9": no such overload: string > double at column 1',
    ],
    [
      'an unknown task field',
      'tasks.a.state == "x"',
      '"tasks.a.state == \\"x\\"": No such key: state at column 9',
    ],
    ['an unknown variable', 'ready', '"ready": Unknown variable: ready at column 1'],
    ['a non-boolean expression', 'params.mode', '"params.mode" is a string, expected a bool'],
    [
      'tasks indexed by a computed key',
      "tasks[params.t].status == 'succeeded'",
      '"tasks" must be followed by a task id: tasks.ID or tasks["ID"]',
    ],
    ['tasks as a whole', "'a' in tasks", '"tasks" must be followed by a task id: tasks.ID or tasks["ID"]'],
  ])('rejects %s', (_, expression, message) => {
    expect(compileWhen(expression)).toEqual({ kind: 'invalid', message });
  });
});

describe('evaluateWhen', () => {
  const context: WhenContext = {
    params: { mode: 'full', threshold: '0.5' },
    tasks: {
      pick: { status: 'succeeded', outputs: { best: '0.95', name: 'resnet' } },
      flaky: { status: 'failed', outputs: {} },
    },
  };

  it.each([
    ["tasks.pick.status == 'succeeded' && double(tasks.pick.outputs.best) > 0.9", 'true'],
    ['double(tasks.pick.outputs.best) > double(params.threshold) * 2.0', 'false'],
    ["tasks.flaky.status == 'failed' || params.mode == 'quick'", 'true'],
    ['has(tasks.flaky.outputs.best)', 'false'],
    ["tasks.pick.outputs.name.startsWith('res')", 'true'],
  ])('evaluates %s to %s', (expression, kind) => {
    expect(evaluateWhen(expression, context)).toEqual({ kind });
  });

  it.each([
    [
      'tasks.flaky.outputs.best == "1"',
      '"tasks.flaky.outputs.best == \\"1\\"": No such key: best at column 21',
    ],
    [
      'double(params.mode) > 1.0',
      '"double(params.mode) > 1.0": double() type error: cannot convert to double at column 1',
    ],
    ['tasks.pick.outputs.best', '"tasks.pick.outputs.best" gave the string "0.95", expected a bool'],
    ['size(params)', '"size(params)" gave the int 2, expected a bool'],
    ['1 +', '"1 +": Unexpected token: EOF at column 4'],
  ])('gives an error for %s', (expression, message) => {
    expect(evaluateWhen(expression, context)).toEqual({ kind: 'error', message });
  });

  it('gives the same answer every time', () => {
    const expression = "tasks.pick.status == 'succeeded'";
    expect(new Set([1, 2, 3].map(() => evaluateWhen(expression, context).kind))).toEqual(new Set(['true']));
  });
});

describe('parsePipeline on when', () => {
  function pipelineWith(when: string): unknown {
    return makePipeline(
      [
        makeTask('pick', { outputs: { parameters: [{ name: 'best' }] } }),
        makeTask('side'),
        makeTask('deploy', { dependsOn: ['pick'], when }),
      ],
      { params: { mode: 'full' } },
    );
  }

  it('accepts a condition over params, upstream statuses and declared outputs', () => {
    const when =
      "tasks.pick.status == 'succeeded' && double(tasks.pick.outputs.best) > 0.9 && params.mode == 'full'";
    expect(parsePipeline(pipelineWith(when)).tasks[2]?.when).toBe(when);
  });

  it.each([
    [
      'a malformed expression',
      'tasks.pick.status ==',
      'tasks[2].when: cannot parse "tasks.pick.status ==": Unexpected token: EOF at column 21 (task "deploy")',
    ],
    [
      'a task that is not upstream',
      "tasks.side.status == 'failed'",
      'tasks[2].when: tasks.side: task "side" is not upstream of "deploy"',
    ],
    [
      'an unknown task',
      'tasks["ghost"].status == "failed"',
      'tasks[2].when: tasks.ghost: unknown task "ghost" (task "deploy")',
    ],
    [
      'the task itself',
      "tasks.deploy.status == 'failed'",
      'tasks[2].when: tasks.deploy: task "deploy" cannot use its own outputs',
    ],
    [
      'an undeclared output',
      "tasks.pick.outputs.worst == '1'",
      'tasks[2].when: tasks.pick.outputs.worst: task "pick" declares no output "worst" (task "deploy")',
    ],
    [
      'an unknown param',
      "params.speed == 'fast'",
      'tasks[2].when: params.speed: unknown param "speed" (task "deploy")',
    ],
  ])('reports %s at tasks[i].when', (_, when, message) => {
    let error: unknown;
    try {
      parsePipeline(pipelineWith(when));
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(PipelineValidationError);
    expect((error as Error).message).toBe(message);
  });

  it('reports a reference made twice once', () => {
    expect(() => parsePipeline(pipelineWith("params.x == 'a' || params.x == 'b'"))).toThrow(
      /^tasks\[2\]\.when: params\.x: unknown param "x" \(task "deploy"\)$/,
    );
  });
});
