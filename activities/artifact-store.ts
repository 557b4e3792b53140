/**
 * Where artifacts, large values and cache entries live: a content-addressed blob store plus a small
 * key-value table of task-cache entries. Workflows only ever see digests, so a backend (local filesystem
 * today, an S3-compatible bucket later) can be swapped behind this interface without touching them.
 */
import type { Readable } from 'node:stream';
import type { ArtifactRef, ValueRef } from '../common/data-refs.js';

/** A task's recorded result, reused by later runs whose cache key matches. */
export interface CacheEntry {
  readonly runId: string;
  readonly taskId: string;
  readonly outputs: Readonly<Record<string, ValueRef>>;
  readonly artifacts: Readonly<Record<string, ArtifactRef>>;
  /** ISO 8601, from the clock of the worker that recorded it. */
  readonly createdAt: string;
}

export interface ArtifactStore {
  /** Stores bytes under their sha256; storing the same content again (even concurrently) is harmless. */
  putBlob(content: Readable | Buffer): Promise<ArtifactRef>;
  /** Throws ArtifactNotFoundError when the digest is not stored (or is not a digest). */
  openBlob(digest: string): Promise<Readable>;
  hasBlob(digest: string): Promise<boolean>;
  /** The whole blob in memory: for values and JSON documents, not for artifacts of unknown size. */
  readBlob(digest: string): Promise<Buffer>;
  getCacheEntry(key: string): Promise<CacheEntry | undefined>;
  /** Last writer wins: entries under one key describe interchangeable results. */
  putCacheEntry(key: string, entry: CacheEntry): Promise<void>;
}
