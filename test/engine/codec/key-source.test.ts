import { chmod, mkdtemp, readFile, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { CodecKeyError, CodecKeyFileModeError } from '../../../engine/codec/errors.js';
import { loadKeyRing, rotateKeyFile } from '../../../engine/codec/key-source.js';
import { loadConfig } from '../../../engine/config.js';

const tempFile = async () => path.join(await mkdtemp(path.join(os.tmpdir(), 'gantry-codec-')), 'codec-keys');

describe('the codec key source', () => {
  it('is GANTRY_CODEC_KEY when set, else the key file under GANTRY_HOME (or GANTRY_CODEC_KEY_FILE)', () => {
    expect(loadConfig({ GANTRY_HOME: '/srv/g' }).codecKeys).toEqual({
      kind: 'file',
      path: '/srv/g/codec-keys',
    });
    expect(loadConfig({ GANTRY_HOME: '/srv/g', GANTRY_CODEC_KEY_FILE: '/run/k' }).codecKeys).toEqual({
      kind: 'file',
      path: '/run/k',
    });
    expect(loadConfig({ GANTRY_CODEC_KEY: 'k:x' }).codecKeys).toEqual({ kind: 'env', text: 'k:x' });
  });

  it('creates a missing key file once, mode 0600, and reads the same key afterwards', async () => {
    const file = await tempFile();
    const first = await loadKeyRing({ kind: 'file', path: file });
    const again = await loadKeyRing({ kind: 'file', path: file });
    expect(first.isCreated).toBe(true);
    expect(again.isCreated).toBe(false);
    expect(again.ring.active.id).toBe(first.ring.active.id);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
  });

  it('creates one key when several processes race for a missing file', async () => {
    const file = await tempFile();
    const rings = await Promise.all(
      Array.from({ length: 8 }, () => loadKeyRing({ kind: 'file', path: file })),
    );
    expect(rings.filter((r) => r.isCreated)).toHaveLength(1);
    expect(new Set(rings.map((r) => r.ring.active.id)).size).toBe(1);
  });

  it('refuses a key file that group or others may read', async () => {
    const file = await tempFile();
    await loadKeyRing({ kind: 'file', path: file });
    await chmod(file, 0o640);
    const error = await loadKeyRing({ kind: 'file', path: file }).catch((err: unknown) => err);
    expect(error).toBeInstanceOf(CodecKeyFileModeError);
    expect((error as Error).message).toBe(
      `${file}: readable by group or others (mode 640); run \`chmod 600 ${file}\``,
    );
  });

  it('names the file and line of bad key material', async () => {
    const file = await tempFile();
    await writeFile(file, `# keys\nk1:${Buffer.alloc(8).toString('base64')}\n`, { mode: 0o600 });
    await expect(loadKeyRing({ kind: 'file', path: file })).rejects.toThrow(
      `${file}:2: key "k1" is 8 bytes, expected 32`,
    );
  });

  it('rotates by putting a new active key first and keeping the old ones', async () => {
    const file = await tempFile();
    const { ring: before } = await loadKeyRing({ kind: 'file', path: file });
    const { key, ring } = await rotateKeyFile({ kind: 'file', path: file });
    expect(ring.active.id).toBe(key.id);
    expect([...ring.byId.keys()]).toEqual([key.id, before.active.id]);
    expect(ring.byId.get(before.active.id)!.material.equals(before.active.material)).toBe(true);
    expect((await stat(file)).mode & 0o777).toBe(0o600);
    expect(await readFile(file, 'utf8')).toMatch(/^# Gantry payload codec keys/);
  });

  it('names the key file when it cannot be read', async () => {
    const dir = path.dirname(await tempFile());
    await expect(loadKeyRing({ kind: 'file', path: dir })).rejects.toThrow(
      new CodecKeyError(dir, undefined, 'cannot read the key file (EISDIR)'),
    );
  });

  it('does not rotate keys that come from GANTRY_CODEC_KEY', async () => {
    await expect(rotateKeyFile({ kind: 'env', text: 'k:x' })).rejects.toBeInstanceOf(CodecKeyError);
  });
});
