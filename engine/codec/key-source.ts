/**
 * Where the codec's keys live, and the file operations on them. GANTRY_CODEC_KEY (`id:base64[,…]`) wins;
 * otherwise the key file ($GANTRY_HOME/codec-keys, or GANTRY_CODEC_KEY_FILE), one `id:base64` per line,
 * newest first, mode 0600. Every process of a stack (CLI, workers, tests) reads the same source, so they
 * share the keys; the file is created with one key the first time a process needs it.
 */
import { link, mkdir, readFile, rename, stat, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { CodecKeyError, CodecKeyFileModeError } from './errors.js';
import {
  type CodecKey,
  type KeyRing,
  formatKeyEntry,
  generateKey,
  parseKeyFile,
  parseKeyList,
} from './key-ring.js';

export const CODEC_KEY_VARIABLE = 'GANTRY_CODEC_KEY';

export type CodecKeySource =
  { readonly kind: 'env'; readonly text: string } | { readonly kind: 'file'; readonly path: string };

const FILE_HEADER =
  '# Gantry payload codec keys: one "id:base64" per line; the first encrypts, all decrypt.\n' +
  '# Removing a key makes every history it encrypted unreadable.\n';

const codeOf = (err: unknown) => (err as { code?: unknown } | undefined)?.code;
const isMissing = (err: unknown) => codeOf(err) === 'ENOENT';

/** Runs a file operation; a system error (EACCES, EISDIR…) becomes a typed error naming the file. */
async function onFile<T>(file: string, doing: string, act: () => Promise<T>): Promise<T> {
  try {
    return await act();
  } catch (err) {
    const code = codeOf(err);
    if (typeof code !== 'string' || code === 'ENOENT') throw err;
    throw new CodecKeyError(file, undefined, `cannot ${doing} the key file (${code})`, { cause: err });
  }
}

/** Refuses a key file anyone but its owner may read: such a key is as good as published. */
async function checkMode(file: string): Promise<void> {
  // NOTE: Windows has no group/other bits to check; its ACLs are the user's business there.
  if (process.platform === 'win32') return;
  const { mode } = await stat(file);
  if ((mode & 0o077) !== 0) throw new CodecKeyFileModeError(file, mode);
}

async function readKeyFile(file: string): Promise<KeyRing> {
  await onFile(file, 'read', () => checkMode(file));
  return parseKeyFile(await onFile(file, 'read', () => readFile(file, 'utf8')), file);
}

/** Writes `text` to `file` only if no file is there yet; false when another process was first. */
async function createExclusive(file: string, text: string): Promise<boolean> {
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  // Written whole under a private name, then linked: a reader never sees a half-written key file.
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await writeFile(tmp, text, { mode: 0o600, flag: 'wx' });
  try {
    await link(tmp, file);
    return true;
  } catch (err) {
    if (codeOf(err) === 'EEXIST') return false;
    throw err;
  } finally {
    await unlink(tmp);
  }
}

/** The key ring of `source`; a missing key file is created with one fresh key. */
export async function loadKeyRing(
  source: CodecKeySource,
  now: () => Date = () => new Date(),
): Promise<{ ring: KeyRing; isCreated: boolean }> {
  if (source.kind === 'env') return { ring: parseKeyList(source.text, CODEC_KEY_VARIABLE), isCreated: false };
  try {
    return { ring: await readKeyFile(source.path), isCreated: false };
  } catch (err) {
    if (!isMissing(err)) throw err;
  }
  const entry = formatKeyEntry(generateKey(now()));
  const isCreated = await onFile(source.path, 'create', () =>
    createExclusive(source.path, `${FILE_HEADER}${entry}\n`),
  );
  return { ring: await readKeyFile(source.path), isCreated };
}

/** Makes a new active key, keeping the others for decryption; returns it and the ring it heads. */
export async function rotateKeyFile(
  source: CodecKeySource,
  now: () => Date = () => new Date(),
): Promise<{ key: CodecKey; ring: KeyRing }> {
  if (source.kind === 'env')
    throw new CodecKeyError(
      CODEC_KEY_VARIABLE,
      undefined,
      'the keys come from this variable: rotate by putting a new "id:base64" entry first in it',
    );
  const { ring } = await loadKeyRing(source, now);
  const key = generateKey(now());
  const entries = [key, ...ring.byId.values()].map(formatKeyEntry).join('\n');
  const tmp = `${source.path}.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  await onFile(source.path, 'rewrite', async () => {
    await writeFile(tmp, `${FILE_HEADER}${entries}\n`, { mode: 0o600, flag: 'wx' });
    // rename is atomic: readers see the old ring or the new one, never a mix.
    await rename(tmp, source.path);
  });
  return { key, ring: await readKeyFile(source.path) };
}
