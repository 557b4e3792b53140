import { describe, expect, it } from 'vitest';
import { PipelineValidationError } from '../../pipeline/errors.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { firstTriggerReference, triggerOutputsNamed } from '../../pipeline/trigger-refs.js';
import { makePipeline, makeTask } from './make-pipeline.js';

const triggers = [{ afterPipeline: 'upstream', status: 'succeeded' }];

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a PipelineValidationError');
}

describe('templates of the upstream run', () => {
  it('are allowed in every templated field of a pipeline with triggers', () => {
    const spec = parsePipeline(
      makePipeline(
        [
          makeTask('use', {
            command: ['echo', '{{ trigger.runId }}'],
            args: ['{{ trigger.outputs.build.tag }}'],
            env: { X: 'x={{ trigger.outputs.build.x }}' },
            foreach: '{{ trigger.outputs.list.items }}',
          }),
        ],
        { triggers },
      ),
    );
    expect(spec.triggers).toEqual(triggers);
  });

  it('are rejected, with the path and the task, in a pipeline without triggers', () => {
    const input = makePipeline([
      makeTask('a', { command: ['echo', '{{ trigger.runId }}'] }),
      makeTask('b', { env: { X: '{{ trigger.outputs.build.tag }}' } }),
    ]);
    expect(messageOf(() => parsePipeline(input))).toBe(
      [
        'tasks[0].command[1]: {{ trigger.runId }}: the pipeline declares no triggers, so its runs have no upstream run (add triggers: [{ afterPipeline: NAME }]) (task "a")',
        'tasks[1].env.X: {{ trigger.outputs.build.tag }}: the pipeline declares no triggers, so its runs have no upstream run (add triggers: [{ afterPipeline: NAME }]) (task "b")',
      ].join('\n'),
    );
  });

  it('are rejected in a sub-pipeline, which has no upstream run of its own', () => {
    const child = makePipeline([makeTask('inner', { args: ['{{ trigger.runId }}'] })], { name: 'child' });
    const input = makePipeline([{ id: 'sub', pipelineSpec: child }], { triggers });
    expect(messageOf(() => parsePipeline(input))).toContain(
      'tasks[0].pipelineSpec.tasks[0].args[0]: {{ trigger.runId }}: the pipeline declares no triggers',
    );
  });

  it('may feed a sub-pipeline task’s params in a pipeline with triggers', () => {
    const child = makePipeline([makeTask('inner', { args: ['{{ params.tag }}'] })], {
      name: 'child',
      params: { tag: '' },
    });
    const input = makePipeline(
      [{ id: 'sub', pipelineSpec: child, params: { tag: '{{ trigger.outputs.build.tag }}' } }],
      { triggers },
    );
    expect(() => parsePipeline(input)).not.toThrow();
  });
});

describe('triggerOutputsNamed', () => {
  it('lists each upstream output the tasks name once, by task', () => {
    const spec = parsePipeline(
      makePipeline(
        [
          makeTask('a', { args: ['{{ trigger.outputs.build.tag }}', '{{ trigger.runId }}'] }),
          makeTask('b', { env: { T: '{{ trigger.outputs.build.tag }}{{ trigger.outputs.build.sha }}' } }),
          makeTask('c', { foreach: '{{ trigger.outputs.split.parts }}' }),
        ],
        { triggers },
      ),
    );
    expect(triggerOutputsNamed(spec)).toEqual(
      new Map([
        ['build', new Set(['tag', 'sha'])],
        ['split', new Set(['parts'])],
      ]),
    );
  });
});

describe('firstTriggerReference', () => {
  it('names the first task that reads the upstream run, or nothing', () => {
    const uses = parsePipeline(
      makePipeline([makeTask('plain'), makeTask('use', { args: ['{{ trigger.outputs.a.x }}'] })], {
        triggers,
      }),
    );
    expect(firstTriggerReference(uses)).toBe('task "use" uses {{ trigger.outputs.a.x }}');
    expect(
      firstTriggerReference(parsePipeline(makePipeline([makeTask('plain')], { triggers }))),
    ).toBeUndefined();
  });
});
