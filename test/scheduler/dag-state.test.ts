import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parsePipeline } from '../../pipeline/parse.js';
import type { PipelineSpec } from '../../pipeline/schema.js';
import {
  cancelDag,
  completeExternal,
  completeTask,
  createDagState,
  dagOutcome,
  isDagFinished,
  skipOrigin,
  takeReady,
  taskStatus,
  type DagState,
  type TaskOutcome,
} from '../../scheduler/dag/dag-state.js';
import {
  IllegalTaskTransitionError,
  InvalidDagError,
  SchedulerError,
  UnknownTaskError,
} from '../../scheduler/dag/errors.js';

/** A validated pipeline from `id: dependencies` pairs, in declaration order. */
function makeSpec(graph: Record<string, string[]>): PipelineSpec {
  return parsePipeline({
    name: 'test',
    tasks: Object.entries(graph).map(([id, dependsOn]) => ({ id, image: 'gantry/busybox', dependsOn })),
  });
}

const diamond = { a: [], b: ['a'], c: ['a'], d: ['b', 'c'] };

function statuses(state: DagState): Record<string, string> {
  return Object.fromEntries(state.order.map((id) => [id, taskStatus(state, id)]));
}

describe('createDagState', () => {
  it('makes the tasks without dependencies ready and leaves the rest pending', () => {
    expect(statuses(createDagState(makeSpec(diamond)))).toEqual({
      a: 'ready',
      b: 'pending',
      c: 'pending',
      d: 'pending',
    });
  });

  it('survives a JSON round trip unchanged', () => {
    const state = createDagState(makeSpec(diamond));
    takeReady(state);
    completeTask(state, 'a', 'succeeded');
    expect(JSON.parse(JSON.stringify(state))).toEqual(state);
  });

  it.each([
    [
      'a cycle',
      {
        tasks: [
          { id: 'a', dependsOn: ['b'] },
          { id: 'b', dependsOn: ['a'] },
          { id: 'c', dependsOn: ['b'] },
        ],
      },
      'pipeline is not a DAG: tasks a, b, c are on or behind a cycle',
    ],
    [
      'an unknown dependency',
      { tasks: [{ id: 'a', dependsOn: ['x'] }] },
      'pipeline is not a DAG: task "a" depends on unknown task "x"',
    ],
    [
      'a duplicate id',
      {
        tasks: [
          { id: 'a', dependsOn: [] },
          { id: 'a', dependsOn: [] },
        ],
      },
      'pipeline is not a DAG: task "a" is defined twice',
    ],
  ])('refuses an unvalidated spec with %s', (_, spec, message) => {
    expect(() => createDagState(spec as unknown as PipelineSpec)).toThrow(InvalidDagError);
    expect(() => createDagState(spec as unknown as PipelineSpec)).toThrow(message);
  });
});

describe('takeReady', () => {
  it('returns the ready tasks in declaration order and marks them running', () => {
    const state = createDagState(makeSpec({ z: [], y: [], x: ['z'] }));
    expect(takeReady(state)).toEqual(['z', 'y']);
    expect(statuses(state)).toEqual({ z: 'running', y: 'running', x: 'pending' });
    expect(takeReady(state)).toEqual([]);
  });

  it('orders tasks that became ready at different times by declaration order', () => {
    const state = createDagState(makeSpec({ a: [], b: [], late: ['b'], early: ['a'] }));
    takeReady(state);
    completeTask(state, 'b', 'succeeded');
    completeTask(state, 'a', 'succeeded');
    expect(takeReady(state)).toEqual(['late', 'early']);
  });
});

