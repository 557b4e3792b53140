import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { TRIGGER_RULES, type TriggerRule } from '../../pipeline/schema.js';
import {
  completeTask,
  createDagState,
  dagOutcome,
  isDagFinished,
  skipOrigin,
  takeReady,
  taskStatus,
  type DagState,
  type DagTaskInput,
  type TaskOutcome,
} from '../../scheduler/dag/dag-state.js';
import { InvalidDagError } from '../../scheduler/dag/errors.js';
import type { TaskStatus } from '../../scheduler/dag/task-status.js';
import { evaluateTrigger, type UpstreamCounts } from '../../scheduler/dag/trigger-rules.js';

/** Tasks from `id: [dependencies, rule]` pairs, in declaration order; the rule defaults like the schema's. */
function makeTasks(graph: Record<string, readonly [string[], TriggerRule?]>): DagTaskInput[] {
  return Object.entries(graph).map(([id, [dependsOn, trigger]]) =>
    trigger === undefined ? { id, dependsOn } : { id, dependsOn, trigger },
  );
}

function counts(upstream: number, succeeded: number, failed: number, skipped: number): UpstreamCounts {
  return { upstream, succeeded, failed, skipped, done: succeeded + failed + skipped };
}

function statuses(state: DagState): Record<string, string> {
  return Object.fromEntries(state.order.map((id) => [id, taskStatus(state, id)]));
}

describe('evaluateTrigger', () => {
  // upstream 3; [succeeded, failed, skipped] → decision
  const table: readonly [TriggerRule, number, number, number, string][] = [
    ['allSucceeded', 3, 0, 0, 'ready'],
    ['allSucceeded', 2, 0, 0, 'wait'],
    ['allSucceeded', 0, 1, 0, 'skip'],
    ['allSucceeded', 0, 0, 1, 'skip'],
    ['allDone', 1, 1, 0, 'wait'],
    ['allDone', 1, 1, 1, 'ready'],
    ['allDone', 0, 3, 0, 'ready'],
    ['anySucceeded', 0, 0, 0, 'wait'],
    ['anySucceeded', 1, 0, 0, 'ready'],
    ['anySucceeded', 0, 2, 0, 'wait'],
    ['anySucceeded', 0, 2, 1, 'skip'],
    ['anyFailed', 2, 0, 0, 'wait'],
    ['anyFailed', 0, 1, 0, 'ready'],
    ['anyFailed', 2, 0, 1, 'skip'],
    ['allFailed', 0, 2, 0, 'wait'],
    ['allFailed', 0, 3, 0, 'ready'],
    ['allFailed', 1, 0, 0, 'skip'],
    ['allFailed', 0, 0, 1, 'skip'],
    ['noneFailed', 2, 0, 0, 'wait'],
    ['noneFailed', 2, 0, 1, 'ready'],
    ['noneFailed', 0, 1, 0, 'skip'],
  ];
  it.each(table)('%s with %i succeeded, %i failed, %i skipped of 3 decides %s', (rule, s, f, k, want) => {
    expect(evaluateTrigger(rule, counts(3, s, f, k))).toBe(want);
  });

  it.each(TRIGGER_RULES)('makes a task without upstream ready at once under %s', (rule) => {
    expect(evaluateTrigger(rule, counts(0, 0, 0, 0))).toBe('ready');
    expect(statuses(createDagState({ tasks: makeTasks({ a: [[], rule] }) }))).toEqual({ a: 'ready' });
  });
});

