import { describe, expect, expectTypeOf, it } from 'vitest';
import { definePipeline, isPipelineBuilder, type PipelineBuilder } from '../../pipeline/builder.js';
import { PipelineValidationError } from '../../pipeline/errors.js';
import { parsePipeline } from '../../pipeline/parse.js';

const image = 'gantry/busybox';

describe('definePipeline', () => {
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
    expectTypeOf(builder).toEqualTypeOf<PipelineBuilder<'a' | 'b'>>();
  });

  it('rejects at compile time a dependency on a task not defined before', () => {
    // @ts-expect-error 'later' is not an id defined earlier
    const builder = definePipeline('p').task('a', { image, dependsOn: ['later'] });
    expect(() => builder.build()).toThrow('tasks[0].dependsOn[0]: unknown task "later"');
  });

  it('rejects at compile time an id defined twice, and at run time too', () => {
    // @ts-expect-error 'a' is already defined
    const builder = definePipeline('p').task('a', { image }).task('a', { image });
    expect(() => builder.build()).toThrow(PipelineValidationError);
    expect(() => builder.build()).toThrow('tasks[1].id: duplicate task id "a" (also tasks[0])');
  });

  it('applies the same rules as every other source', () => {
    const builder = definePipeline('p').task('a', { image, resources: { cpu: 16 } });
    expect(() => builder.build({ nodes: [{ id: 'n', capacity: { cpu: 4, memoryMiB: 1024 } }] })).toThrow(
      'tasks[0].resources.cpu: 16 is larger than every node of the cluster (the largest has 4)',
    );
  });

  it('leaves the builder it extends untouched', () => {
    const base = definePipeline('p').task('a', { image });
    base.task('b', { image, dependsOn: ['a'] });
    expect(base.build().tasks.map((task) => task.id)).toEqual(['a']);
  });

  it('recognises builders among module exports', () => {
    expect([definePipeline('p'), { name: 'p', tasks: [] }, null, 'p'].map(isPipelineBuilder)).toEqual([
      true,
      false,
      false,
      false,
    ]);
  });
});
