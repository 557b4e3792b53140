import { describe, expect, it } from 'vitest';
import { pinCpus } from '../../scheduler/cpu-pinning.js';
import { schedule } from '../../scheduler/schedule.js';
import { makeInput, makeNode, makeTask } from './factories.js';

describe('pinCpus', () => {
  it('puts the fragment on the fullest core that still has room', () => {
    const used = Float64Array.of(1, 0.5, 0, 0);
    expect(pinCpus(used, 1.3)).toEqual({ exclusiveCores: [2], fragment: { core: 1, share: 0.3 } });
    expect(Array.from(used)).toEqual([1, 0.8, 1, 0]);
  });

  it('refuses when there are not enough whole free cores', () => {
    expect(pinCpus(Float64Array.of(0.5, 0.5), 1)).toBeUndefined();
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
});