describe('completeTask with trigger rules', () => {
  it('skips allSucceeded tasks in cascade but runs an allDone task below them', () => {
    const state = createDagState({
      tasks: makeTasks({ a: [[]], b: [['a']], c: [['b']], cleanup: [['c'], 'allDone'], d: [['cleanup']] }),
    });
    takeReady(state);
    expect(completeTask(state, 'a', 'failed')).toEqual({
      ready: ['cleanup'],
      skipped: [
        { id: 'b', because: { kind: 'trigger', upstream: 'a', rule: 'allSucceeded' } },
        { id: 'c', because: { kind: 'trigger', upstream: 'b', rule: 'allSucceeded' } },
      ],
    });
    expect(skipOrigin(state, 'c')).toBe('a');
    expect(takeReady(state)).toEqual(['cleanup']);
    expect(completeTask(state, 'cleanup', 'succeeded')).toEqual({ ready: ['d'], skipped: [] });
  });

  it('starts an anySucceeded task while its other upstream tasks still run', () => {
    const state = createDagState({ tasks: makeTasks({ a: [[]], b: [[]], c: [['a', 'b'], 'anySucceeded'] }) });
    takeReady(state);
    expect(completeTask(state, 'b', 'cached')).toEqual({ ready: ['c'], skipped: [] });
    expect(statuses(state)).toEqual({ a: 'running', b: 'cached', c: 'ready' });
  });

  it.each([
    ['anySucceeded', ['failed', 'skipped'], 'skipped'],
    ['anyFailed', ['succeeded', 'cancelled'], 'ready'],
    ['anyFailed', ['succeeded', 'skipped'], 'skipped'],
    ['allFailed', ['failed', 'cancelled'], 'ready'],
    ['allFailed', ['failed', 'cached'], 'skipped'],
    ['noneFailed', ['skipped', 'cached'], 'ready'],
    ['noneFailed', ['succeeded', 'cancelled'], 'skipped'],
    ['allSucceeded', ['cached', 'succeeded'], 'ready'],
    ['allDone', ['cancelled', 'skipped'], 'ready'],
  ] as const)('decides a %s task after upstream %j: %s', (rule, outcomes, want) => {
    const state = createDagState({ tasks: makeTasks({ a: [[]], b: [[]], c: [['a', 'b'], rule] }) });
    takeReady(state);
    completeTask(state, 'a', outcomes[0]);
    expect(taskStatus(state, 'c')).toBe('pending');
    completeTask(state, 'b', outcomes[1]);
    expect(taskStatus(state, 'c')).toBe(want);
  });

  it('records a running task skipped by its `when` and counts it as skipped downstream', () => {
    const state = createDagState({
      tasks: makeTasks({ a: [[]], strict: [['a']], lenient: [['a'], 'noneFailed'] }),
    });
    takeReady(state);
    expect(completeTask(state, 'a', 'skipped')).toEqual({
      ready: ['lenient'],
      skipped: [{ id: 'strict', because: { kind: 'trigger', upstream: 'a', rule: 'allSucceeded' } }],
    });
    expect(state.tasks['a']?.skippedBecause).toEqual({ kind: 'when' });
    expect([skipOrigin(state, 'a'), skipOrigin(state, 'strict'), skipOrigin(state, 'lenient')]).toEqual([
      'a',
      'a',
      undefined,
    ]);
  });

  it('counts each upstream once however often it is listed', () => {
    const state = createDagState({ tasks: makeTasks({ a: [[]], b: [['a', 'a'], 'allFailed'] }) });
    takeReady(state);
    expect(completeTask(state, 'a', 'failed')).toEqual({ ready: ['b'], skipped: [] });
  });

  it('ends succeeded when an anyFailed task is skipped because nothing failed', () => {
    const state = createDagState({ tasks: makeTasks({ a: [[]], b: [['a'], 'anyFailed'] }) });
    takeReady(state);
    completeTask(state, 'a', 'cached');
    expect([isDagFinished(state), dagOutcome(state), taskStatus(state, 'b')]).toEqual([
      true,
      'succeeded',
      'skipped',
    ]);
  });

  it('refuses an unknown trigger rule in an unvalidated spec', () => {
    const tasks = [{ id: 'a', dependsOn: [], trigger: 'oneSuccess' as TriggerRule }];
    expect(() => createDagState({ tasks })).toThrow(InvalidDagError);
    expect(() => createDagState({ tasks })).toThrow(
      'pipeline is not a DAG: task "a" has unknown trigger rule "oneSuccess"',
    );
  });
});

// ---- properties ----------------------------------------------------------------------------------------

const OUTCOMES: readonly TaskOutcome[] = ['succeeded', 'cached', 'failed', 'skipped', 'cancelled'];

/** Random DAGs with random rules: task i may depend on any earlier task, so every graph is acyclic. */
const randomRun = fc.integer({ min: 1, max: 14 }).chain((size) =>
  fc.record({
    deps: fc.tuple(
      ...Array.from({ length: size }, (_, i) => fc.subarray(Array.from({ length: i }, (_, j) => `t${j}`))),
    ),
    rules: fc.array(fc.constantFrom(...TRIGGER_RULES), { minLength: size, maxLength: size }),
    outcomes: fc.array(fc.constantFrom(...OUTCOMES), { minLength: size, maxLength: size }),
    picks: fc.array(fc.nat(), { minLength: size, maxLength: size }),
  }),
);

type RandomRun = typeof randomRun extends fc.Arbitrary<infer T> ? T : never;

