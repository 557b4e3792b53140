import { createHash } from 'node:crypto';
import { mkdtemp, readdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Readable } from 'node:stream';
import { buffer } from 'node:stream/consumers';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../activities/artifact-store.js';
import { ArtifactNotFoundError } from '../../activities/errors.js';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';

describe('filesystem artifact store', () => {
  let root: string;
  let store: ArtifactStore;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gantry-store-'));
    store = createFsArtifactStore(root);
  });

  it('addresses content by its sha256, sharded by the first two hex digits', async () => {
    const content = Buffer.from('hello');
    const hex = createHash('sha256').update(content).digest('hex');
    expect(await store.putBlob(content)).toEqual({ digest: `sha256:${hex}`, sizeBytes: 5 });
    expect(await readdir(path.join(root, 'blobs', 'sha256', hex.slice(0, 2)))).toEqual([hex.slice(2)]);
    expect((await store.readBlob(`sha256:${hex}`)).toString()).toBe('hello');
    expect((await buffer(await store.openBlob(`sha256:${hex}`))).toString()).toBe('hello');
  });

  it('takes many concurrent writers of the same content, streams and buffers alike, and leaves one blob and no temp files', async () => {
    const content = Buffer.alloc(1024 * 1024, 'z');
    const refs = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        store.putBlob(i % 2 ? content : Readable.from([content.subarray(0, 1000), content.subarray(1000)])),
      ),
    );
    expect(new Set(refs.map((r) => r.digest)).size).toBe(1);
    expect(refs[0]!.sizeBytes).toBe(content.length);
    expect((await store.readBlob(refs[0]!.digest)).equals(content)).toBe(true);
    expect(await readdir(path.join(root, 'tmp'))).toEqual([]);
  });

  it('reports an absent blob as ArtifactNotFound, and refuses a string that is not a digest', async () => {
    const absent = `sha256:${'0'.repeat(64)}`;
    expect(await store.hasBlob(absent)).toBe(false);
    await expect(store.openBlob(absent)).rejects.toThrow(
      new ArtifactNotFoundError(absent, 'not in the artifact store'),
    );
    await expect(store.readBlob(absent)).rejects.toThrow(ArtifactNotFoundError);
    await expect(store.readBlob('sha256:../../etc/passwd')).rejects.toThrow(
      new ArtifactNotFoundError('sha256:../../etc/passwd', 'not a sha256 digest'),
    );
  });

  it('keeps cache entries by key, the last write winning', async () => {
    const key = `sha256:${'c'.repeat(64)}`;
    expect(await store.getCacheEntry(key)).toBeUndefined();
    const entry = {
      runId: 'r1',
      taskId: 't',
      outputs: {},
      artifacts: {},
      createdAt: '2026-01-01T00:00:00.000Z',
    };
    await store.putCacheEntry(key, entry);
    await store.putCacheEntry(key, { ...entry, runId: 'r2' });
    expect(await store.getCacheEntry(key)).toEqual({ ...entry, runId: 'r2' });
  });
});
