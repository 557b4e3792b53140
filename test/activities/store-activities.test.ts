import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../activities/artifact-store.js';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';
import { createStoreActivities, readJsonDocument } from '../../activities/store-activities.js';
import type { ForeachItemResult, GatherForeachResult } from '../../activities/types.js';

function makeItem(index: number, overrides: Partial<ForeachItemResult> = {}): ForeachItemResult {
  return { index, status: 'succeeded', attempts: 1, node: 'n1', exitCode: 0, ...overrides };
}

describe('store activities', () => {
  let store: ArtifactStore;
  let activities: ReturnType<typeof createStoreActivities>;
  const inActivity = <R>(fn: () => Promise<R>): Promise<R> =>
    new MockActivityEnvironment({}, { logger: new DefaultLogger('ERROR', () => undefined) }).run<
      [],
      R,
      () => Promise<R>
    >(fn);

  beforeEach(async () => {
    store = createFsArtifactStore(await mkdtemp(path.join(os.tmpdir(), 'gantry-store-act-')));
    activities = createStoreActivities(store);
  });

  it('stores a JSON document and loads values back by digest', async () => {
    const ref = await activities.storeJson({ json: '{"a":1}' });
    expect(await readJsonDocument(store, ref)).toEqual({ a: 1 });
    expect(await activities.loadValues({ digests: [ref.digest, ref.digest] })).toEqual({
      [ref.digest]: '{"a":1}',
    });
    expect(await activities.storeJson({ json: '{"a":1}' })).toEqual(ref);
  });

  it('fails loading an absent value as ArtifactNotFound, not retried', async () => {
    const digest = `sha256:${'e'.repeat(64)}`;
    await expect(inActivity(() => activities.loadValues({ digests: [digest] }))).rejects.toMatchObject({
      type: 'ArtifactNotFound',
      nonRetryable: true,
      message: `artifact "${digest}": not in the artifact store`,
    });
  });

  it('gathers slices in item order: per-output arrays with null for missing values, every item, and the counts', async () => {
    const stored = await store.putBlob(Buffer.from('from-the-store'));
    const late = await activities.storeJson({
      json: JSON.stringify({
        firstIndex: 2,
        items: [
          makeItem(3, { status: 'failed', exitCode: 1, error: 'boom', failureType: 'ExitCode' }),
          makeItem(2, {
            status: 'cached',
            attempts: 0,
            cachedFrom: 'old-run',
            outputs: { score: { kind: 'inline', value: '2' } },
          }),
        ],
      }),
    });
    const early = await activities.storeJson({
      json: JSON.stringify({
        firstIndex: 0,
        items: [
          makeItem(0, { outputs: { score: { kind: 'inline', value: '0' } } }),
          makeItem(1, {
            outputs: { score: { kind: 'stored', digest: stored.digest, sizeBytes: stored.sizeBytes } },
          }),
        ],
      }),
    });
    const gathered: GatherForeachResult = await activities.gatherForeach({
      slices: [late, early],
      outputNames: ['score'],
    });
    expect(gathered.outputs).toEqual({ score: { kind: 'inline', value: '["0","from-the-store","2",null]' } });
    expect(gathered.counts).toEqual({
      total: 4,
      succeeded: 2,
      cached: 1,
      failed: 1,
      skipped: 0,
      cancelled: 0,
    });
    const { items } = await readJsonDocument<{ items: ForeachItemResult[] }>(store, gathered.items);
    expect(items.map((i) => [i.index, i.status])).toEqual([
      [0, 'succeeded'],
      [1, 'succeeded'],
      [2, 'cached'],
      [3, 'failed'],
    ]);
  });

  it('stores an aggregate over 4 KiB instead of inlining it', async () => {
    const items = Array.from({ length: 100 }, (_, i) =>
      makeItem(i, { outputs: { v: { kind: 'inline', value: 'x'.repeat(50) } } }),
    );
    const slice = await activities.storeJson({ json: JSON.stringify({ firstIndex: 0, items }) });
    const gathered = await activities.gatherForeach({ slices: [slice], outputNames: ['v'] });
    const ref = gathered.outputs['v']!;
    expect(ref.kind).toBe('stored');
    const { digest } = ref as { readonly digest: string };
    expect(JSON.parse((await store.readBlob(digest)).toString())).toEqual(Array(100).fill('x'.repeat(50)));
  });
});
