import { InvalidArgumentError } from 'commander';
import { describe, expect, it } from 'vitest';
import { collectParam, parseParamFlag } from '../../cli/param-flag.js';

describe('--param NAME=VALUE', () => {
  it.each([
    ['lr=0.1', ['lr', '0.1']],
    ['query=a=b&c=d', ['query', 'a=b&c=d']],
    ['empty=', ['empty', '']],
    ['spaced= x y ', ['spaced', ' x y ']],
  ])('splits %j at the first "="', (arg, expected) => {
    expect(parseParamFlag(arg)).toEqual(expected);
  });

  it.each(['lr', '=0.1', ''])('rejects %j, which has no name before an "="', (arg) => {
    expect(() => parseParamFlag(arg)).toThrow(InvalidArgumentError);
    expect(() => parseParamFlag(arg)).toThrow(`expected NAME=VALUE, got "${arg}"`);
  });

  it('collects repeated flags, a later value of the same name winning', () => {
    const params = ['lr=0.1', 'epochs=3', 'lr=0.2'].reduce<Record<string, string>>(
      (acc, arg) => collectParam(arg, acc),
      {},
    );
    expect(params).toEqual({ lr: '0.2', epochs: '3' });
  });

  it('starts from nothing when commander passes no previous value', () => {
    expect(collectParam('a=1', undefined)).toEqual({ a: '1' });
  });
});
