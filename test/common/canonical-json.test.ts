import { describe, expect, it } from 'vitest';
import { canonicalJson } from '../../common/canonical-json.js';

describe('canonicalJson', () => {
  it.each([
    {
      value: { b: 1, a: { d: [2, { y: 1, x: 0 }], c: 'z' } },
      text: '{"a":{"c":"z","d":[2,{"x":0,"y":1}]},"b":1}',
    },
    { value: { a: undefined, b: null }, text: '{"b":null}' },
    { value: [undefined, 1], text: '[null,1]' },
    { value: 'text', text: '"text"' },
  ])('writes $text', ({ value, text }) => {
    expect(canonicalJson(value)).toBe(text);
  });

  it('gives equal text for objects that differ only in key order', () => {
    expect(canonicalJson({ x: 1, y: [1, 2] })).toBe(canonicalJson({ y: [1, 2], x: 1 }));
  });
});
