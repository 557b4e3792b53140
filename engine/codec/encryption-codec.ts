/**
 * A Temporal payload codec that encrypts every payload with AES-256-GCM, so that pipeline specs, env values
 * and task outputs never reach the server (and its histories) in clear.
 *
 * An encrypted payload has metadata `encoding: binary/encrypted` (Temporal's convention, which the Web UI
 * and CLI recognise) and `encryption-key-id: <id>`; its data is a 12-byte random IV, then the ciphertext of
 * the original payload (the `temporal.api.common.v1.Payload` proto, metadata included), then the 16-byte GCM
 * tag. The key id is authenticated data: moving a payload under another id makes it fail, not misread.
 * Payloads without that encoding pass through decode unchanged: histories from before encryption still read.
 */
import type { Payload, PayloadCodec } from '@temporalio/common';
import { METADATA_ENCODING_KEY } from '@temporalio/common';
import proto from '@temporalio/proto';
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { PayloadDecryptionError, UnknownCodecKeyError } from './errors.js';
import type { CodecKey, KeyRing } from './key-ring.js';

export const ENCRYPTED_ENCODING = 'binary/encrypted';
export const METADATA_KEY_ID = 'encryption-key-id';
const CIPHER = 'aes-256-gcm';
const IV_BYTES = 12;
const TAG_BYTES = 16;

const PayloadProto = proto.temporal.api.common.v1.Payload;
const utf8 = (bytes: Uint8Array | null | undefined) =>
  bytes ? Buffer.from(bytes).toString('utf8') : undefined;

// protobufjs hands out Buffers under Node; payloads elsewhere are plain Uint8Arrays (a view, not a copy).
const asUint8Array = (bytes: Uint8Array) => new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);

export function isEncrypted(payload: Payload): boolean {
  return utf8(payload.metadata?.[METADATA_ENCODING_KEY]) === ENCRYPTED_ENCODING;
}

export function encryptPayload(payload: Payload, key: CodecKey): Payload {
  const iv = randomBytes(IV_BYTES);
  const cipher = createCipheriv(CIPHER, key.material, iv, { authTagLength: TAG_BYTES });
  cipher.setAAD(Buffer.from(key.id, 'utf8'));
  const plain = PayloadProto.encode(payload).finish();
  return {
    metadata: {
      [METADATA_ENCODING_KEY]: Buffer.from(ENCRYPTED_ENCODING, 'utf8'),
      [METADATA_KEY_ID]: Buffer.from(key.id, 'utf8'),
    },
    data: Buffer.concat([iv, cipher.update(plain), cipher.final(), cipher.getAuthTag()]),
  };
}

export function decryptPayload(payload: Payload, key: CodecKey): Payload {
  const data = Buffer.from(payload.data ?? new Uint8Array());
  if (data.length < IV_BYTES + TAG_BYTES)
    throw new PayloadDecryptionError(key.id, `its data is ${data.length} bytes, shorter than IV and tag`);
  const decipher = createDecipheriv(CIPHER, key.material, data.subarray(0, IV_BYTES), {
    authTagLength: TAG_BYTES,
  });
  decipher.setAAD(Buffer.from(key.id, 'utf8'));
  decipher.setAuthTag(data.subarray(data.length - TAG_BYTES));
  let plain: Buffer;
  try {
    plain = Buffer.concat([
      decipher.update(data.subarray(IV_BYTES, data.length - TAG_BYTES)),
      decipher.final(),
    ]);
  } catch (err) {
    throw new PayloadDecryptionError(
      key.id,
      'its authentication tag does not match (altered, or other key bytes)',
      {
        cause: err,
      },
    );
  }
  const decoded = PayloadProto.decode(plain);
  return {
    metadata: Object.fromEntries(Object.entries(decoded.metadata).map(([k, v]) => [k, asUint8Array(v)])),
    data: asUint8Array(decoded.data),
    ...(decoded.externalPayloads.length > 0 ? { externalPayloads: decoded.externalPayloads } : {}),
  };
}

export interface EncryptionCodecOptions {
  readonly keys: KeyRing;
  /**
   * Reads the key ring again, when a payload names a key this ring lacks: a worker that outlives a
   * `gantry codec-key rotate` then reads what the rotated CLI wrote, without a restart.
   */
  readonly reload?: () => Promise<KeyRing>;
}

export class EncryptionCodec implements PayloadCodec {
  private keys: KeyRing;
  private readonly reload: (() => Promise<KeyRing>) | undefined;

  constructor(options: EncryptionCodecOptions) {
    this.keys = options.keys;
    this.reload = options.reload;
  }

  get activeKeyId(): string {
    return this.keys.active.id;
  }

  encode(payloads: Payload[]): Promise<Payload[]> {
    const key = this.keys.active;
    return Promise.resolve(payloads.map((p) => encryptPayload(p, key)));
  }

  async decode(payloads: Payload[]): Promise<Payload[]> {
    const decoded: Payload[] = [];
    for (const payload of payloads) {
      if (!isEncrypted(payload)) {
        decoded.push(payload);
        continue;
      }
      const keyId = utf8(payload.metadata?.[METADATA_KEY_ID]) ?? '';
      decoded.push(decryptPayload(payload, await this.keyFor(keyId)));
    }
    return decoded;
  }

  private async keyFor(keyId: string): Promise<CodecKey> {
    const known = this.keys.byId.get(keyId);
    if (known) return known;
    if (this.reload) {
      this.keys = await this.reload();
      const reloaded = this.keys.byId.get(keyId);
      if (reloaded) return reloaded;
    }
    throw new UnknownCodecKeyError(keyId, this.keys.source, [...this.keys.byId.keys()]);
  }
}
