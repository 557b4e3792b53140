import { describe, expect, it } from 'vitest';
import { canPinCpus, pinCpus } from '../../scheduler/placement/cpu-pinning.js';
import { schedule } from '../../scheduler/placement/schedule.js';
import { makeAllocation, makeInput, makeNode, makeTask } from './factories.js';

describe('pinCpus', () => {
  it('puts the fragment on the fullest core that still has room', () => {
    const used = Float64Array.of(1, 0.5, 0, 0);
    expect(pinCpus(used, 1.3)).toEqual({ exclusiveCores: [2], fragment: { core: 1, share: 0.3 } });
    expect(Array.from(used)).toEqual([1, 0.8, 1, 0]);
  });

  it('refuses when there are not enough whole free cores', () => {
    expect(pinCpus(Float64Array.of(0.5, 0.5), 1)).toBeUndefined();
  });

  it('agrees with canPinCpus on whether a request fits, and takes nothing when it does not', () => {
    const cases: [number[], number][] = [
      [[0.5, 0.5], 1],
      [[0.5, 0.5], 0.5],
      [[0.6, 0.6], 0.5],
      [[1, 0, 0], 2],
      [[1, 0, 0], 2.1],
      [[0.9, 0, 0], 2.1],
      [[0.95, 0, 0], 1.1],
      [[0, 0, 0, 0], 3.2],
    ];
    for (const [loads, cpu] of cases) {
      const used = Float64Array.from(loads);
      const expected = canPinCpus(used, cpu);
      const assignment = pinCpus(used, cpu);
      expect(assignment !== undefined, `${cpu} cpu on [${loads.join(', ')}]`).toBe(expected);
      if (!assignment) expect(Array.from(used)).toEqual(loads);
    }
  });
});

describe('placement in cpu pinning mode', () => {
  // n0 has 2 cpu free but only as halves of its four cores; n1 has whole cores free.
  const nodes = [
    makeNode({ id: 'n0', capacity: { cpu: 4, memoryMiB: 16384 } }),
    makeNode({ id: 'n1', capacity: { cpu: 4, memoryMiB: 16384 } }),
  ];
  const halves = [0, 1, 2, 3].map((core) =>
    makeAllocation({
      taskId: `half${core}`,
      nodeId: 'n0',
      request: { cpu: 0.5, memoryMiB: 64 },
      cpuset: { exclusiveCores: [], fragment: { core, share: 0.5 } },
    }),
  );

  it('puts a task only where it can be pinned, even when a fuller node has the cpu as fragments', () => {
    const pending = [makeTask({ id: 'job', request: { cpu: 1.5, memoryMiB: 64 } })];
    const { decisions } = schedule(
      makeInput({ nodes, allocations: halves, pending, options: { cpuPinning: true } }),
    );
    expect(decisions[0]).toEqual({
      kind: 'placed',
      taskId: 'job',
      nodeId: 'n1',
      cpuset: { exclusiveCores: [0], fragment: { core: 1, share: 0.5 } },
    });
    // Without pinning, bin packing prefers the fuller n0.
    const unpinned = schedule(makeInput({ nodes, allocations: halves, pending }));
    expect(unpinned.decisions[0]).toMatchObject({ kind: 'placed', nodeId: 'n0' });
  });

  it('keeps a task waiting, with a reason, when no node with room can pin it', () => {
    const busy = makeAllocation({
      taskId: 'busy',
      nodeId: 'n1',
      request: { cpu: 4, memoryMiB: 64 },
      cpuset: { exclusiveCores: [0, 1, 2, 3] },
    });
    const pending = [makeTask({ id: 'job', request: { cpu: 1.5, memoryMiB: 64 } })];
    const { decisions } = schedule(
      makeInput({ nodes, allocations: [...halves, busy], pending, options: { cpuPinning: true } }),
    );
    expect(decisions[0]).toEqual({
      kind: 'unplaced',
      taskId: 'job',
      isImpossible: false,
      reason:
        'cpu pinning: none of the 1 node(s) with room has 1 free whole core(s) plus room for a 0.5 share (the most free whole cores is 0); waiting',
    });
  });

  it('calls a task impossible when it spans more cores than any node has', () => {
    const small = [makeNode({ id: 'n0', capacity: { cpu: 3.5, memoryMiB: 16384 } })];
    const pending = [makeTask({ id: 'job', request: { cpu: 3.2, memoryMiB: 64 } })];
    const { decisions } = schedule(makeInput({ nodes: small, pending, options: { cpuPinning: true } }));
    expect(decisions[0]).toEqual({
      kind: 'unplaced',
      taskId: 'job',
      isImpossible: true,
      reason: 'cpu pinning: 3.2 cpu spans 4 cores, the largest node that fits has 3',
    });
  });

  it('re-pins after the improvement phase and leaves no placed task without a cpuset', () => {
    // Six 0.6-cpu tasks on 2-core nodes: as numbers, three fit a node, and the improvement phase packs them so;
    // pinned, two fit (0.6 + 0.6 > 1 core), so the third of each node is taken off and placed again.
    const many = Array.from({ length: 4 }, (_, i) =>
      makeNode({ id: `m${i}`, capacity: { cpu: 2, memoryMiB: 16384 } }),
    );
    const pending = Array.from({ length: 6 }, (_, i) =>
      makeTask({ id: `t${i}`, request: { cpu: 0.6, memoryMiB: 64 } }),
    );
    const packed = schedule(makeInput({ nodes: many, pending }));
    expect(new Set(packed.decisions.map((d) => (d.kind === 'placed' ? d.nodeId : '')))).toEqual(
      new Set(['m0', 'm1']),
    );
    const { decisions } = schedule(makeInput({ nodes: many, pending, options: { cpuPinning: true } }));
    const perNode = new Map<string, number>();
    for (const decision of decisions) {
      expect(decision).toMatchObject({ kind: 'placed', cpuset: { exclusiveCores: [] } });
      if (decision.kind === 'placed') perNode.set(decision.nodeId, (perNode.get(decision.nodeId) ?? 0) + 1);
    }
    expect([...perNode.values()]).toEqual([2, 2, 2]);
  });
});

