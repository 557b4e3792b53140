/** How a value travels: inline when small, else by digest in the artifact store (see common/data-refs). */
import { INLINE_VALUE_MAX_BYTES, type ValueRef } from '../common/data-refs.js';
import type { ArtifactStore } from './artifact-store.js';

export async function toValueRef(store: ArtifactStore, value: string): Promise<ValueRef> {
  const bytes = Buffer.from(value, 'utf8');
  if (bytes.length <= INLINE_VALUE_MAX_BYTES) return { kind: 'inline', value };
  const { digest, sizeBytes } = await store.putBlob(bytes);
  return { kind: 'stored', digest, sizeBytes };
}
