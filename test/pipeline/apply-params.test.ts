import { describe, expect, it } from 'vitest';
import { applyParamOverrides } from '../../pipeline/apply-params.js';
import { UnknownParamError } from '../../pipeline/errors.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { makePipeline, makeTask } from './make-pipeline.js';

const spec = parsePipeline(
  makePipeline([makeTask('a')], { name: 'train', params: { lr: '0.01', epochs: '3' } }),
);

describe('applyParamOverrides', () => {
  it.each([
    ['no overrides', {}, { lr: '0.01', epochs: '3' }],
    ['one override, keeping declaration order', { epochs: '10' }, { lr: '0.01', epochs: '10' }],
    ['every param, to empty strings too', { epochs: '', lr: '1' }, { lr: '1', epochs: '' }],
  ])('applies %s', (_, overrides, params) => {
    const applied = applyParamOverrides(spec, overrides);
    expect(applied.params).toEqual(params);
    expect(Object.keys(applied.params)).toEqual(['lr', 'epochs']);
    expect(applied.tasks).toBe(spec.tasks);
  });

  it('leaves the spec it was given untouched', () => {
    applyParamOverrides(spec, { lr: '9' });
    expect(spec.params).toEqual({ lr: '0.01', epochs: '3' });
  });

  it.each([
    [
      'a param the pipeline does not declare',
      spec,
      { rate: '1' },
      'unknown param "rate": pipeline "train" declares lr, epochs',
    ],
    [
      'any param of a pipeline without params',
      parsePipeline(makePipeline([makeTask('a')], { name: 'plain' })),
      { lr: '1' },
      'unknown param "lr": pipeline "plain" declares no params',
    ],
    [
      'an inherited name',
      spec,
      { toString: 'x' },
      'unknown param "toString": pipeline "train" declares lr, epochs',
    ],
  ])('rejects %s, naming it', (_, base, overrides, message) => {
    let error: unknown;
    try {
      applyParamOverrides(base, overrides);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(UnknownParamError);
    expect((error as Error).message).toBe(message);
    expect((error as UnknownParamError).param).toBe(Object.keys(overrides)[0]);
  });
});