describe('autoscaling advice', () => {
  const group = { name: 'big', capacity: { cpu: 16, memoryMiB: 65536 }, minSize: 0, maxSize: 5 };

  it('advises how many nodes of a group would place the unplaced tasks', () => {
    const nodes = [makeNode({ id: 'n0', nodeGroup: 'big', capacity: group.capacity })];
    const pending = ['a', 'b', 'c'].map((id) => makeTask({ id, request: { cpu: 12, memoryMiB: 1024 } }));
    const { scaling } = schedule(makeInput({ nodes, pending, options: { nodeGroups: [group] } }));
    expect(scaling?.scaleUp).toEqual([
      { nodeGroup: 'big', count: 2, capacity: group.capacity, taskIds: ['b', 'c'] },
    ]);
  });

  it('releases idle nodes past their cooldown while keeping minIdle warm', () => {
    const nodes = ['n0', 'n1', 'n2'].map((id) =>
      makeNode({ id, nodeGroup: 'big', capacity: group.capacity }),
    );
    const options = {
      nodeGroups: [{ ...group, minIdle: 1, cooldownSeconds: 60 }],
      idleSince: { n0: 0, n1: 0, n2: 990_000 },
    };
    const { scaling } = schedule(makeInput({ nodes, pending: [], options }));
    expect(scaling?.scaleDown).toEqual([{ nodeGroup: 'big', nodeIds: ['n0', 'n1'] }]);
  });

  it('never advises more nodes than the group may grow to', () => {
    const nodes = [makeNode({ id: 'n0', nodeGroup: 'big', capacity: group.capacity })];
    const pending = Array.from({ length: 8 }, (_, i) =>
      makeTask({ id: `t${i}`, request: { cpu: 12, memoryMiB: 1024 } }),
    );
    const { scaling } = schedule(
      makeInput({ nodes, pending, options: { nodeGroups: [{ ...group, maxSize: 3 }] } }),
    );
    // One node exists and holds t0; the group may add two more, one task each.
    expect(scaling?.scaleUp).toEqual([
      { nodeGroup: 'big', count: 2, capacity: group.capacity, taskIds: ['t1', 't2'] },
    ]);
  });

  it('advises the group whose nodes meet a task’s hard constraints, and no group for a task none can hold', () => {
    const gpu = {
      name: 'gpu',
      capacity: { cpu: 8, memoryMiB: 65536, gpu: 4 },
      attributes: { accel: 'a100' },
      minSize: 0,
      maxSize: 4,
    };
    const cpuOnly = { name: 'cpu', capacity: { cpu: 16, memoryMiB: 65536 }, minSize: 0, maxSize: 4 };
    const pending = [
      makeTask({
        id: 'train',
        request: { cpu: 4, memoryMiB: 1024, gpu: 2 },
        constraints: [{ kind: 'attribute', key: 'accel', in: ['a100'], hard: true }],
      }),
      makeTask({ id: 'etl', request: { cpu: 12, memoryMiB: 1024 } }),
      makeTask({ id: 'huge', request: { cpu: 64, memoryMiB: 1024 } }),
    ];
    const { scaling } = schedule(makeInput({ nodes: [], pending, options: { nodeGroups: [gpu, cpuOnly] } }));
    expect(scaling?.scaleUp).toEqual([
      { nodeGroup: 'cpu', count: 1, capacity: cpuOnly.capacity, taskIds: ['etl'] },
      { nodeGroup: 'gpu', count: 1, capacity: gpu.capacity, taskIds: ['train'] },
    ]);
  });

  it('keeps minSize nodes and does not shrink a group it is growing', () => {
    const nodes = ['n0', 'n1'].map((id) => makeNode({ id, nodeGroup: 'big', capacity: group.capacity }));
    const options = {
      nodeGroups: [{ ...group, minSize: 2 }],
      idleSince: { n0: 0, n1: 0 },
    };
    expect(schedule(makeInput({ nodes, pending: [], options })).scaling?.scaleDown).toEqual([]);
    // The group's shape grew to 16 cores; its two old 8-core nodes are idle, but a 12-core task waits for a
    // new node: the group is growing, so none of it is released.
    const small = ['n0', 'n1'].map((id) =>
      makeNode({ id, nodeGroup: 'big', capacity: { cpu: 8, memoryMiB: 65536 } }),
    );
    const { scaling } = schedule(
      makeInput({
        nodes: small,
        pending: [makeTask({ id: 'wide', request: { cpu: 12, memoryMiB: 1024 } })],
        options: { nodeGroups: [{ ...group, minSize: 0 }], idleSince: { n0: 0, n1: 0 } },
      }),
    );
    expect(scaling).toEqual({
      scaleUp: [{ nodeGroup: 'big', count: 1, capacity: group.capacity, taskIds: ['wide'] }],
      scaleDown: [],
    });
    // Without the waiting task, both would go.
    const idle = schedule(
      makeInput({
        nodes: small,
        pending: [],
        options: { nodeGroups: [{ ...group, minSize: 0 }], idleSince: { n0: 0, n1: 0 } },
      }),
    );
    expect(idle.scaling?.scaleDown).toEqual([{ nodeGroup: 'big', nodeIds: ['n0', 'n1'] }]);
  });
});
