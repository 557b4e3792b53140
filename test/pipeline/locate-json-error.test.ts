import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { locateJsonError } from '../../pipeline/locate-json-error.js';

describe('locateJsonError', () => {
  it.each([
    ['{"a": }', 6],
    ['[1, 2,]', 6],
    ['{"a" 1}', 5],
    ['01', 1],
    ['"tab\there"', 0],
    ['tru', 3],
    ['nul', 3],
    ['[nope]', 2],
    ['{"a": [1, {"b": nul}]}', 19],
  ])('places the error in %s at offset %i', (text, offset) => {
    expect(locateJsonError(text)).toBe(offset);
  });

  it('finds no error in any JSON that JSON.stringify writes', () => {
    fc.assert(
      fc.property(fc.jsonValue(), fc.boolean(), (value, pretty) => {
        expect(locateJsonError(JSON.stringify(value, null, pretty ? 2 : undefined))).toBeUndefined();
      }),
    );
  });

  it('finds an error exactly when JSON.parse rejects the text', () => {
    const alphabet = fc.constantFrom(
      '{',
      '}',
      '[',
      ']',
      ',',
      ':',
      '"',
      'a',
      '1',
      '-',
      '.',
      'e',
      ' ',
      '\n',
      'true',
      'null',
      '\\',
    );
    fc.assert(
      fc.property(
        fc.array(alphabet, { maxLength: 12 }).map((parts) => parts.join('')),
        (text) => {
          let isValid = true;
          try {
            JSON.parse(text);
          } catch {
            isValid = false;
          }
          expect(locateJsonError(text) === undefined).toBe(isValid);
        },
      ),
      { numRuns: 2000 },
    );
  });
});