describe("takeReady with a limit (a run's cap on tasks in flight)", () => {
  it('takes the first tasks in declaration order and leaves the rest ready for later', () => {
    const state = createDagState(makeSpec({ a: [], b: [], c: [], d: ['a'] }));
    expect(takeReady(state, 2)).toEqual(['a', 'b']);
    expect(statuses(state)).toEqual({ a: 'running', b: 'running', c: 'ready', d: 'pending' });
    completeTask(state, 'a', 'succeeded');
    expect(takeReady(state, 1)).toEqual(['c']);
    expect(takeReady(state, 0)).toEqual([]);
    expect(takeReady(state)).toEqual(['d']);
  });

  it('always takes the first-declared ready tasks, across completions and a continue-as-new round trip', () => {
    // Roots r0..r9, then t0..t29 each after one root: tasks become ready in an order unlike declaration.
    fc.assert(
      fc.property(
        fc.array(fc.integer({ min: 0, max: 9 }), { minLength: 30, maxLength: 30 }),
        fc.array(fc.tuple(fc.integer({ min: 0, max: 3 }), fc.boolean()), { minLength: 1, maxLength: 40 }),
        (parents, steps) => {
          const graph: Record<string, string[]> = {};
          for (let r = 0; r < 10; r++) graph[`r${r}`] = [];
          parents.forEach((parent, i) => (graph[`t${i}`] = [`r${parent}`]));
          const order = Object.keys(graph);
          let state = createDagState(makeSpec(graph));
          const running: string[] = [];
          for (const [limit, roundTrip] of steps) {
            if (roundTrip) state = JSON.parse(JSON.stringify(state)) as DagState;
            const readyBefore = order.filter((id) => taskStatus(state, id) === 'ready');
            const taken = takeReady(state, limit);
            expect(taken).toEqual(readyBefore.slice(0, limit));
            running.push(...taken);
            const done = running.shift();
            if (done !== undefined) completeTask(state, done, 'succeeded');
          }
        },
      ),
    );
  });
});

describe('completeExternal (a task of an earlier slice of a partitioned run)', () => {
  it('feeds its outcome to its dependents without being taken', () => {
    const state = createDagState(makeSpec({ up: [], ok: ['up'], other: [] }));
    expect(completeExternal(state, 'up', 'failed')).toEqual({
      ready: [],
      skipped: [{ id: 'ok', because: { kind: 'trigger', upstream: 'up', rule: 'allSucceeded' } }],
    });
    expect(takeReady(state)).toEqual(['other']);
  });

  it('refuses a task that is not a ready root', () => {
    const state = createDagState(makeSpec({ up: [], down: ['up'] }));
    expect(() => completeExternal(state, 'down', 'succeeded')).toThrow(IllegalTaskTransitionError);
  });
});

