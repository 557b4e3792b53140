import { describe, expect, it } from 'vitest';
import { type RunAnswer, rebuildAllocations } from '../../engine/rebuild-allocations.js';
import type { HeldPlacement, PlacementRequest } from '../../workflows/definitions.js';

const CLUSTER = 'gantry-cluster-c1';
const NODES = new Set(['n1', 'n2']);

function makeRequest(run: string, task: string, overrides: Partial<PlacementRequest> = {}): PlacementRequest {
  return {
    key: `${run}/${task}`,
    runWorkflowId: run,
    taskId: task,
    request: { cpu: 0.5, memoryMiB: 64 },
    constraints: [],
    tier: 'flex',
    ...overrides,
  };
}

function held(
  run: string,
  task: string,
  requestedAt: number,
  placed?: HeldPlacement['placed'],
  overrides: Partial<PlacementRequest> = {},
): HeldPlacement {
  return { request: makeRequest(run, task, overrides), requestedAt, ...(placed ? { placed } : {}) };
}

function answer(run: string, placements: HeldPlacement[], clusterWorkflowId = CLUSTER): RunAnswer {
  return { runWorkflowId: run, held: { clusterWorkflowId, placements } };
}

describe('rebuildAllocations', () => {
  it('turns a granted placement into an allocation owned by its run and task', () => {
    const cpuset = { exclusiveCores: [2, 3] };
    const state = rebuildAllocations(CLUSTER, NODES, [
      answer('r1', [
        held(
          'r1',
          'train',
          100,
          { nodeId: 'n2', cpuset, placedAt: 150 },
          { group: 'ml', expectedDurationSeconds: 60, tier: 'critical' },
        ),
      ]),
    ]);
    expect(state.allocations).toEqual([
      {
        taskId: 'r1/train',
        nodeId: 'n2',
        request: { cpu: 0.5, memoryMiB: 64 },
        constraints: [],
        tier: 'critical',
        startedAt: 150,
        runWorkflowId: 'r1',
        runTaskId: 'train',
        group: 'ml',
        expectedDurationSeconds: 60,
        cpuset,
      },
    ]);
    expect(state.pending).toEqual([]);
    expect(state.runs).toEqual(['r1']);
  });

  it('queues a request that has no grant yet, enqueued when the run sent it', () => {
    const state = rebuildAllocations(CLUSTER, NODES, [answer('r1', [held('r1', 'b', 120)])]);
    expect(state.pending).toEqual([{ ...makeRequest('r1', 'b'), enqueuedAt: 120 }]);
    expect(state.allocations).toEqual([]);
  });

  it('orders the queue first come first served across runs, ties by the order the answers give', () => {
    const state = rebuildAllocations(CLUSTER, NODES, [
      answer('r2', [held('r2', 'x', 200), held('r2', 'y', 100)]),
      answer('r1', [held('r1', 'z', 100), held('r1', 'w', 300)]),
    ]);
    expect(state.pending.map((p) => p.key)).toEqual(['r1/z', 'r2/y', 'r2/x', 'r1/w']);
  });

  it('gives the same result whatever order the runs answered in', () => {
    const answers = [
      answer('r2', [held('r2', 'a', 5, { nodeId: 'n1', placedAt: 6 }), held('r2', 'b', 7)]),
      answer('r1', [held('r1', 'a', 1, { nodeId: 'n2', placedAt: 2 }), held('r1', 'b', 7)]),
    ];
    expect(rebuildAllocations(CLUSTER, NODES, answers)).toEqual(
      rebuildAllocations(CLUSTER, NODES, [...answers].reverse()),
    );
  });

  it('ignores runs of another cluster', () => {
    const state = rebuildAllocations(CLUSTER, NODES, [
      answer('r1', [held('r1', 'a', 1, { nodeId: 'n1', placedAt: 2 })], 'gantry-cluster-other'),
      answer('r2', [held('r2', 'a', 1)]),
    ]);
    expect(state.allocations).toEqual([]);
    expect(state.pending.map((p) => p.key)).toEqual(['r2/a']);
    expect(state.runs).toEqual(['r2']);
  });

  it('counts a run that holds nothing among the runs it was rebuilt from', () => {
    const state = rebuildAllocations(CLUSTER, NODES, [answer('r1', [])]);
    expect(state).toEqual({ allocations: [], pending: [], runs: ['r1'], dropped: [] });
  });

  it('leaves out a grant on a node the inventory no longer has, and names it', () => {
    const state = rebuildAllocations(CLUSTER, NODES, [
      answer('r1', [
        held('r1', 'a', 1, { nodeId: 'gone', placedAt: 2 }),
        held('r1', 'b', 1, { nodeId: 'n1', placedAt: 2 }),
      ]),
    ]);
    expect(state.allocations.map((a) => a.taskId)).toEqual(['r1/b']);
    expect(state.dropped).toEqual(['r1/a']);
  });

  it('never counts one placement key twice', () => {
    const twice = held('r1', 'a', 1, { nodeId: 'n1', placedAt: 2 });
    const state = rebuildAllocations(CLUSTER, NODES, [answer('r1', [twice]), answer('r1', [twice])]);
    expect(state.allocations).toHaveLength(1);
  });
});
