import { describe, expect, it } from 'vitest';
import { ArtifactNotFoundError } from '../../activities/errors.js';
import type { ForeachItemResult } from '../../activities/types.js';
import { buildRunSummary, summarizeRun } from '../../engine/run-summary.js';
import type { RunState, TaskState } from '../../workflows/definitions.js';

const digest = (c: string) => `sha256:${c.repeat(64)}`;

function makeTask(overrides: Partial<TaskState> = {}): TaskState {
  return { status: 'succeeded', attempts: 1, exitCode: 0, node: 'n1', ...overrides };
}

function makeState(tasks: Record<string, TaskState>): RunState {
  return {
    runId: 'p-1',
    pipeline: 'p',
    status: 'succeeded',
    startedAt: 0,
    finishedAt: 1_000,
    tasks,
    dependsOn: {},
  };
}

function makeItem(index: number, overrides: Partial<ForeachItemResult> = {}): ForeachItemResult {
  return { index, status: 'succeeded', attempts: 1, node: 'n1', exitCode: 0, ...overrides };
}

/** An in-memory store holding `blobs`; reading anything else fails like the real one. */
function fakeStore(blobs: Record<string, string>) {
  const reads: string[] = [];
  return {
    reads,
    async readBlob(d: string): Promise<Buffer> {
      reads.push(d);
      const text = blobs[d];
      if (text === undefined) throw new ArtifactNotFoundError(d);
      return Buffer.from(text, 'utf8');
    },
  };
}

describe('summarizeRun', () => {
  it('loads stored output values and keeps inline ones as they are', async () => {
    const state = makeState({
      a: makeTask({
        outputs: {
          small: { kind: 'inline', value: '42' },
          large: { kind: 'stored', digest: digest('a'), sizeBytes: 9 },
        },
      }),
    });
    const summary = await summarizeRun(state, fakeStore({ [digest('a')]: 'big value' }));
    expect(summary.tasks['a']!.outputs).toEqual({ small: '42', large: 'big value' });
    expect(summary.problems).toEqual([]);
  });

  it("reads a finished foreach task's items in index order, with their stored values", async () => {
    const items = [
      makeItem(1, { outputs: { v: { kind: 'stored', digest: digest('b'), sizeBytes: 5 } } }),
      makeItem(0, { status: 'cached', cachedFrom: 'p-0', outputs: { v: { kind: 'inline', value: 'x' } } }),
    ];
    const state = makeState({
      each: makeTask({
        foreach: {
          total: 2,
          succeeded: 1,
          cached: 1,
          failed: 0,
          cancelled: 0,
          slicesStarted: 1,
          slicesDone: 1,
          items: { digest: digest('c'), sizeBytes: 100 },
        },
      }),
    });
    const store = fakeStore({ [digest('b')]: 'hello', [digest('c')]: JSON.stringify({ items }) });
    const summary = await summarizeRun(state, store);
    expect(summary.tasks['each']!.items).toEqual([
      {
        index: 0,
        status: 'cached',
        attempts: 1,
        platformRetries: 0,
        exitCode: 0,
        node: 'n1',
        cachedFrom: 'p-0',
        outputs: { v: 'x' },
        artifacts: {},
      },
      {
        index: 1,
        status: 'succeeded',
        attempts: 1,
        platformRetries: 0,
        exitCode: 0,
        node: 'n1',
        outputs: { v: 'hello' },
        artifacts: {},
      },
    ]);
  });

  it('reads a value shared by several tasks once', async () => {
    const ref = { kind: 'stored', digest: digest('d'), sizeBytes: 3 } as const;
    const state = makeState({ a: makeTask({ outputs: { v: ref } }), b: makeTask({ outputs: { w: ref } }) });
    const store = fakeStore({ [digest('d')]: 'abc' });
    await summarizeRun(state, store);
    expect(store.reads).toEqual([digest('d')]);
  });

  it('names what the store lacks instead of failing, and shows a placeholder for the value', async () => {
    const state = makeState({
      a: makeTask({ outputs: { v: { kind: 'stored', digest: digest('e'), sizeBytes: 7 } } }),
      each: makeTask({
        foreach: {
          total: 1,
          succeeded: 1,
          cached: 0,
          failed: 0,
          cancelled: 0,
          slicesStarted: 1,
          slicesDone: 1,
          items: { digest: digest('f'), sizeBytes: 10 },
        },
      }),
    });
    const summary = await summarizeRun(state, fakeStore({}));
    expect(summary.tasks['a']!.outputs).toEqual({ v: `<stored ${digest('e')}, 7 bytes>` });
    expect(summary.tasks['each']!.items).toBeUndefined();
    expect(summary.problems).toEqual([
      `task "each": its items (${digest('f')}) could not be read: artifact "${digest('f')}": not in the artifact store`,
      `value ${digest('e')} could not be read: artifact "${digest('e')}": not in the artifact store`,
    ]);
  });
});

describe('buildRunSummary', () => {
  it('carries the cached run, the child run and the foreach progress of each task', () => {
    const foreach = {
      total: 4,
      succeeded: 2,
      cached: 0,
      failed: 1,
      cancelled: 0,
      slicesStarted: 1,
      slicesDone: 0,
    };
    const summary = buildRunSummary(
      makeState({
        a: makeTask({ status: 'cached', cachedFrom: 'p-0' }),
        b: makeTask({ childRunId: 'child-1' }),
        c: makeTask({ status: 'running', foreach }),
      }),
    );
    expect(summary.tasks['a']).toMatchObject({
      status: 'cached',
      cachedFrom: 'p-0',
      outputs: {},
      artifacts: {},
    });
    expect(summary.tasks['b']).toMatchObject({ childRunId: 'child-1' });
    expect(summary.tasks['c']).toMatchObject({ status: 'running', foreach });
    expect(summary.tasks['c']!.items).toBeUndefined();
  });
});