describe('completeTask', () => {
  it('makes a task ready only once all its dependencies succeeded', () => {
    const state = createDagState(makeSpec(diamond));
    takeReady(state);
    expect(completeTask(state, 'a', 'succeeded')).toEqual({ ready: ['b', 'c'], skipped: [] });
    expect(takeReady(state)).toEqual(['b', 'c']);
    expect(completeTask(state, 'c', 'succeeded')).toEqual({ ready: [], skipped: [] });
    expect(completeTask(state, 'b', 'succeeded')).toEqual({ ready: ['d'], skipped: [] });
    expect(takeReady(state)).toEqual(['d']);
    completeTask(state, 'd', 'succeeded');
    expect([isDagFinished(state), dagOutcome(state)]).toEqual([true, 'succeeded']);
  });

  it.each([
    ['failed', 'failed'],
    ['cancelled', 'cancelled'],
  ] as const)('skips the whole downstream of a %s task, recording it as the cause', (outcome, dag) => {
    const state = createDagState(makeSpec({ a: [], b: ['a'], c: [], d: ['b', 'c'], e: ['d'] }));
    takeReady(state);
    const because = (upstream: string) => ({ kind: 'trigger', upstream, rule: 'allSucceeded' });
    expect(completeTask(state, 'a', outcome)).toEqual({
      ready: [],
      skipped: [
        { id: 'b', because: because('a') },
        { id: 'd', because: because('b') },
        { id: 'e', because: because('d') },
      ],
    });
    expect(statuses(state)).toEqual({ a: outcome, b: 'skipped', c: 'running', d: 'skipped', e: 'skipped' });
    expect(state.tasks['e']?.skippedBecause).toEqual(because('d'));
    expect(skipOrigin(state, 'e')).toBe('a');
    expect(dagOutcome(state)).toBe('running');
    completeTask(state, 'c', 'succeeded');
    expect([isDagFinished(state), dagOutcome(state)]).toEqual([true, dag]);
  });

  it('keeps the first cause of a task skipped by two failures', () => {
    const state = createDagState(makeSpec({ a: [], b: [], c: ['a', 'b'] }));
    takeReady(state);
    completeTask(state, 'b', 'failed');
    expect(completeTask(state, 'a', 'failed')).toEqual({ ready: [], skipped: [] });
    expect(state.tasks['c']?.skippedBecause).toEqual({
      kind: 'trigger',
      upstream: 'b',
      rule: 'allSucceeded',
    });
  });

  it('reports failed over cancelled when both happened', () => {
    const state = createDagState(makeSpec({ a: [], b: [] }));
    takeReady(state);
    completeTask(state, 'a', 'cancelled');
    completeTask(state, 'b', 'failed');
    expect(dagOutcome(state)).toBe('failed');
  });

  it.each([
    [
      'a pending task',
      (s: DagState) => s,
      'd',
      'succeeded',
      'task "d": cannot become succeeded while pending (only a running task can complete)',
    ],
    [
      'a ready task',
      (s: DagState) => s,
      'a',
      'failed',
      'task "a": cannot become failed while ready (only a running task can complete)',
    ],
    [
      'a finished task',
      (s: DagState) => (takeReady(s), completeTask(s, 'a', 'succeeded'), s),
      'a',
      'succeeded',
      'task "a": cannot become succeeded while succeeded (only a running task can complete)',
    ],
  ] as const)('refuses to complete %s', (_, prepare, id, outcome: TaskOutcome, message) => {
    const state = prepare(createDagState(makeSpec(diamond)));
    const error = (() => {
      try {
        completeTask(state, id, outcome);
      } catch (e) {
        return e;
      }
      return undefined;
    })();
    expect(error).toBeInstanceOf(IllegalTaskTransitionError);
    expect(error).toBeInstanceOf(SchedulerError);
    expect((error as Error).message).toBe(message);
    expect(error).toMatchObject({ taskId: id, to: outcome });
  });

  it('refuses a task that is not in the pipeline', () => {
    const state = createDagState(makeSpec(diamond));
    expect(() => completeTask(state, 'zz', 'succeeded')).toThrow(UnknownTaskError);
    expect(() => completeTask(state, 'zz', 'succeeded')).toThrow('task "zz": not in the pipeline');
    expect(() => completeTask(state, 'constructor', 'succeeded')).toThrow(
      'task "constructor": not in the pipeline',
    );
  });
});

describe('cancelDag', () => {
  it('cancels the tasks that have not started and leaves running ones to finish', () => {
    const state = createDagState(makeSpec({ a: [], b: ['a'], c: [] }));
    takeReady(state);
    expect(cancelDag(state)).toEqual(['b']);
    expect(dagOutcome(state)).toBe('running');
    completeTask(state, 'a', 'succeeded');
    completeTask(state, 'c', 'cancelled');
    expect(statuses(state)).toEqual({ a: 'succeeded', b: 'cancelled', c: 'cancelled' });
    expect(takeReady(state)).toEqual([]);
    expect(dagOutcome(state)).toBe('cancelled');
  });
});

/** Random DAGs: task i may depend on any earlier task, so every generated graph is acyclic. */
const randomRun = fc.integer({ min: 1, max: 14 }).chain((size) =>
  fc.record({
    graph: fc.tuple(
      ...Array.from({ length: size }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => `t${j}`))),
    ),
    outcomes: fc.array(
      fc.constantFrom<TaskOutcome>('succeeded', 'succeeded', 'succeeded', 'failed', 'cancelled'),
      { minLength: size, maxLength: size },
    ),
    picks: fc.array(fc.nat(), { minLength: size, maxLength: size }),
  }),
);

interface Trace {
  readonly started: string[];
  readonly final: DagState;
}

