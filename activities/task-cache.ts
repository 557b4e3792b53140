/**
 * Task caching: the key says "this exact image content, command, environment and inputs", so a hit can
 * stand in for a run. It hashes the image's content id on this node rather than its tag, so a rebuilt
 * `:latest` misses; the task's own env only, since the GANTRY_* variables differ in every run.
 */
import { createHash } from 'node:crypto';
import { canonicalJson } from '../common/canonical-json.js';
import type { ArtifactStore, CacheEntry } from './artifact-store.js';
import type { RunContainerInput } from './types.js';

/** `sha256:<hex>` over what decides a task's result; see the file comment for what is in and out. */
export function cacheKeyOf(
  input: RunContainerInput,
  cache: NonNullable<RunContainerInput['cache']>,
  imageId: string,
): string {
  const keyed = {
    imageId,
    command: input.command ?? null,
    args: input.args ?? null,
    env: input.env,
    inputArtifacts: (input.inputArtifacts ?? []).map((a) => a.digest),
    version: cache.version,
    definition: cache.definition,
  };
  return `sha256:${createHash('sha256').update(canonicalJson(keyed)).digest('hex')}`;
}

/**
 * The entry under `key` if it may be reused at `nowMs`: young enough, and with every stored value and
 * artifact still in the store (a pruned blob makes the entry useless, so the task runs again).
 */
export async function findReusableEntry(
  store: ArtifactStore,
  key: string,
  maxAgeSeconds: number | undefined,
  nowMs: number,
): Promise<CacheEntry | undefined> {
  const entry = await store.getCacheEntry(key);
  if (!entry) return undefined;
  const createdMs = Date.parse(entry.createdAt);
  if (!Number.isFinite(createdMs)) return undefined;
  if (maxAgeSeconds !== undefined && nowMs - createdMs > maxAgeSeconds * 1000) return undefined;
  const digests = [
    ...Object.values(entry.outputs).flatMap((ref) => (ref.kind === 'stored' ? [ref.digest] : [])),
    ...Object.values(entry.artifacts).map((ref) => ref.digest),
  ];
  for (const digest of digests) if (!(await store.hasBlob(digest))) return undefined;
  return entry;
}
