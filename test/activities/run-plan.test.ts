import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../activities/artifact-store.js';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';
import { readJsonDocument } from '../../activities/store-activities.js';
import { loadSlice, openRunSpec, storeRunSpec } from '../../activities/run-plan.js';
import type { RunPlanDocument, SliceDocument } from '../../common/run-plan.js';
import { parsePipeline } from '../../pipeline/parse.js';
import type { PipelineSpec } from '../../pipeline/schema.js';

const task = (id: string, extra: Record<string, unknown> = {}) => ({ id, image: 'gantry/busybox', ...extra });

function fanOut(n: number): PipelineSpec {
  return parsePipeline({
    name: 'fan',
    params: { p: '1' },
    tasks: Array.from({ length: n }, (_, i) => task(`t${i}`)),
  });
}

describe('run plan activities', () => {
  let root: string;
  let store: ArtifactStore;
  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gantry-run-plan-'));
    store = createFsArtifactStore(root);
  });
  afterEach(() => rm(root, { recursive: true, force: true }));

  it('opens a small run into its spec, and the same spec always to the same digest', async () => {
    const spec = fanOut(3);
    const ref = await storeRunSpec(store, spec);
    expect(await storeRunSpec(store, spec)).toEqual(ref);
    expect(await openRunSpec(store, { spec: ref })).toEqual({ kind: 'whole', spec });
  });

  it('partitions a run past maxSliceTasks, each slice document a runnable spec, with the plan by slice', async () => {
    const ref = await storeRunSpec(store, fanOut(1_201));
    const opened = await openRunSpec(store, { spec: ref });
    if (opened.kind !== 'partitioned') throw new Error('expected a partitioned run');
    const { plan } = opened;
    expect(plan).toMatchObject({ pipeline: 'fan', params: { p: '1' }, taskCount: 1_201 });
    expect(plan.slices.map((s) => s.taskCount)).toEqual([500, 500, 201]);
    const doc = await readJsonDocument<RunPlanDocument>(store, plan.document);
    expect(doc.slices[2]!.taskIds[0]).toBe('t1000');
    const slice = await readJsonDocument<SliceDocument>(store, plan.slices[1]!.ref);
    // The slice's spec parses as a pipeline of its own: same name and params, its 500 tasks.
    const sliceSpec = parsePipeline(slice.spec);
    expect(sliceSpec).toMatchObject({ name: 'fan', params: { p: '1' } });
    expect(sliceSpec.tasks).toHaveLength(500);
  });

  it('gives a slice its external tasks as roots, and their final states from the upstream slices', async () => {
    const spec = parsePipeline({
      name: 'chain',
      tasks: [
        task('a', { outputs: { parameters: [{ name: 'v' }] } }),
        task('b', { dependsOn: ['a'] }),
        task('c', { dependsOn: ['b'], env: { V: '{{ tasks.a.outputs.v }}' } }),
      ],
    });
    const opened = await openRunSpec(store, { spec: await storeRunSpec(store, spec), maxSliceTasks: 1 });
    if (opened.kind !== 'partitioned') throw new Error('expected a partitioned run');
    expect(opened.plan.slices.map((s) => s.dependsOn)).toEqual([[], [0], [0, 1]]);
    const states = (value: unknown) => store.putBlob(Buffer.from(JSON.stringify(value), 'utf8'));
    const up0 = await states({
      a: { status: 'succeeded', outputs: { v: { kind: 'inline', value: '7' } }, logTail: 'x' },
    });
    const up1 = await states({ b: { status: 'failed', error: 'exit 1' } });
    const loaded = await loadSlice(store, { slice: opened.plan.slices[2]!.ref, upstream: [up0, up1] });
    expect((loaded.spec as PipelineSpec).tasks.map((t) => [t.id, t.dependsOn])).toEqual([
      ['a', []],
      ['b', []],
      ['c', ['b']],
    ]);
    expect(loaded.external).toEqual({
      a: expect.objectContaining({ status: 'succeeded', outputs: { v: { kind: 'inline', value: '7' } } }),
      b: expect.objectContaining({ status: 'failed' }),
    });
    expect(loaded.external['a']).not.toHaveProperty('logTail');
  });

  it('splits a rerun’s reused tasks by slice', async () => {
    const spec = fanOut(4);
    const reuse = await store.putBlob(
      Buffer.from(
        JSON.stringify({
          t0: { fromRun: 'r', outputs: {}, artifacts: {} },
          t3: { fromRun: 'r', outputs: {}, artifacts: {} },
        }),
      ),
    );
    const opened = await openRunSpec(store, {
      spec: await storeRunSpec(store, spec),
      reuse,
      maxSliceTasks: 2,
    });
    if (opened.kind !== 'partitioned') throw new Error('expected a partitioned run');
    const second = await loadSlice(store, { slice: opened.plan.slices[1]!.ref, upstream: [] });
    expect(Object.keys(second.reuse ?? {})).toEqual(['t3']);
    const whole = await openRunSpec(store, { spec: await storeRunSpec(store, spec), reuse });
    expect(whole).toMatchObject({ kind: 'whole', reuse: { t0: { fromRun: 'r' } } });
  });
});
