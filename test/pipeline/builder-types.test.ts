// Compile-time behaviour of the builder: every `@ts-expect-error` below is checked by `tsc` (tsconfig
// includes test/), which fails when a line it marks compiles. At run time the same definitions reach
// parsePipeline, which rejects what the types cannot see.
import { describe, expect, expectTypeOf, it } from 'vitest';
import {
  definePipeline,
  type PipelineBuilder,
  type Ref,
  type SecretRefs,
  type TaskHandle,
} from '../../pipeline/builder.js';
import { PipelineValidationError } from '../../pipeline/errors.js';

const image = 'gantry/busybox';

/** prepare → train (foreach), and a sibling `lint` that nobody depends on. */
function sweep() {
  const p = definePipeline('sweep', { params: { lr: '0.01' } });
  const prepare = p.task('prepare', {
    image,
    outputs: { parameters: ['configs'], artifacts: [{ name: 'dataset', path: '/data' }] },
  });
  const lint = p.task('lint', { image, outputs: { parameters: ['report'] } });
  const train = p.task('train', {
    image,
    dependsOn: [prepare],
    foreach: prepare.outputs.configs,
    env: { CONFIG: p.item },
    outputs: { parameters: ['accuracy'] },
  });
  return { p, prepare, lint, train };
}

describe('builder types', () => {
  it('gives each handle its id, its ancestors and its declared outputs', () => {
    const { p, prepare, train } = sweep();
    const pick = p.task('pick', { image, dependsOn: [train] });
    expectTypeOf(train.id).toEqualTypeOf<'train'>();
    expectTypeOf(pick).toExtend<TaskHandle<'pick', 'pick' | 'train' | 'prepare'>>();
    expectTypeOf(pick).not.toExtend<TaskHandle<'pick', 'pick' | 'train'>>();
    expectTypeOf(prepare.outputs.configs).toEqualTypeOf<Ref<'prepare', 'output'>>();
    expectTypeOf(prepare.outputs.artifacts.dataset).toEqualTypeOf<Ref<'prepare', 'artifact'>>();
    expectTypeOf(p.t`--lr=${p.params.lr} --from=${prepare.outputs.configs}`).toEqualTypeOf<
      Ref<'prepare', 'template'>
    >();
    expectTypeOf(p).toEqualTypeOf<PipelineBuilder<never, 'lr'> & SecretRefs<never>>();
  });

  it('accepts references to any ancestor, however far up', () => {
    const { p, prepare, train } = sweep();
    const pick = p.task('pick', { image, dependsOn: [train], env: { ACCS: train.outputs.accuracy } });
    const report = p.task('report', {
      image,
      dependsOn: [pick],
      args: [p.t`--configs=${prepare.outputs.configs}`, p.t`--lr=${p.params.lr}`, p.runId],
      inputs: { artifacts: [{ from: prepare.outputs.artifacts.dataset, path: '/in' }] },
    });
    expect(report.id).toBe('report');
  });

  it('rejects a reference to a task that is not upstream', () => {
    const { p, lint, train } = sweep();
    p.task('pick', {
      image,
      dependsOn: [train],
      // @ts-expect-error lint is not upstream of pick
      env: { REPORT: lint.outputs.report },
    });
    p.task('pick2', {
      image,
      dependsOn: [train],
      // @ts-expect-error lint is not upstream of pick2, also inside a template
      args: [p.t`--report=${lint.outputs.report}`],
    });
    // @ts-expect-error a task without dependsOn has nothing upstream
    p.task('early', { image, env: { ACC: train.outputs.accuracy } });
    expect(() => p.build()).toThrow(PipelineValidationError);
  });

  it('rejects an output, param or sub-pipeline param that was not declared', () => {
    const { p, prepare } = sweep();
    const child = definePipeline('child', { params: { size: '1' } }).task('c', { image });
    const undeclaredOutput = () =>
      p.task('x', {
        image,
        dependsOn: [prepare],
        // @ts-expect-error prepare declares no output "model"
        env: { MODEL: prepare.outputs.model, LR: p.params.lr },
      });
    // @ts-expect-error the pipeline declares no param "epochs"
    const undeclaredParam = () => p.task('y', { image, args: ['--epochs', p.params.epochs] });
    expect(undeclaredOutput).toThrow(
      'tasks[3].env.MODEL: expected a string or a builder reference, got undefined',
    );
    expect(undeclaredParam).toThrow(
      'tasks[3].args[1]: expected a string or a builder reference, got undefined',
    );
    p.task('z', {
      pipeline: child,
      // @ts-expect-error the child pipeline declares no param "width"
      params: { size: p.params.lr, width: '2' },
    });
    // @ts-expect-error params are for sub-pipeline tasks only
    p.task('w', { image, params: { size: '1' } });
    expect(() => p.build()).toThrow(PipelineValidationError);
  });

  it('keeps item and index to foreach tasks, and artifacts to inputs', () => {
    const { p, prepare } = sweep();
    // @ts-expect-error item is only defined in a foreach task
    p.task('a', { image, env: { CONFIG: p.item } });
    // @ts-expect-error index is only defined in a foreach task
    p.task('b', { image, args: [p.t`--shard=${p.index}`] });
    p.task('c', {
      image,
      dependsOn: [prepare],
      // @ts-expect-error the foreach list itself cannot refer to the item
      foreach: p.item,
    });
    p.task('d', {
      image,
      dependsOn: [prepare],
      // @ts-expect-error an artifact is not a value: it travels through inputs.artifacts
      env: { DATA: prepare.outputs.artifacts.dataset },
    });
    p.task('e', {
      image,
      dependsOn: [prepare],
      // @ts-expect-error inputs.artifacts takes artifacts, not parameters
      inputs: { artifacts: [{ from: prepare.outputs.configs, path: '/in' }] },
    });
    expect(() => p.build()).toThrow(PipelineValidationError);
  });

  it('rejects a reused id or an unknown string dependency within a chain', () => {
    // @ts-expect-error 'a' is already defined
    const reused = definePipeline('p').task('a', { image }).task('a', { image });
    // @ts-expect-error 'later' is not an id defined earlier
    const unknown = definePipeline('p').task('a', { image, dependsOn: ['later'] });
    expect(() => reused.build()).toThrow('tasks[1].id: duplicate task id "a" (also tasks[0])');
    expect(() => unknown.build()).toThrow('tasks[0].dependsOn[0]: unknown task "later"');
  });

  it('rejects an output parameter named "artifacts", which the handle reserves', () => {
    const p = definePipeline('p');
    // @ts-expect-error outputs.artifacts holds the artifacts
    const define = () => p.task('a', { image, outputs: { parameters: ['artifacts'] } });
    expect(define).toThrow(PipelineValidationError);
    expect(define).toThrow(
      'tasks[0].outputs.parameters[0].name: "artifacts" is reserved in the builder: handle.outputs.artifacts holds the artifacts',
    );
  });
});
