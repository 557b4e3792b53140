/**
 * Activities over the artifact store for the control worker: what workflows need of stored data without
 * holding it in their histories. All are idempotent (content addressing: the same input stores the same
 * bytes under the same digest), so retries are harmless.
 */
import type { ArtifactRef, ValueRef } from '../common/data-refs.js';
import type { ArtifactStore } from './artifact-store.js';
import { toFailure } from './to-failure.js';
import type {
  ForeachCounts,
  ForeachItemResult,
  ForeachSliceDocument,
  GatherForeachInput,
  GatherForeachResult,
  LoadValuesInput,
  StoreJsonInput,
} from './types.js';
import { toValueRef } from './value-ref.js';

/** Shown as the node of failures raised on the control worker. */
const CONTROL_NODE = 'control';

/** A stored JSON document, parsed; the caller vouches for its shape (it stored it). */
export async function readJsonDocument<T = unknown>(store: ArtifactStore, ref: ArtifactRef): Promise<T> {
  return JSON.parse((await store.readBlob(ref.digest)).toString('utf8')) as T;
}

function countItems(items: readonly ForeachItemResult[]): ForeachCounts {
  const counts = { total: items.length, succeeded: 0, cached: 0, failed: 0, skipped: 0, cancelled: 0 };
  for (const item of items) counts[item.status] += 1;
  return counts;
}

async function gather(store: ArtifactStore, input: GatherForeachInput): Promise<GatherForeachResult> {
  const documents = await Promise.all(
    input.slices.map((slice) => readJsonDocument<ForeachSliceDocument>(store, slice)),
  );
  // Slices finish in any order; the index, not the order of arrival, places an item.
  const items = documents.flatMap((doc) => doc.items).sort((a, b) => a.index - b.index);
  const storedValues = new Map<string, string>();
  for (const item of items) {
    for (const name of input.outputNames) {
      const ref = item.outputs?.[name];
      if (ref?.kind === 'stored' && !storedValues.has(ref.digest))
        storedValues.set(ref.digest, (await store.readBlob(ref.digest)).toString('utf8'));
    }
  }
  const outputs: Record<string, ValueRef> = {};
  for (const name of input.outputNames) {
    const values = items.map((item) => {
      const ref = item.outputs?.[name];
      if (!ref) return null;
      return ref.kind === 'inline' ? ref.value : (storedValues.get(ref.digest) ?? null);
    });
    outputs[name] = await toValueRef(store, JSON.stringify(values));
  }
  const itemsRef = await store.putBlob(Buffer.from(JSON.stringify({ items }), 'utf8'));
  return { outputs, items: itemsRef, counts: countItems(items) };
}

export function createStoreActivities(store: ArtifactStore) {
  return {
    /** The UTF-8 text of stored values, by digest. */
    async loadValues(input: LoadValuesInput): Promise<Record<string, string>> {
      try {
        const values: Record<string, string> = {};
        for (const digest of new Set(input.digests))
          values[digest] = (await store.readBlob(digest)).toString('utf8');
        return values;
      } catch (err) {
        throw toFailure(err, CONTROL_NODE);
      }
    },

    /** Stores a JSON document (e.g. a foreach slice's results) and returns its address. */
    async storeJson(input: StoreJsonInput): Promise<ArtifactRef> {
      try {
        return await store.putBlob(Buffer.from(input.json, 'utf8'));
      } catch (err) {
        throw toFailure(err, CONTROL_NODE);
      }
    },

    /** Joins a foreach's slices: per-output arrays in item order, every item's record, and the counts. */
    async gatherForeach(input: GatherForeachInput): Promise<GatherForeachResult> {
      try {
        return await gather(store, input);
      } catch (err) {
        throw toFailure(err, CONTROL_NODE);
      }
    },
  };
}

export type StoreActivities = ReturnType<typeof createStoreActivities>;
