import { describe, expect, it } from 'vitest';
import { CodecKeyError } from '../../../engine/codec/errors.js';
import { formatKeyEntry, generateKey, parseKeyFile, parseKeyList } from '../../../engine/codec/key-ring.js';

const KEY_A = Buffer.alloc(32, 1).toString('base64');
const KEY_B = Buffer.alloc(32, 2).toString('base64');

describe('parseKeyList (GANTRY_CODEC_KEY)', () => {
  it('makes the first entry active and knows every entry', () => {
    const ring = parseKeyList(`new:${KEY_B}, old:${KEY_A}`, 'GANTRY_CODEC_KEY');
    expect(ring.active.id).toBe('new');
    expect([...ring.byId.keys()]).toEqual(['new', 'old']);
    expect(ring.byId.get('old')!.material.equals(Buffer.alloc(32, 1))).toBe(true);
  });

  it.each([
    ['k1', 'GANTRY_CODEC_KEY:1: expected "<key id>:<base64 of 32 bytes>", found no ":"'],
    [`:${KEY_A}`, 'GANTRY_CODEC_KEY:1: key id "" must be 1 to 64 of A-Z a-z 0-9 . _ -'],
    [`k 1:${KEY_A}`, 'GANTRY_CODEC_KEY:1: key id "k 1" must be 1 to 64 of A-Z a-z 0-9 . _ -'],
    [`k1:${KEY_A},k2:not*base64`, 'GANTRY_CODEC_KEY:2: key "k2": its material is not base64'],
    [
      `k1:${Buffer.alloc(16).toString('base64')}`,
      'GANTRY_CODEC_KEY:1: key "k1" is 16 bytes, expected 32 (make one with `gantry codec-key rotate` or `openssl rand -base64 32`)',
    ],
    [`k1:${KEY_A},k1:${KEY_B}`, 'GANTRY_CODEC_KEY:2: key id "k1" appears twice'],
  ])('refuses %s, naming the variable and the entry', (text, message) => {
    const error = (() => {
      try {
        parseKeyList(text, 'GANTRY_CODEC_KEY');
      } catch (err) {
        return err;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(CodecKeyError);
    expect((error as Error).message).toBe(message);
  });

  it('never quotes key material in an error', () => {
    const secretish = Buffer.alloc(31, 7).toString('base64');
    expect(() => parseKeyList(`k1:${secretish}`, 'GANTRY_CODEC_KEY')).toThrow(CodecKeyError);
    expect(() => parseKeyList(`k1:${secretish}`, 'GANTRY_CODEC_KEY')).not.toThrow(secretish.slice(0, 8));
  });
});

describe('parseKeyFile', () => {
  it('skips comments and blank lines, and numbers errors by file line', () => {
    const ring = parseKeyFile(`# keys\n\nb:${KEY_B}\na:${KEY_A}\n`, '/h/codec-keys');
    expect(ring.active.id).toBe('b');
    expect(() => parseKeyFile(`# keys\nb:${KEY_B}\n\na:short\n`, '/h/codec-keys')).toThrow(
      new CodecKeyError('/h/codec-keys', 4, 'key "a": its material is not base64'),
    );
  });

  it('refuses a file without keys', () => {
    expect(() => parseKeyFile('# nothing yet\n', '/h/codec-keys')).toThrow('/h/codec-keys: holds no key');
  });
});

describe('generateKey', () => {
  it('makes a 32-byte key whose id says the day, which reads back from its entry', () => {
    const key = generateKey(new Date('2026-12-01T10:00:00Z'));
    expect(key.id).toMatch(/^k20261201-[0-9a-f]{6}$/);
    const ring = parseKeyFile(formatKeyEntry(key), 'f');
    expect(ring.active.material.equals(key.material)).toBe(true);
  });
});