type Kind = 'succeeded' | 'failed' | 'skipped' | 'open';
function kindOf(status: TaskStatus): Kind {
  if (status === 'succeeded' || status === 'cached') return 'succeeded';
  if (status === 'failed' || status === 'cancelled') return 'failed';
  return status === 'skipped' ? 'skipped' : 'open';
}

/** The rules restated from the brief, over the upstream statuses as they are now: an independent oracle. */
function oracle(rule: TriggerRule, upstream: readonly Kind[]): 'ready' | 'skip' | 'wait' {
  if (upstream.length === 0) return 'ready';
  const all = (k: Kind) => upstream.every((u) => u === k);
  const any = (k: Kind) => upstream.includes(k);
  const allDone = !any('open');
  const table: Record<TriggerRule, { ready: boolean; skip: boolean }> = {
    allSucceeded: { ready: all('succeeded'), skip: any('failed') || any('skipped') },
    allDone: { ready: allDone, skip: false },
    anySucceeded: { ready: any('succeeded'), skip: allDone && !any('succeeded') },
    anyFailed: { ready: any('failed'), skip: allDone && !any('failed') },
    allFailed: { ready: all('failed'), skip: any('succeeded') || any('skipped') },
    noneFailed: { ready: allDone && !any('failed'), skip: any('failed') },
  };
  return table[rule].ready ? 'ready' : table[rule].skip ? 'skip' : 'wait';
}

interface Trace {
  readonly started: string[];
  readonly final: DagState;
}

function simulate(run: RandomRun, viaJson = false): Trace {
  const tasks = run.deps.map((dependsOn, i) => ({ id: `t${i}`, dependsOn, trigger: run.rules[i]! }));
  let state = createDagState({ tasks });
  const upstreamKinds = (i: number) => tasks[i]!.dependsOn.map((d) => kindOf(taskStatus(state, d)));
  const running: string[] = [];
  const started: string[] = [];
  for (let step = 0; ; step++) {
    for (const id of takeReady(state)) {
      const i = state.tasks[id]!.index;
      // No task runs with its rule false.
      expect(oracle(tasks[i]!.trigger, upstreamKinds(i))).toBe('ready');
      running.push(id);
      started.push(id);
    }
    if (running.length === 0) break;
    const [id] = running.splice((run.picks[step % run.picks.length] ?? 0) % running.length, 1);
    completeTask(state, id!, run.outcomes[state.tasks[id!]!.index]!);
    // A rule is decided as soon as it can be: a task still pending is one whose rule must still wait.
    tasks.forEach((task, i) => {
      if (taskStatus(state, task.id) === 'pending')
        expect(oracle(task.trigger, upstreamKinds(i))).toBe('wait');
    });
    if (viaJson) state = JSON.parse(JSON.stringify(state)) as DagState;
  }
  return { started, final: state };
}

describe('trigger rules on random DAGs', () => {
  it('ends with every task terminal, each decided as soon as the oracle can and run exactly when its rule held', () => {
    fc.assert(
      fc.property(randomRun, (run) => {
        const { started, final } = simulate(run);
        expect(isDagFinished(final)).toBe(true);
        run.deps.forEach((dependsOn, i) => {
          const id = `t${i}`;
          const decision = oracle(
            run.rules[i]!,
            dependsOn.map((d) => kindOf(taskStatus(final, d))),
          );
          expect(decision).not.toBe('wait');
          expect(started.includes(id)).toBe(decision === 'ready');
          if (decision === 'skip') {
            const because = final.tasks[id]?.skippedBecause;
            expect(because).toMatchObject({ kind: 'trigger', rule: run.rules[i] });
            expect(dependsOn).toContain(because?.kind === 'trigger' ? because.upstream : '');
          }
        });
      }),
      { numRuns: 400 },
    );
  });

  it('is deterministic, also when the state goes through JSON between steps', () => {
    fc.assert(
      fc.property(randomRun, (run) => {
        const first = simulate(run);
        expect(simulate(run)).toEqual(first);
        expect(simulate(run, true)).toEqual(first);
      }),
      { numRuns: 200 },
    );
  });

  it('reports a failed run exactly when a started task failed', () => {
    fc.assert(
      fc.property(randomRun, (run) => {
        const { final } = simulate(run);
        const all = final.order.map((id) => taskStatus(final, id));
        const expected = all.includes('failed')
          ? 'failed'
          : all.includes('cancelled')
            ? 'cancelled'
            : 'succeeded';
        expect(dagOutcome(final)).toBe(expected);
      }),
      { numRuns: 200 },
    );
  });
});
