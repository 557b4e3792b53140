import { describe, expect, it } from 'vitest';
import { schedule } from '../../scheduler/placement/schedule.js';
import type { TaskDecision } from '../../scheduler/placement/types.js';
import { makeAllocation, makeInput, makeNode, makeTask } from './factories.js';

function nodeOf(decisions: readonly TaskDecision[], taskId: string): string | undefined {
  const decision = decisions.find((d) => d.taskId === taskId);
  return decision?.kind === 'placed' ? decision.nodeId : undefined;
}

function unplaced(
  decisions: readonly TaskDecision[],
  taskId: string,
): { reason: string; isImpossible: boolean } {
  const decision = decisions.find((d) => d.taskId === taskId);
  if (decision?.kind !== 'unplaced') throw new Error(`${taskId} was placed`);
  return { reason: decision.reason, isImpossible: decision.isImpossible };
}

describe('schedule', () => {
  it('returns one decision per pending task in input order', () => {
    const pending = ['c', 'a', 'b'].map((id) => makeTask({ id }));
    const { decisions } = schedule(makeInput({ pending }));
    expect(decisions.map((d) => d.taskId)).toEqual(['c', 'a', 'b']);
  });

  it('packs tasks onto the fullest node that fits rather than spreading them', () => {
    const nodes = [makeNode({ id: 'n0' }), makeNode({ id: 'n1' })];
    const allocations = [makeAllocation({ nodeId: 'n1', request: { cpu: 6, memoryMiB: 12000 } })];
    const { decisions } = schedule(makeInput({ nodes, allocations, pending: [makeTask({ id: 't' })] }));
    expect(nodeOf(decisions, 't')).toBe('n1');
  });

  it('spreads tasks when the spread scorer is chosen', () => {
    const nodes = [makeNode({ id: 'n0' }), makeNode({ id: 'n1' })];
    const allocations = [makeAllocation({ nodeId: 'n1', request: { cpu: 6, memoryMiB: 12000 } })];
    const { decisions } = schedule(makeInput({ nodes, allocations, options: { scorers: { spread: 1 } } }));
    expect(nodeOf(decisions, 't0')).toBe('n0');
  });

  it('leaves a task unplaced as impossible when it is larger than every node', () => {
    const nodes = [makeNode({ capacity: { cpu: 32, memoryMiB: 131072 } })];
    const { decisions } = schedule(
      makeInput({ nodes, pending: [makeTask({ request: { cpu: 40, memoryMiB: 1 } })] }),
    );
    expect(unplaced(decisions, 't0')).toEqual({
      isImpossible: true,
      reason: 'needs 40 cpu, the largest node has 32',
    });
  });

  it('names the attribute constraint and the scarce resource when matching nodes are busy', () => {
    const nodes = [
      makeNode({ id: 'a', capacity: { cpu: 8, memoryMiB: 8192, gpu: 4 }, attributes: { zone: 'a' } }),
      makeNode({ id: 'b', capacity: { cpu: 8, memoryMiB: 8192, gpu: 4 }, attributes: { zone: 'b' } }),
    ];
    const allocations = [makeAllocation({ nodeId: 'b', request: { cpu: 1, memoryMiB: 1, gpu: 3 } })];
    const task = makeTask({
      request: { cpu: 1, memoryMiB: 1, gpu: 2 },
      constraints: [{ kind: 'attribute', key: 'zone', in: ['b'], hard: true }],
    });
    const { decisions } = schedule(makeInput({ nodes, allocations, pending: [task] }));
    expect(unplaced(decisions, 't0')).toEqual({
      isImpossible: false,
      reason: 'zone in [b]: no node with 2 free gpu (the most free is 1); waiting for capacity',
    });
  });

  it('rejects as impossible a task whose attribute constraint no node matches', () => {
    const task = makeTask({ constraints: [{ kind: 'attribute', key: 'zone', in: ['z'], hard: true }] });
    const { decisions } = schedule(makeInput({ pending: [task] }));
    expect(unplaced(decisions, 't0')).toEqual({ isImpossible: true, reason: 'zone in [z]: no node matches' });
  });

  it('prefers a node that satisfies a soft constraint but still places the task when none does', () => {
    const nodes = [
      makeNode({ id: 'n0', attributes: { zone: 'a' } }),
      makeNode({ id: 'n1', attributes: { zone: 'b' } }),
    ];
    const soft = makeTask({
      id: 'soft',
      constraints: [{ kind: 'attribute', key: 'zone', in: ['b'], hard: false }],
    });
    const nowhere = makeTask({
      id: 'nowhere',
      constraints: [{ kind: 'attribute', key: 'zone', in: ['c'], hard: false }],
    });
    const { decisions } = schedule(makeInput({ nodes, pending: [soft, nowhere] }));
    expect(nodeOf(decisions, 'soft')).toBe('n1');
    expect(nodeOf(decisions, 'nowhere')).toBeDefined();
  });

  it('puts no two tasks of a uniqueNode set on one node', () => {
    const nodes = ['n0', 'n1', 'n2'].map((id) => makeNode({ id }));
    const pending = ['r0', 'r1', 'r2', 'r3'].map((id) =>
      makeTask({ id, constraints: [{ kind: 'uniqueNode', set: 'replicas', hard: true }] }),
    );
    const { decisions } = schedule(makeInput({ nodes, pending }));
    const placed = pending.map((t) => nodeOf(decisions, t.id)).filter((n) => n !== undefined);
    expect(new Set(placed).size).toBe(3);
    expect(unplaced(decisions, 'r3').reason).toBe(
      'uniqueNode replicas: every node already runs a task of the set among the 3 node(s) with room; waiting',
    );
  });

  it('spreads a balance set evenly over the attribute values', () => {
    const nodes = ['a', 'b', 'c'].flatMap((zone) =>
      [0, 1].map((k) => makeNode({ id: `${zone}${k}`, attributes: { zone } })),
    );
    const pending = Array.from({ length: 6 }, (_, i) =>
      makeTask({ id: `r${i}`, constraints: [{ kind: 'balance', key: 'zone', set: 'replicas', hard: true }] }),
    );
    const { decisions } = schedule(makeInput({ nodes, pending }));
    const zones = pending.map((t) => nodeOf(decisions, t.id)!.slice(0, 1)).sort();
    expect(zones).toEqual(['a', 'a', 'b', 'b', 'c', 'c']);
  });

  it('gives an exclusiveNode task a node of its own', () => {
    const nodes = [makeNode({ id: 'n0' }), makeNode({ id: 'n1' })];
    const pending = [
      makeTask({ id: 'alone', constraints: [{ kind: 'exclusiveNode', hard: true }] }),
      makeTask({ id: 'x' }),
      makeTask({ id: 'y' }),
    ];
    const { decisions } = schedule(makeInput({ nodes, pending }));
    const host = nodeOf(decisions, 'alone');
    expect(host).toBeDefined();
    expect([nodeOf(decisions, 'x'), nodeOf(decisions, 'y')]).not.toContain(host);
  });

  it('serves critical tasks before flex ones when both cannot fit', () => {
    const pending = [
      makeTask({ id: 'flex', request: { cpu: 6, memoryMiB: 1 } }),
      makeTask({ id: 'critical', tier: 'critical', request: { cpu: 6, memoryMiB: 1 } }),
    ];
    const { decisions } = schedule(makeInput({ pending }));
    expect(nodeOf(decisions, 'critical')).toBe('n0');
    expect(nodeOf(decisions, 'flex')).toBeUndefined();
  });

  it('places a large task before a stream of small ones that would fill its node', () => {
    const small = Array.from({ length: 8 }, (_, i) =>
      makeTask({ id: `s${i}`, request: { cpu: 1, memoryMiB: 1 } }),
    );
    const big = makeTask({ id: 'big', request: { cpu: 8, memoryMiB: 1 }, enqueuedAt: 10 });
    const nodes = [makeNode({ id: 'n0' }), makeNode({ id: 'n1' })];
    const { decisions } = schedule(makeInput({ nodes, pending: [...small, big] }));
    expect(nodeOf(decisions, 'big')).toBeDefined();
  });

  it('shares a contended tier between groups by dominant resource fairness', () => {
    const nodes = [makeNode({ capacity: { cpu: 4, memoryMiB: 4096 } })];
    const pending = [
      ...['a0', 'a1', 'a2', 'a3'].map((id) =>
        makeTask({ id, group: 'a', request: { cpu: 1, memoryMiB: 1 } }),
      ),
      ...['b0', 'b1', 'b2', 'b3'].map((id) =>
        makeTask({ id, group: 'b', request: { cpu: 1, memoryMiB: 1 } }),
      ),
    ];
    const { decisions } = schedule(makeInput({ nodes, pending }));
    const placed = decisions.filter((d) => d.kind === 'placed').map((d) => d.taskId[0]);
    expect(placed.filter((g) => g === 'a')).toHaveLength(2);
    expect(placed.filter((g) => g === 'b')).toHaveLength(2);
  });

  it('serves a group below its guaranteed capacity first', () => {
    const nodes = [makeNode({ capacity: { cpu: 2, memoryMiB: 4096 } })];
    const allocations = [
      makeAllocation({
        taskId: 'old',
        group: 'a',
        request: { cpu: 0.01, memoryMiB: 1 },
        nodeId: 'elsewhere',
      }),
    ];
    const pending = [
      makeTask({ id: 'a0', group: 'a', request: { cpu: 2, memoryMiB: 1 } }),
      makeTask({ id: 'b0', group: 'b', request: { cpu: 2, memoryMiB: 1 } }),
    ];
    const { decisions } = schedule(
      makeInput({ nodes, allocations, pending, options: { groups: { b: { guaranteed: { cpu: 2 } } } } }),
    );
    expect(nodeOf(decisions, 'b0')).toBe('n0');
  });

  it('preempts the fewest and then the youngest flex tasks for a critical task', () => {
    const allocations = [
      makeAllocation({ taskId: 'old', request: { cpu: 4, memoryMiB: 1 }, startedAt: 100 }),
      makeAllocation({ taskId: 'young', request: { cpu: 4, memoryMiB: 1 }, startedAt: 200 }),
    ];
    const pending = [makeTask({ id: 'urgent', tier: 'critical', request: { cpu: 3, memoryMiB: 1 } })];
    const result = schedule(makeInput({ allocations, pending }));
    expect(result.preemptions).toEqual([
      { kind: 'preempt', forTaskId: 'urgent', nodeId: 'n0', victims: ['young'] },
    ]);
    expect(unplaced(result.decisions, 'urgent')).toEqual({
      isImpossible: false,
      reason: 'waiting for the preemption of 1 flex task(s) on n0: young',
    });
  });

  it('opens a node for what the task asks for: no GPU node for a task without gpus', () => {
    const nodes = [
      makeNode({ id: 'a-gpu', capacity: { cpu: 32, memoryMiB: 262_144, gpu: 8 } }),
      makeNode({ id: 'b-cpu', capacity: { cpu: 32, memoryMiB: 262_144 } }),
      makeNode({ id: 'c-small', capacity: { cpu: 16, memoryMiB: 65_536 } }),
    ];
    const place = (request: Record<string, number>) =>
      nodeOf(schedule(makeInput({ nodes, pending: [makeTask({ id: 't', request })] })).decisions, 't');
    expect(place({ cpu: 4, memoryMiB: 4096 })).toBe('b-cpu');
    expect(place({ cpu: 4, memoryMiB: 4096, gpu: 1 })).toBe('a-gpu');
  });

  it('keeps waiting on the evictions already under way instead of choosing new victims', () => {
    // 'old' is leaving for 'urgent' (decided earlier); on its own the scheduler would now pick the younger one.
    const allocations = [
      makeAllocation({
        taskId: 'old',
        request: { cpu: 4, memoryMiB: 1 },
        startedAt: 100,
        evictingFor: 'urgent',
      }),
      makeAllocation({ taskId: 'young', request: { cpu: 4, memoryMiB: 1 }, startedAt: 200 }),
    ];
    const pending = [makeTask({ id: 'urgent', tier: 'critical', request: { cpu: 3, memoryMiB: 1 } })];
    const result = schedule(makeInput({ allocations, pending }));
    expect(result.preemptions).toEqual([
      { kind: 'preempt', forTaskId: 'urgent', nodeId: 'n0', victims: ['old'] },
    ]);
  });

  it('never picks a task already leaving as a victim for another critical task', () => {
    const nodes = [makeNode({ id: 'n0' }), makeNode({ id: 'n1' })];
    const allocations = [
      makeAllocation({ taskId: 'a', nodeId: 'n0', request: { cpu: 8, memoryMiB: 1 }, evictingFor: 'first' }),
      makeAllocation({ taskId: 'b', nodeId: 'n1', request: { cpu: 8, memoryMiB: 1 }, startedAt: 50 }),
    ];
    const pending = [
      makeTask({ id: 'first', tier: 'critical', request: { cpu: 6, memoryMiB: 1 } }),
      makeTask({ id: 'second', tier: 'critical', request: { cpu: 6, memoryMiB: 1 } }),
    ];
    const result = schedule(makeInput({ nodes, allocations, pending }));
    expect(result.preemptions).toEqual([
      { kind: 'preempt', forTaskId: 'first', nodeId: 'n0', victims: ['a'] },
      { kind: 'preempt', forTaskId: 'second', nodeId: 'n1', victims: ['b'] },
    ]);
  });

  it('never preempts critical tasks', () => {
    const allocations = [
      makeAllocation({ taskId: 'vip', tier: 'critical', request: { cpu: 8, memoryMiB: 1 } }),
    ];
    const pending = [makeTask({ id: 'urgent', tier: 'critical', request: { cpu: 3, memoryMiB: 1 } })];
    expect(schedule(makeInput({ allocations, pending })).preemptions).toEqual([]);
  });

  it('marks tasks left when the time budget runs out as not considered', () => {
    let now = 0;
    const clock = (): number => (now += 10);
    const pending = Array.from({ length: 200 }, (_, i) =>
      makeTask({ id: `t${String(i).padStart(3, '0')}`, request: { cpu: 0.01, memoryMiB: 1 } }),
    );
    const { decisions } = schedule(makeInput({ pending, options: { clock, timeBudgetMillis: 5 } }));
    const skipped = decisions.filter((d) => d.kind === 'unplaced');
    expect(skipped.length).toBeGreaterThan(0);
    expect(skipped[0]).toMatchObject({
      isImpossible: false,
      reason: 'not considered: the iteration used its 5 ms budget; retried next iteration',
    });
  });

  it('keeps a long task off a node whose work ends soon when another node runs long work', () => {
    const nodes = [makeNode({ id: 'n0' }), makeNode({ id: 'n1' })];
    const allocations = [
      makeAllocation({ taskId: 'short', nodeId: 'n0', startedAt: 1_000_000, expectedDurationSeconds: 60 }),
      makeAllocation({ taskId: 'long', nodeId: 'n1', startedAt: 1_000_000, expectedDurationSeconds: 36_000 }),
    ];
    const pending = [makeTask({ id: 'batch', expectedDurationSeconds: 7200 })];
    const { decisions } = schedule(makeInput({ nodes, allocations, pending }));
    expect(nodeOf(decisions, 'batch')).toBe('n1');
  });

  it('pins whole cores plus a fragment share in cpu pinning mode', () => {
    const nodes = [makeNode({ capacity: { cpu: 8, memoryMiB: 16384 } })];
    const pending = [makeTask({ id: 'pinned', request: { cpu: 3.2, memoryMiB: 1 } })];
    const { decisions } = schedule(makeInput({ nodes, pending, options: { cpuPinning: true } }));
    expect(decisions[0]).toEqual({
      kind: 'placed',
      taskId: 'pinned',
      nodeId: 'n0',
      cpuset: { exclusiveCores: [0, 1, 2], fragment: { core: 3, share: 0.2 } },
    });
  });

  it('re-packs the nodes it opened into fewer when greedy placement left slack', () => {
    const nodes = Array.from({ length: 6 }, (_, i) =>
      makeNode({ id: `n${i}`, capacity: { cpu: 10, memoryMiB: 0 } }),
    );
    const sizes = [4, 4, 3, 3, 3, 3];
    const pending = sizes.map((cpu, i) => makeTask({ id: `t${i}`, request: { cpu } }));
    const nodesUsed = (optimize: false | undefined): number => {
      const { decisions } = schedule(
        makeInput({ nodes, pending, options: optimize === false ? { optimize } : {} }),
      );
      const used = new Set(decisions.map((d) => (d.kind === 'placed' ? d.nodeId : 'none')));
      expect(used.has('none')).toBe(false);
      return used.size;
    };
    expect(nodesUsed(false)).toBe(3);
    expect(nodesUsed(undefined)).toBe(2);
  });
});
