import { describe, expect, it } from 'vitest';
import { downstreamOf, selectReuse } from '../../engine/rerun.js';
import type { ForeachProgress, RunState, TaskState } from '../../workflows/definitions.js';

function makeTask(overrides: Partial<TaskState> = {}): TaskState {
  return { status: 'succeeded', attempts: 1, exitCode: 0, node: 'n1', ...overrides };
}

// prep → train → eval → report, and prep → lint (a side branch).
const spec = {
  tasks: [
    { id: 'prep', dependsOn: [] },
    { id: 'train', dependsOn: ['prep'] },
    { id: 'lint', dependsOn: ['prep'] },
    { id: 'eval', dependsOn: ['train'] },
    { id: 'report', dependsOn: ['eval', 'lint'] },
  ],
};

function makeState(statuses: Record<string, TaskState['status']>): Pick<RunState, 'runId' | 'tasks'> {
  return {
    runId: 'p-1',
    tasks: Object.fromEntries(Object.entries(statuses).map(([id, status]) => [id, makeTask({ status })])),
  };
}

const allSucceeded = makeState({
  prep: 'succeeded',
  train: 'succeeded',
  lint: 'succeeded',
  eval: 'succeeded',
  report: 'succeeded',
});

describe('downstreamOf', () => {
  it('holds the task itself and every transitive dependent', () => {
    expect([...downstreamOf(spec, 'train')].sort()).toEqual(['eval', 'report', 'train']);
    expect([...downstreamOf(spec, 'prep')].sort()).toEqual(['eval', 'lint', 'prep', 'report', 'train']);
    expect([...downstreamOf(spec, 'report')]).toEqual(['report']);
  });
});

describe('selectReuse', () => {
  it.each([
    {
      name: 'reuses every task of a run that succeeded when no --from is given',
      state: allSucceeded,
      from: undefined,
      reused: ['prep', 'train', 'lint', 'eval', 'report'],
    },
    {
      name: 'runs --from and everything downstream of it again',
      state: allSucceeded,
      from: 'train',
      reused: ['prep', 'lint'],
    },
    {
      name: 'runs a side branch again without touching the other branch',
      state: allSucceeded,
      from: 'lint',
      reused: ['prep', 'train', 'eval'],
    },
    {
      name: 'runs everything again from the first task',
      state: allSucceeded,
      from: 'prep',
      reused: [],
    },
    {
      name: 'runs failed, skipped and cancelled tasks again',
      state: makeState({
        prep: 'succeeded',
        train: 'failed',
        lint: 'cancelled',
        eval: 'skipped',
        report: 'skipped',
      }),
      from: undefined,
      reused: ['prep'],
    },
    {
      name: 'reuses a cached task like a succeeded one',
      state: makeState({
        prep: 'cached',
        train: 'succeeded',
        lint: 'failed',
        eval: 'succeeded',
        report: 'skipped',
      }),
      from: undefined,
      reused: ['prep', 'train', 'eval'],
    },
    {
      name: 'runs a task the run has no state for again',
      state: makeState({ prep: 'succeeded' }),
      from: undefined,
      reused: ['prep'],
    },
  ])('$name', ({ state, from, reused }) => {
    expect(Object.keys(selectReuse(spec, state, from))).toEqual(reused);
  });

  it("hands over the task's outputs, artifacts and foreach progress, from the run it came from", () => {
    const foreach: ForeachProgress = {
      total: 3,
      succeeded: 3,
      cached: 0,
      failed: 0,
      cancelled: 0,
      slicesStarted: 1,
      slicesDone: 1,
      items: { digest: `sha256:${'c'.repeat(64)}`, sizeBytes: 90 },
    };
    const state = {
      runId: 'p-7',
      tasks: {
        prep: makeTask({
          outputs: { n: { kind: 'inline', value: '3' } },
          artifacts: { data: { digest: `sha256:${'a'.repeat(64)}`, sizeBytes: 10 } },
        }),
        train: makeTask({ status: 'cached', cachedFrom: 'p-2', foreach }),
      },
    } satisfies Pick<RunState, 'runId' | 'tasks'>;
    expect(selectReuse(spec, state)).toEqual({
      prep: {
        fromRun: 'p-7',
        outputs: { n: { kind: 'inline', value: '3' } },
        artifacts: { data: { digest: `sha256:${'a'.repeat(64)}`, sizeBytes: 10 } },
      },
      train: { fromRun: 'p-7', outputs: {}, artifacts: {}, foreach },
    });
  });

  it('refuses a --from task the pipeline does not have', () => {
    expect(() => selectReuse(spec, allSucceeded, 'nope')).toThrow(
      new RangeError('selectReuse: "nope" is not a task of the pipeline'),
    );
  });
});