/** Drives a DAG to the end, completing one running task at a time, chosen by `picks`; optionally via JSON each step. */
function simulate(
  spec: PipelineSpec,
  outcomes: readonly TaskOutcome[],
  picks: readonly number[],
  viaJson = false,
): Trace {
  let state = createDagState(spec);
  const running: string[] = [];
  const started: string[] = [];
  for (let step = 0; ; step++) {
    for (const id of takeReady(state)) {
      const task = spec.tasks.find((t) => t.id === id)!;
      expect(
        task.dependsOn
          .map((dependency) => taskStatus(state, dependency))
          .every((status) => status === 'succeeded'),
      ).toBe(true);
      running.push(id);
      started.push(id);
    }
    if (running.length === 0) break;
    const [id] = running.splice((picks[step % picks.length] ?? 0) % running.length, 1);
    completeTask(state, id!, outcomes[state.order.indexOf(id!)] ?? 'succeeded');
    if (viaJson) state = JSON.parse(JSON.stringify(state)) as DagState;
  }
  return { started, final: state };
}

describe('dag-state on random DAGs', () => {
  it('ends with every task terminal, never having started a task before its dependencies succeeded', () => {
    fc.assert(
      fc.property(randomRun, ({ graph, outcomes, picks }) => {
        const spec = makeSpec(Object.fromEntries(graph.map((deps, i) => [`t${i}`, deps])));
        const { started, final } = simulate(spec, outcomes, picks);
        expect(isDagFinished(final)).toBe(true);
        expect(dagOutcome(final)).not.toBe('running');
        for (const task of spec.tasks) {
          const status = taskStatus(final, task.id);
          expect(['succeeded', 'failed', 'cancelled', 'skipped']).toContain(status);
          expect(started.includes(task.id)).toBe(status !== 'skipped');
          const isBlocked = task.dependsOn.some(
            (dependency) => taskStatus(final, dependency) !== 'succeeded',
          );
          expect(status === 'skipped').toBe(isBlocked);
        }
        const hasFailure = started.some((id) => taskStatus(final, id) === 'failed');
        const hasCancel = started.some((id) => taskStatus(final, id) === 'cancelled');
        expect(dagOutcome(final)).toBe(hasFailure ? 'failed' : hasCancel ? 'cancelled' : 'succeeded');
      }),
      { numRuns: 300 },
    );
  });

  it('is deterministic, also when the state goes through JSON between steps', () => {
    fc.assert(
      fc.property(randomRun, ({ graph, outcomes, picks }) => {
        const spec = makeSpec(Object.fromEntries(graph.map((deps, i) => [`t${i}`, deps])));
        const first = simulate(spec, outcomes, picks);
        expect(simulate(spec, outcomes, picks)).toEqual(first);
        expect(simulate(spec, outcomes, picks, true)).toEqual(first);
      }),
      { numRuns: 200 },
    );
  });

  it('traces every skip back to a failed or cancelled ancestor', () => {
    fc.assert(
      fc.property(randomRun, ({ graph, outcomes, picks }) => {
        const spec = makeSpec(Object.fromEntries(graph.map((deps, i) => [`t${i}`, deps])));
        const { final } = simulate(spec, outcomes, picks);
        const ancestors = (id: string): Set<string> => {
          const seen = new Set<string>();
          const stack = [...(spec.tasks.find((t) => t.id === id)?.dependsOn ?? [])];
          while (stack.length > 0) {
            const next = stack.pop()!;
            if (!seen.has(next))
              stack.push(...(spec.tasks.find((t) => t.id === (seen.add(next), next))?.dependsOn ?? []));
          }
          return seen;
        };
        for (const id of final.order.filter((t) => taskStatus(final, t) === 'skipped')) {
          const because = final.tasks[id]?.skippedBecause;
          expect(because).toMatchObject({ kind: 'trigger', rule: 'allSucceeded' });
          const upstream = because?.kind === 'trigger' ? because.upstream : '';
          expect(spec.tasks.find((t) => t.id === id)?.dependsOn).toContain(upstream);
          const cause = skipOrigin(final, id);
          expect(ancestors(id).has(cause!)).toBe(true);
          expect(['failed', 'cancelled']).toContain(taskStatus(final, cause!));
        }
      }),
      { numRuns: 200 },
    );
  });
});
