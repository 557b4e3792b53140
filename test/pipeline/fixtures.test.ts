import { describe, expect, it } from 'vitest';
import { PipelineFileNotFoundError, PipelineModuleError } from '../../cli/errors.js';
import { loadPipelineFile } from '../../cli/load-pipeline.js';
import { PipelineSyntaxError, PipelineValidationError } from '../../pipeline/errors.js';

const dir = 'test/fixtures/pipelines';
const nodes = [
  { id: 'n1', capacity: { cpu: 4, memoryMiB: 8192 } },
  { id: 'n2', capacity: { cpu: 8, memoryMiB: 16384 } },
];

describe('loadPipelineFile on bad fixtures', () => {
  it.each([
    ['cycle.yaml', 'tasks: cycle a -> b -> c -> a'],
    ['unknown-dependency.yaml', 'tasks[3].dependsOn[0]: unknown task "build" (task "deploy")'],
    ['duplicate-id.yaml', 'tasks[1].id: duplicate task id "build" (also tasks[0])'],
    ['self-dependency.yaml', 'tasks[0].dependsOn[0]: task "loop" depends on itself'],
    [
      'non-positive-cpu.yaml',
      'tasks[0].resources.cpu: must be > 0, got 0 (task "idle")\ntasks[0].resources.memoryMiB: must be > 0, got -64 (task "idle")',
    ],
    [
      'too-large-memory.yaml',
      'tasks[1].resources.memoryMiB: 65536 is larger than every node of the cluster (the largest has 16384) (task "huge")',
    ],
    ['unknown-field.yaml', 'tasks[0]: unknown field "comand" (task "build")'],
    ['plain-object.ts', 'tasks[0].dependsOn[0]: unknown task "missing" (task "only")'],
  ])('rejects %s with the exact problem', async (file, message) => {
    const error = await loadPipelineFile(`${dir}/${file}`, { nodes }).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineValidationError);
    expect((error as PipelineValidationError).message).toBe(message);
    expect((error as PipelineValidationError).source).toBe(`${dir}/${file}`);
  });

  it.each([
    [
      'malformed.yaml',
      `${dir}/malformed.yaml:5:5: Flow sequence in block collection must be sufficiently indented and end with a ]`,
    ],
    ['malformed.json', `${dir}/malformed.json:4:49: Expected double-quoted property name`],
  ])('rejects malformed %s naming file, line and column', async (file, message) => {
    const error = await loadPipelineFile(`${dir}/${file}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineSyntaxError);
    expect((error as Error).message).toBe(message);
  });
});

describe('loadPipelineFile on good sources', () => {
  it.each(['diamond.yaml', 'diamond.json', 'diamond-builder.ts', 'diamond-spec.ts'])(
    'loads %s to the same validated spec',
    async (file) => {
      const spec = await loadPipelineFile(`${dir}/${file}`, { nodes });
      expect(spec).toEqual(await loadPipelineFile(`${dir}/diamond.yaml`));
      expect(spec.tasks.map((task) => [task.id, task.dependsOn])).toEqual([
        ['a', []],
        ['b', ['a']],
        ['c', ['a']],
        ['d', ['b', 'c']],
      ]);
    },
  );

  it('validates a module pipeline against the cluster it is given', async () => {
    const tiny = [{ id: 'tiny', capacity: { cpu: 0.25, memoryMiB: 8192 } }];
    const error = await loadPipelineFile(`${dir}/diamond-builder.ts`, { nodes: tiny }).catch(
      (e: unknown) => e,
    );
    expect(error).toBeInstanceOf(PipelineValidationError);
    expect((error as Error).message).toBe(
      ['a', 'b', 'c', 'd']
        .map(
          (id, i) =>
            `tasks[${i}].resources.cpu: 0.5 is larger than every node of the cluster (the largest has 0.25) (task "${id}")`,
        )
        .join('\n'),
    );
  });
});

describe('loadPipelineFile on missing or unusable files', () => {
  it.each(['nope.yaml', 'nope.json', 'nope.ts'])('names the path when %s does not exist', async (file) => {
    const error = await loadPipelineFile(`${dir}/${file}`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineFileNotFoundError);
    expect((error as PipelineFileNotFoundError).path).toBe(`${dir}/${file}`);
    expect((error as Error).message).toBe(`${dir}/${file}: pipeline file not found`);
  });

  it('rejects a module without a default export', async () => {
    const error = await loadPipelineFile(`${dir}/no-default-export.ts`).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(PipelineModuleError);
    expect((error as Error).message).toBe(
      `${dir}/no-default-export.ts: the module has no default export (export default definePipeline(...))`,
    );
  });
});
