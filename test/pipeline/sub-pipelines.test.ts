import { describe, expect, it } from 'vitest';
import { loadPipelineFile } from '../../cli/load-pipeline.js';
import {
  PipelineIncludeCycleError,
  PipelineValidationError,
  SubPipelineNotFoundError,
} from '../../pipeline/errors.js';

const dir = 'test/fixtures/pipelines/sub';

async function errorOf(path: string): Promise<unknown> {
  return loadPipelineFile(path).catch((error: unknown) => error);
}

describe('loadPipelineFile with sub-pipelines', () => {
  it.each(['parent.yaml', 'parent.ts'])(
    'loads %s with its children, relative to each including file',
    async (file) => {
      const spec = await loadPipelineFile(`${dir}/${file}`);
      const train = spec.tasks[1];
      expect(train?.pipeline).toBe('children/train.yaml');
      expect(train?.pipelineSpec?.name).toBe('train');
      expect(train?.pipelineSpec?.params).toEqual({ lr: '0.1' });
      const evaluate = train?.pipelineSpec?.tasks[1];
      expect(evaluate?.pipeline).toBe('eval.yaml');
      expect(evaluate?.pipelineSpec?.tasks.map((task) => task.id)).toEqual(['score']);
    },
  );

  it('loads the same spec from YAML and from a module', async () => {
    expect(await loadPipelineFile(`${dir}/parent.ts`)).toEqual(await loadPipelineFile(`${dir}/parent.yaml`));
  });

  it('checks the parent against its child: params and output mappings', async () => {
    const error = await errorOf(`${dir}/bad-mapping.yaml`);
    expect(error).toBeInstanceOf(PipelineValidationError);
    expect((error as PipelineValidationError).source).toBe(`${dir}/bad-mapping.yaml`);
    expect((error as Error).message).toBe(
      [
        'tasks[0].params.epochs: sub-pipeline "train" declares no param "epochs" (task "train")',
        'tasks[0].outputs.parameters[0].from: {{ tasks.fit.outputs.score }}: task "fit" declares no output "score" in sub-pipeline "train" (task "train")',
      ].join('\n'),
    );
  });

  it('reports a problem of a child with the child as its source', async () => {
    const error = await errorOf(`${dir}/broken-child.yaml`);
    expect(error).toBeInstanceOf(PipelineValidationError);
    expect((error as PipelineValidationError).source).toBe(`${dir}/children/broken.yaml`);
    expect((error as Error).message).toBe('tasks[0].dependsOn[0]: unknown task "b" (task "a")');
  });

  it('names the task and the path of a missing child', async () => {
    const error = await errorOf(`${dir}/missing-child.yaml`);
    expect(error).toBeInstanceOf(SubPipelineNotFoundError);
    expect(error).toMatchObject({
      taskId: 'ghost',
      path: `${dir}/children/nope.yaml`,
      file: `${dir}/missing-child.yaml`,
    });
    expect((error as Error).message).toBe(
      `${dir}/missing-child.yaml: task "ghost": sub-pipeline file ${dir}/children/nope.yaml not found`,
    );
  });

  it.each([
    ['cycle-a.yaml', ['cycle-a.yaml', 'cycle-b.yaml', 'cycle-a.yaml']],
    ['cycle-b.yaml', ['cycle-b.yaml', 'cycle-a.yaml', 'cycle-b.yaml']],
    ['self-include.yaml', ['self-include.yaml', 'self-include.yaml']],
  ])('rejects the include cycle from %s, naming the chain', async (file, names) => {
    const error = await errorOf(`${dir}/${file}`);
    const chain = names.map((name) => `${dir}/${name}`);
    expect(error).toBeInstanceOf(PipelineIncludeCycleError);
    expect((error as PipelineIncludeCycleError).chain).toEqual(chain);
    expect((error as Error).message).toBe(`sub-pipeline include cycle: ${chain.join(' -> ')}`);
  });
});
