import type { Payload } from '@temporalio/common';
import { defaultPayloadConverter } from '@temporalio/common';
import { describe, expect, it } from 'vitest';
import {
  ENCRYPTED_ENCODING,
  EncryptionCodec,
  METADATA_KEY_ID,
} from '../../../engine/codec/encryption-codec.js';
import { PayloadDecryptionError, UnknownCodecKeyError } from '../../../engine/codec/errors.js';
import { type CodecKey, type KeyRing, formatKeyEntry, parseKeyList } from '../../../engine/codec/key-ring.js';

const makeKey = (id: string, byte: number): CodecKey => ({ id, material: Buffer.alloc(32, byte) });
const ringOf = (...keys: CodecKey[]): KeyRing =>
  parseKeyList(keys.map(formatKeyEntry).join(','), 'GANTRY_CODEC_KEY');
const plain = (value: unknown): Payload => defaultPayloadConverter.toPayload(value);
const text = (bytes: Uint8Array | undefined) => Buffer.from(bytes ?? new Uint8Array()).toString('utf8');

const SECRET = { env: { TOKEN: 'GANTRY_TEST_MARKER_s3cr3t' }, n: 7 };

describe('EncryptionCodec', () => {
  it('round-trips a payload, metadata included, through encode and decode', async () => {
    const codec = new EncryptionCodec({ keys: ringOf(makeKey('k1', 1)) });
    const [encoded] = await codec.encode([plain(SECRET)]);
    const [decoded] = await codec.decode([encoded!]);
    expect(decoded).toEqual(plain(SECRET));
    expect(defaultPayloadConverter.fromPayload(decoded!)).toEqual(SECRET);
  });

  it('marks an encrypted payload binary/encrypted with its key id, and leaves no plain text in it', async () => {
    const codec = new EncryptionCodec({ keys: ringOf(makeKey('k1', 1)) });
    const [encoded] = await codec.encode([plain(SECRET)]);
    expect(text(encoded!.metadata!['encoding'])).toBe(ENCRYPTED_ENCODING);
    expect(text(encoded!.metadata![METADATA_KEY_ID])).toBe('k1');
    expect(Object.keys(encoded!.metadata!).sort()).toEqual(['encoding', METADATA_KEY_ID]);
    expect(Buffer.from(encoded!.data!).includes('GANTRY_TEST_MARKER')).toBe(false);
    expect(Buffer.from(encoded!.data!).includes('json/plain')).toBe(false);
  });

  it('uses a fresh IV for every payload: the same value encrypts differently twice', async () => {
    const codec = new EncryptionCodec({ keys: ringOf(makeKey('k1', 1)) });
    const [a, b] = await codec.encode([plain(SECRET), plain(SECRET)]);
    expect(Buffer.from(a!.data!).equals(Buffer.from(b!.data!))).toBe(false);
  });

  it('passes payloads that are not encrypted through decode unchanged', async () => {
    const codec = new EncryptionCodec({ keys: ringOf(makeKey('k1', 1)) });
    const old = [plain(SECRET), plain(undefined), plain(new Uint8Array([1, 2]))];
    expect(await codec.decode(old)).toEqual(old);
  });

  it('decrypts with an older key after rotation, and encrypts with the new active one', async () => {
    const before = new EncryptionCodec({ keys: ringOf(makeKey('k1', 1)) });
    const after = new EncryptionCodec({ keys: ringOf(makeKey('k2', 2), makeKey('k1', 1)) });
    const [old] = await before.encode([plain(SECRET)]);
    const [fresh] = await after.encode([plain(SECRET)]);
    expect(text(fresh!.metadata![METADATA_KEY_ID])).toBe('k2');
    expect(after.activeKeyId).toBe('k2');
    expect(await after.decode([old!, fresh!])).toEqual([plain(SECRET), plain(SECRET)]);
  });

  it('rejects a payload whose ciphertext was altered, naming the key id', async () => {
    const codec = new EncryptionCodec({ keys: ringOf(makeKey('k1', 1)) });
    const [encoded] = await codec.encode([plain(SECRET)]);
    const data = Buffer.from(encoded!.data!);
    data[14] = data[14]! ^ 0x01;
    const error = await codec.decode([{ ...encoded!, data }]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(PayloadDecryptionError);
    expect((error as Error).message).toBe(
      'a payload encrypted with key "k1" does not decrypt: its authentication tag does not match (altered, or other key bytes)',
    );
  });

  it('rejects a payload moved under another key id, since the id is authenticated', async () => {
    const codec = new EncryptionCodec({ keys: ringOf(makeKey('k1', 1), makeKey('k2', 1)) });
    const [encoded] = await codec.encode([plain(SECRET)]);
    const moved = { ...encoded!, metadata: { ...encoded!.metadata, [METADATA_KEY_ID]: Buffer.from('k2') } };
    await expect(codec.decode([moved])).rejects.toBeInstanceOf(PayloadDecryptionError);
  });

  it('rejects a payload too short to hold an IV and a tag', async () => {
    const codec = new EncryptionCodec({ keys: ringOf(makeKey('k1', 1)) });
    const [encoded] = await codec.encode([plain(SECRET)]);
    await expect(codec.decode([{ ...encoded!, data: new Uint8Array(10) }])).rejects.toThrow(
      'a payload encrypted with key "k1" does not decrypt: its data is 10 bytes, shorter than IV and tag',
    );
  });

  it('fails with the key id when the key is unknown, after reading the keys again', async () => {
    const writer = new EncryptionCodec({ keys: ringOf(makeKey('k9', 9)) });
    let reloads = 0;
    const reader = new EncryptionCodec({
      keys: ringOf(makeKey('k1', 1)),
      reload: () => {
        reloads += 1;
        return Promise.resolve(ringOf(makeKey('k1', 1)));
      },
    });
    const [encoded] = await writer.encode([plain(SECRET)]);
    const error = await reader.decode([encoded!]).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(UnknownCodecKeyError);
    expect(error).toMatchObject({ keyId: 'k9' });
    expect((error as Error).message).toBe(
      'a payload is encrypted with key "k9", which GANTRY_CODEC_KEY does not hold (known: k1); give this process the key ring the workers use',
    );
    expect(reloads).toBe(1);
  });

  it('picks up a key added since it started (a rotation by another process)', async () => {
    const rotated = ringOf(makeKey('k2', 2), makeKey('k1', 1));
    const writer = new EncryptionCodec({ keys: rotated });
    const reader = new EncryptionCodec({
      keys: ringOf(makeKey('k1', 1)),
      reload: () => Promise.resolve(rotated),
    });
    const [encoded] = await writer.encode([plain(SECRET)]);
    expect(await reader.decode([encoded!])).toEqual([plain(SECRET)]);
  });
});
