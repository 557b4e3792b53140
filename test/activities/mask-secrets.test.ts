/** Secret masking: whole texts, and streams cut anywhere (a value split across the container's chunks). */
import fc from 'fast-check';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { MASK, SecretMasker, maskPatterns, maskText } from '../../activities/mask-secrets.js';

/** Writes `chunks` through a masker and returns what reached the sink. */
async function streamed(chunks: readonly string[], secrets: readonly string[]): Promise<string> {
  const received: Buffer[] = [];
  const sink = new Writable({
    write(chunk: Buffer, _encoding, callback) {
      received.push(chunk);
      callback();
    },
  });
  const masker = new SecretMasker(sink, secrets);
  for (const chunk of chunks) masker.write(chunk);
  await new Promise<void>((resolve) => masker.end(resolve));
  return Buffer.concat(received).toString();
}

describe('secret masking', () => {
  it('masks every occurrence, leftmost first, the longer of two secrets that start at the same place', () => {
    expect(maskText('a hunter2 b hunter2hunter3', ['hunter2', 'hunter2hunter3'])).toBe(`a ${MASK} b ${MASK}`);
    expect(maskText('abcd', ['bcd', 'ab'])).toBe(`${MASK}cd`);
  });

  it('masks each long-enough line of a multi-line secret on its own, and nothing for an empty one', () => {
    expect(maskPatterns(['-----BEGIN KEY-----\nabcdefgh\nxy\n', ''])).toEqual([
      '-----BEGIN KEY-----\nabcdefgh\nxy\n',
      '-----BEGIN KEY-----',
      'abcdefgh',
    ]);
    expect(maskText('line abcdefgh here', ['-----BEGIN KEY-----\nabcdefgh\nxy'])).toBe(`line ${MASK} here`);
  });

  it('masks a value split across chunks, and passes text without secrets through unchanged', async () => {
    expect(await streamed(['token=s3cr', 'et-value', ' done\n'], ['s3cret-value'])).toBe(
      `token=${MASK} done\n`,
    );
    expect(await streamed(['no secrets ', 'here\n'], ['s3cret-value'])).toBe('no secrets here\n');
    expect(await streamed(['abc'], [])).toBe('abc');
  });

  it('gives the same text as masking it whole, however the stream is cut (property)', async () => {
    const secret = fc.string({ minLength: 1, maxLength: 6, unit: fc.constantFrom('a', 'b', 'c', 'é') });
    await fc.assert(
      fc.asyncProperty(
        fc.array(secret, { minLength: 1, maxLength: 3 }),
        fc.array(fc.oneof(fc.string({ maxLength: 4, unit: fc.constantFrom('a', 'b', 'c', 'x') }), secret), {
          maxLength: 12,
        }),
        fc.array(fc.nat({ max: 40 }), { maxLength: 8 }),
        async (secrets, pieces, cuts) => {
          const text = pieces.join('');
          const points = [...new Set(cuts.map((cut) => Math.min(cut, text.length)))].sort((a, b) => a - b);
          const chunks = [0, ...points].map((from, i) => text.slice(from, [...points, text.length][i]));
          expect(await streamed(chunks, secrets)).toBe(maskText(text, secrets));
        },
      ),
      { numRuns: 500 },
    );
  });
});
