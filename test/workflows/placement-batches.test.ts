import { describe, expect, it } from 'vitest';
import type { PlacementDecision } from '../../workflows/definitions.js';
import { type BatchedDecision, createCoalescer, groupDecisions } from '../../workflows/placement-batches.js';

function recorder() {
  const sent: (readonly string[])[] = [];
  const send = (batch: readonly string[]) => {
    sent.push([...batch]);
    return Promise.resolve();
  };
  return { sent, send };
}

describe('createCoalescer', () => {
  it('sends the items added in one synchronous stretch as one batch, in the order they were added', async () => {
    const { sent, send } = recorder();
    const coalescer = createCoalescer(send);
    const delivered = ['a', 'b', 'c'].map((item) => coalescer.add(item));
    expect(sent).toEqual([]);
    await Promise.all(delivered);
    expect(sent).toEqual([['a', 'b', 'c']]);
  });

  it('starts a new batch for items added after the previous one was sent', async () => {
    const { sent, send } = recorder();
    const coalescer = createCoalescer(send);
    await coalescer.add('a');
    await Promise.all([coalescer.add('b'), coalescer.add('c')]);
    expect(sent).toEqual([['a'], ['b', 'c']]);
  });

  it('splits a stretch into batches of at most maxBatch, sent in order', async () => {
    const { sent, send } = recorder();
    const coalescer = createCoalescer(send, 2);
    await Promise.all(['a', 'b', 'c', 'd', 'e'].map((item) => coalescer.add(item)));
    expect(sent).toEqual([['a', 'b'], ['c', 'd'], ['e']]);
  });

  it('resolves each item only once the batch that holds it is delivered', async () => {
    const releases: (() => void)[] = [];
    const coalescer = createCoalescer<string>(
      () => new Promise<void>((resolve) => releases.push(resolve)),
      1,
    );
    const done: string[] = [];
    const first = coalescer.add('a').then(() => done.push('a'));
    const second = coalescer.add('b').then(() => done.push('b'));
    await Promise.resolve();
    expect(releases).toHaveLength(2);
    releases[1]!();
    await second;
    expect(done).toEqual(['b']);
    releases[0]!();
    await first;
    expect(done).toEqual(['b', 'a']);
  });
});

describe('createCoalescer with a flush point', () => {
  it('holds what comes a few microtasks apart in one batch until the flush point resolves', async () => {
    const { sent, send } = recorder();
    let settle!: () => void;
    const settled = new Promise<void>((resolve) => (settle = resolve));
    const coalescer = createCoalescer(send, undefined, () => settled);
    const first = coalescer.add('release a');
    // A dependent's request comes several microtasks after its upstream's release.
    for (let i = 0; i < 5; i++) await Promise.resolve();
    const second = coalescer.add('request b');
    for (let i = 0; i < 5; i++) await Promise.resolve();
    expect(sent).toEqual([]);
    settle();
    await Promise.all([first, second]);
    expect(sent).toEqual([['release a', 'request b']]);
  });
});

describe('groupDecisions', () => {
  const placed = (nodeId: string): PlacementDecision => ({
    kind: 'placed',
    nodeId,
    taskQueue: `q-${nodeId}`,
  });
  const decision = (run: string, task: string, d: PlacementDecision = placed('n1')): BatchedDecision => ({
    runWorkflowId: run,
    key: `${run}/${task}`,
    taskId: task,
    decision: d,
  });

  it('sends one batch per run, runs in the order of their first decision', () => {
    const rejected: PlacementDecision = { kind: 'rejected', reason: 'too large' };
    const batches = groupDecisions([decision('r2', 'a'), decision('r1', 'b'), decision('r2', 'c', rejected)]);
    expect(batches).toEqual([
      {
        runWorkflowId: 'r2',
        keys: ['r2/a', 'r2/c'],
        decisions: [
          { taskId: 'a', decision: placed('n1') },
          { taskId: 'c', decision: rejected },
        ],
      },
      { runWorkflowId: 'r1', keys: ['r1/b'], decisions: [{ taskId: 'b', decision: placed('n1') }] },
    ]);
  });

  it('splits a run past maxBatch decisions into several batches', () => {
    const batches = groupDecisions(
      ['a', 'b', 'c'].map((t) => decision('r1', t)),
      2,
    );
    expect(batches.map((b) => b.keys)).toEqual([['r1/a', 'r1/b'], ['r1/c']]);
  });

  it('sends nothing when nothing was decided', () => {
    expect(groupDecisions([])).toEqual([]);
  });
});
