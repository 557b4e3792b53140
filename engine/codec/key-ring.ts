/**
 * The codec's keys as data: parsing `id:base64` entries, and making new ones. The first key of a ring is
 * the active one (it encrypts); every key decrypts, so a rotated-out key still reads older histories.
 */
import { randomBytes } from 'node:crypto';
import { CodecKeyError } from './errors.js';

export interface CodecKey {
  readonly id: string;
  /** 32 bytes: AES-256. */
  readonly material: Buffer;
}

export interface KeyRing {
  readonly active: CodecKey;
  readonly byId: ReadonlyMap<string, CodecKey>;
  /** Where the keys came from (a variable or a file), for error messages. */
  readonly source: string;
}

export const KEY_BYTES = 32;
// Key ids travel in payload metadata and in messages: short, printable, no separators of the formats.
const KEY_ID = /^[A-Za-z0-9._-]{1,64}$/;
const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** One `id:base64` entry; `line` is where it sits in `source`, for the error. */
export function parseKeyEntry(entry: string, source: string, line: number): CodecKey {
  const colon = entry.indexOf(':');
  if (colon < 0)
    throw new CodecKeyError(source, line, 'expected "<key id>:<base64 of 32 bytes>", found no ":"');
  const id = entry.slice(0, colon).trim();
  const encoded = entry.slice(colon + 1).trim();
  if (!KEY_ID.test(id))
    throw new CodecKeyError(source, line, `key id "${id}" must be 1 to 64 of A-Z a-z 0-9 . _ -`);
  if (!BASE64.test(encoded) || encoded.length % 4 !== 0)
    throw new CodecKeyError(source, line, `key "${id}": its material is not base64`);
  const material = Buffer.from(encoded, 'base64');
  if (material.length !== KEY_BYTES)
    throw new CodecKeyError(
      source,
      line,
      `key "${id}" is ${material.length} bytes, expected ${KEY_BYTES} (make one with \`gantry codec-key rotate\` or \`openssl rand -base64 32\`)`,
    );
  return { id, material };
}

function ringOf(keys: readonly CodecKey[], source: string, lines: readonly number[]): KeyRing {
  const byId = new Map<string, CodecKey>();
  keys.forEach((key, i) => {
    if (byId.has(key.id)) throw new CodecKeyError(source, lines[i], `key id "${key.id}" appears twice`);
    byId.set(key.id, key);
  });
  const active = keys[0];
  if (!active) throw new CodecKeyError(source, undefined, 'holds no key');
  return { active, byId, source };
}

/** GANTRY_CODEC_KEY's value: `id:base64[,id2:base64…]`; entries are numbered from 1 in errors. */
export function parseKeyList(text: string, source: string): KeyRing {
  const entries = text.split(',').map((e) => e.trim());
  const lines = entries.map((_, i) => i + 1);
  return ringOf(
    entries.map((e, i) => parseKeyEntry(e, source, i + 1)),
    source,
    lines,
  );
}

/** A key file: one `id:base64` per line; blank lines and `#` comments are skipped. */
export function parseKeyFile(text: string, source: string): KeyRing {
  const keys: CodecKey[] = [];
  const lines: number[] = [];
  text.split('\n').forEach((raw, i) => {
    const entry = raw.trim();
    if (entry === '' || entry.startsWith('#')) return;
    keys.push(parseKeyEntry(entry, source, i + 1));
    lines.push(i + 1);
  });
  return ringOf(keys, source, lines);
}

/** A fresh random key; its id says when it was made, so a key file reads as its rotation history. */
export function generateKey(now: Date): CodecKey {
  const day = now.toISOString().slice(0, 10).replaceAll('-', '');
  return { id: `k${day}-${randomBytes(3).toString('hex')}`, material: randomBytes(KEY_BYTES) };
}

export function formatKeyEntry(key: CodecKey): string {
  return `${key.id}:${key.material.toString('base64')}`;
}
