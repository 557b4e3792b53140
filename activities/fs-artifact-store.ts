/**
 * The artifact store on a local filesystem: `blobs/sha256/ab/cdef…` (the first two hex digits name the
 * directory, like git's objects) and `cache/sha256/ab/cdef….json`. Every file is written to `tmp/` first
 * and renamed into place, so a reader never sees a partial file, and concurrent writers of the same
 * content simply replace identical bytes.
 */
import { createHash, randomUUID } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { Readable, Transform } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { DIGEST_PATTERN } from '../common/data-refs.js';
import type { ArtifactStore, CacheEntry } from './artifact-store.js';
import { ArtifactNotFoundError } from './errors.js';
import { joinUnder } from './join-under.js';

function isNotFound(err: unknown): boolean {
  return (err as NodeJS.ErrnoException | undefined)?.code === 'ENOENT';
}

export function createFsArtifactStore(root: string): ArtifactStore {
  const tmpDir = path.join(root, 'tmp');

  // The digest becomes a file path, so anything but `sha256:<hex>` is refused before it reaches the disk.
  function shardedPath(kind: 'blobs' | 'cache', digest: string, suffix = ''): string {
    if (!DIGEST_PATTERN.test(digest)) throw new ArtifactNotFoundError(digest, 'not a sha256 digest');
    const hex = digest.slice('sha256:'.length);
    return joinUnder(root, kind, 'sha256', hex.slice(0, 2), hex.slice(2) + suffix);
  }

  async function moveIntoPlace(tmp: string, final: string): Promise<void> {
    try {
      await mkdir(path.dirname(final), { recursive: true });
      await rename(tmp, final);
    } catch (err) {
      await rm(tmp, { force: true });
      throw err;
    }
  }

  async function newTmpPath(): Promise<string> {
    await mkdir(tmpDir, { recursive: true });
    return path.join(tmpDir, randomUUID());
  }

  return {
    async putBlob(content) {
      const tmp = await newTmpPath();
      const hash = createHash('sha256');
      let sizeBytes = 0;
      const measure = new Transform({
        transform(chunk: Buffer, _encoding, callback) {
          hash.update(chunk);
          sizeBytes += chunk.length;
          callback(null, chunk);
        },
      });
      try {
        const source = Buffer.isBuffer(content) ? Readable.from([content]) : content;
        await pipeline(source, measure, createWriteStream(tmp, { mode: 0o444 }));
      } catch (err) {
        await rm(tmp, { force: true });
        throw err;
      }
      const digest = `sha256:${hash.digest('hex')}`;
      await moveIntoPlace(tmp, shardedPath('blobs', digest));
      return { digest, sizeBytes };
    },

    async openBlob(digest) {
      const file = shardedPath('blobs', digest);
      const stream = createReadStream(file);
      // Opening is asynchronous: wait for it so that a missing blob is a typed error, not a stream error.
      await new Promise<void>((resolve, reject) => {
        stream.once('open', () => resolve());
        stream.once('error', (err) => reject(isNotFound(err) ? new ArtifactNotFoundError(digest) : err));
      });
      return stream;
    },

    async hasBlob(digest) {
      if (!DIGEST_PATTERN.test(digest)) return false;
      try {
        await stat(shardedPath('blobs', digest));
        return true;
      } catch (err) {
        if (isNotFound(err)) return false;
        throw err;
      }
    },

    async readBlob(digest) {
      try {
        return await readFile(shardedPath('blobs', digest));
      } catch (err) {
        if (isNotFound(err)) throw new ArtifactNotFoundError(digest);
        throw err;
      }
    },

    async getCacheEntry(key) {
      let text: string;
      try {
        text = await readFile(shardedPath('cache', key, '.json'), 'utf8');
      } catch (err) {
        if (isNotFound(err)) return undefined;
        throw err;
      }
      // A torn or foreign file is a miss, not a failure: the task simply runs and rewrites it.
      try {
        const entry = JSON.parse(text) as CacheEntry;
        return typeof entry.runId === 'string' && typeof entry.createdAt === 'string' ? entry : undefined;
      } catch {
        return undefined;
      }
    },

    async putCacheEntry(key, entry) {
      const final = shardedPath('cache', key, '.json');
      const tmp = await newTmpPath();
      await writeFile(tmp, JSON.stringify(entry));
      await moveIntoPlace(tmp, final);
    },
  };
}
