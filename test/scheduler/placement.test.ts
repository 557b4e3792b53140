import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { schedule } from '../../scheduler/placement/schedule.js';
import type { ClusterNode, PendingTask } from '../../scheduler/placement/types.js';
import { makeAllocation, makeInput, makeNode, makeTask } from './factories.js';

function placedOn(result: ReturnType<typeof schedule>, taskId: string): string | undefined {
  const decision = result.decisions.find((d) => d.taskId === taskId);
  return decision?.kind === 'placed' ? decision.nodeId : undefined;
}

describe('placement index', () => {
  it('skips nodes with just enough cpu but too little memory and takes the used node that fits', () => {
    const nodes = [makeNode({ id: 'n0' }), makeNode({ id: 'n1' }), makeNode({ id: 'n2' })];
    const allocations = [
      // n0: tightest on cpu but nearly out of memory; n1: more cpu left and memory to spare.
      makeAllocation({ taskId: 'a0', nodeId: 'n0', request: { cpu: 6, memoryMiB: 16000 } }),
      makeAllocation({ taskId: 'a1', nodeId: 'n1', request: { cpu: 4, memoryMiB: 4096 } }),
    ];
    const pending = [makeTask({ id: 't', request: { cpu: 2, memoryMiB: 4096 } })];
    expect(placedOn(schedule(makeInput({ nodes, allocations, pending })), 't')).toBe('n1');
  });

  it('packs complementary tasks onto as few nodes as their sizes allow', () => {
    const nodes = Array.from({ length: 4 }, (_, i) => makeNode({ id: `n${i}` }));
    const pending = [6, 2, 6, 2].map((cpu, i) =>
      makeTask({ id: `t${i}`, request: { cpu, memoryMiB: cpu * 2048 } }),
    );
    const result = schedule(makeInput({ nodes, pending }));
    expect(new Set(pending.map((t) => placedOn(result, t.id))).size).toBe(2);
  });
});

describe('large batches', () => {
  const makeBatch = (tasks: number): { nodes: ClusterNode[]; pending: PendingTask[] } => ({
    nodes: Array.from({ length: tasks }, (_, i) =>
      makeNode({ id: `n${i}`, capacity: { cpu: 16, memoryMiB: 65536 } }),
    ),
    pending: Array.from({ length: tasks }, (_, i) =>
      makeTask({ id: `t${i}`, request: { cpu: 1 + ((i * 7) % 11), memoryMiB: 1024 * (1 + ((i * 5) % 13)) } }),
    ),
  });

  it('re-packs a batch above the large-batch size without overcommitting and the same way every time', () => {
    const { nodes, pending } = makeBatch(6_000);
    const first = schedule(makeInput({ nodes, pending }));
    const second = schedule(makeInput({ nodes, pending }));
    expect(second.decisions).toEqual(first.decisions);
    const used = new Map<string, { cpu: number; memoryMiB: number }>();
    first.decisions.forEach((decision, i) => {
      if (decision.kind !== 'placed') throw new Error(`${decision.taskId} unplaced`);
      const load = used.get(decision.nodeId) ?? { cpu: 0, memoryMiB: 0 };
      load.cpu += pending[i]!.request['cpu']!;
      load.memoryMiB += pending[i]!.request['memoryMiB']!;
      used.set(decision.nodeId, load);
    });
    for (const load of used.values()) {
      expect(load.cpu).toBeLessThanOrEqual(16);
      expect(load.memoryMiB).toBeLessThanOrEqual(65536);
    }
    const cpuTotal = pending.reduce((s, t) => s + t.request['cpu']!, 0);
    expect(used.size).toBeGreaterThanOrEqual(Math.ceil(cpuTotal / 16));
  });

  it('places every task that fits some node, whatever the mix of requests', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 16 }), fc.integer({ min: 1, max: 64 })), {
          minLength: 1,
          maxLength: 40,
        }),
        (requests) => {
          const nodes = requests.map((_, i) =>
            makeNode({ id: `n${i}`, capacity: { cpu: 16, memoryMiB: 65536 } }),
          );
          const pending = requests.map(([cpu, gib], i) =>
            makeTask({ id: `t${i}`, request: { cpu, memoryMiB: gib * 1024 } }),
          );
          const result = schedule(makeInput({ nodes, pending }));
          expect(result.decisions.every((d) => d.kind === 'placed')).toBe(true);
        },
      ),
      { numRuns: 30 },
    );
  });
});
