import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Constraint } from '../../pipeline/schema.js';
import { pinCpus } from '../../scheduler/placement/cpu-pinning.js';
import { schedule } from '../../scheduler/placement/schedule.js';
import type {
  Allocation,
  ClusterNode,
  PendingTask,
  ScheduleInput,
  ScheduleResult,
} from '../../scheduler/placement/types.js';

const RESOURCES = ['cpu', 'memoryMiB', 'gpu'] as const;

const constraintArb: fc.Arbitrary<Constraint> = fc.oneof(
  fc.record({
    kind: fc.constant('attribute' as const),
    key: fc.constant('zone'),
    in: fc.subarray(['a', 'b', 'c'], { minLength: 1 }),
    hard: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('uniqueNode' as const),
    set: fc.constantFrom('s1', 's2'),
    hard: fc.boolean(),
  }),
  fc.record({
    kind: fc.constant('balance' as const),
    key: fc.constant('zone'),
    set: fc.constantFrom('b1', 'b2'),
    hard: fc.boolean(),
  }),
  fc.record({ kind: fc.constant('exclusiveNode' as const), hard: fc.boolean() }),
);

const inputArb: fc.Arbitrary<ScheduleInput> = fc
  .record({
    nodes: fc.array(
      fc.record({
        cpu: fc.integer({ min: 1, max: 16 }),
        memoryMiB: fc.integer({ min: 512, max: 8192 }),
        gpu: fc.integer({ min: 0, max: 2 }),
        zone: fc.constantFrom('a', 'b', 'c'),
      }),
      { minLength: 1, maxLength: 8 },
    ),
    allocations: fc.array(
      fc.record({
        node: fc.nat(),
        cpu: fc.integer({ min: 1, max: 400 }).map((c) => c / 100),
        memoryMiB: fc.integer({ min: 1, max: 2048 }),
        tier: fc.constantFrom('critical' as const, 'flex' as const),
        startedAt: fc.integer({ min: 0, max: 1000 }),
      }),
      { maxLength: 6 },
    ),
    pending: fc.array(
      fc.record({
        cpu: fc.integer({ min: 1, max: 800 }).map((c) => c / 100),
        memoryMiB: fc.integer({ min: 1, max: 4096 }),
        gpu: fc.integer({ min: 0, max: 1 }),
        constraints: fc.uniqueArray(constraintArb, {
          maxLength: 2,
          selector: (c) => `${c.kind}:${'set' in c ? c.set : ''}`,
        }),
        tier: fc.constantFrom('critical' as const, 'flex' as const),
        group: fc.constantFrom('g1', 'g2', undefined),
      }),
      { minLength: 1, maxLength: 25 },
    ),
  })
  .map(({ nodes, allocations, pending }) => {
    const clusterNodes: ClusterNode[] = nodes.map((n, i) => ({
      id: `n${i}`,
      capacity: { cpu: n.cpu, memoryMiB: n.memoryMiB, gpu: n.gpu },
      attributes: { zone: n.zone },
    }));
    // Existing allocations only where they fit, as the engine guarantees.
    const used = clusterNodes.map(() => ({ cpu: 0, memoryMiB: 0 }));
    const allocs: Allocation[] = [];
    allocations.forEach((a, i) => {
      const j = a.node % clusterNodes.length;
      const cap = clusterNodes[j]!.capacity;
      if (used[j]!.cpu + a.cpu > cap['cpu']! || used[j]!.memoryMiB + a.memoryMiB > cap['memoryMiB']!) return;
      used[j]!.cpu += a.cpu;
      used[j]!.memoryMiB += a.memoryMiB;
      allocs.push({
        taskId: `a${i}`,
        nodeId: `n${j}`,
        request: { cpu: a.cpu, memoryMiB: a.memoryMiB },
        constraints: [],
        tier: a.tier,
        startedAt: a.startedAt,
      });
    });
    const tasks: PendingTask[] = pending.map((t, i) => ({
      id: `t${String(i).padStart(2, '0')}`,
      request:
        t.gpu > 0
          ? { cpu: t.cpu, memoryMiB: t.memoryMiB, gpu: t.gpu }
          : { cpu: t.cpu, memoryMiB: t.memoryMiB },
      constraints: t.constraints,
      tier: t.tier,
      enqueuedAt: 0,
      ...(t.group ? { group: t.group } : {}),
    }));
    return { nodes: clusterNodes, allocations: allocs, pending: tasks, now: 10_000 };
  });

function placedOn(
  input: ScheduleInput,
  result: ScheduleResult,
): Map<string, { request: Record<string, number>; constraints: readonly Constraint[] }[]> {
  const byNode = new Map<string, { request: Record<string, number>; constraints: readonly Constraint[] }[]>();
  const add = (
    nodeId: string,
    entry: { request: Record<string, number>; constraints: readonly Constraint[] },
  ): void => {
    byNode.set(nodeId, [...(byNode.get(nodeId) ?? []), entry]);
  };
  input.allocations.forEach((a) => add(a.nodeId, { request: { ...a.request }, constraints: a.constraints }));
  result.decisions.forEach((d, i) => {
    if (d.kind === 'placed')
      add(d.nodeId, {
        request: { ...input.pending[i]!.request },
        constraints: input.pending[i]!.constraints,
      });
  });
  return byNode;
}

describe('schedule properties', () => {
  it('in cpu pinning mode gives every placed task a cpuset of its cpu, and no core more than it has', () => {
    fc.assert(
      fc.property(inputArb, (base) => {
        const coresOf = (): Map<string, Float64Array> =>
          new Map(base.nodes.map((n) => [n.id, new Float64Array(Math.floor(n.capacity['cpu']!))]));
        // The running tasks hold cpusets, pinned as the engine pinned them.
        const model = coresOf();
        const allocations = base.allocations.flatMap((a) => {
          const cpuset = pinCpus(model.get(a.nodeId)!, a.request['cpu']!);
          return cpuset ? [{ ...a, cpuset }] : [];
        });
        const input = { ...base, allocations, options: { cpuPinning: true } };
        const result = schedule(input);
        const load = coresOf();
        const take = (nodeId: string, cpuset: NonNullable<Allocation['cpuset']>): void => {
          const cores = load.get(nodeId)!;
          for (const core of cpuset.exclusiveCores) cores[core] = cores[core]! + 1;
          if (cpuset.fragment)
            cores[cpuset.fragment.core] = cores[cpuset.fragment.core]! + cpuset.fragment.share;
        };
        allocations.forEach((a) => take(a.nodeId, a.cpuset));
        result.decisions.forEach((decision, i) => {
          if (decision.kind !== 'placed') return;
          expect(decision.cpuset).toBeDefined();
          const cpuset = decision.cpuset!;
          const cpu = input.pending[i]!.request['cpu']!;
          expect(cpuset.exclusiveCores.length + (cpuset.fragment?.share ?? 0)).toBeCloseTo(cpu, 2);
          take(decision.nodeId, cpuset);
        });
        for (const cores of load.values())
          for (const used of cores) expect(used).toBeLessThanOrEqual(1 + 1e-9);
      }),
      { numRuns: 150 },
    );
  });

  it('never overcommits any resource of any node', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const result = schedule(input);
        for (const [nodeId, entries] of placedOn(input, result)) {
          const node = input.nodes.find((n) => n.id === nodeId)!;
          for (const name of RESOURCES) {
            const total = entries.reduce((s, e) => s + (e.request[name] ?? 0), 0);
            expect(total).toBeLessThanOrEqual((node.capacity[name] ?? 0) + 1e-6);
          }
        }
      }),
      { numRuns: 150 },
    );
  });

  it('always honours hard constraints', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const result = schedule(input);
        const byNode = placedOn(input, result);
        const zoneCounts = new Map<string, Map<string, number>>();
        const members = new Map<string, number>();
        input.pending.forEach((t) =>
          t.constraints.forEach(
            (c) => c.kind === 'balance' && members.set(c.set, (members.get(c.set) ?? 0) + 1),
          ),
        );
        for (const [nodeId, entries] of byNode) {
          const node = input.nodes.find((n) => n.id === nodeId)!;
          for (const entry of entries) {
            for (const c of entry.constraints) {
              if (!c.hard) continue;
              if (c.kind === 'attribute') expect(c.in).toContain(node.attributes[c.key]);
              if (c.kind === 'exclusiveNode') expect(entries).toHaveLength(1);
              if (c.kind === 'uniqueNode') {
                expect(
                  entries.filter((e) =>
                    e.constraints.some((o) => o.kind === 'uniqueNode' && o.set === c.set),
                  ),
                ).toHaveLength(1);
              }
              if (c.kind === 'balance') {
                const counts = zoneCounts.get(c.set) ?? new Map<string, number>();
                const zone = node.attributes['zone']!;
                counts.set(zone, (counts.get(zone) ?? 0) + 1);
                zoneCounts.set(c.set, counts);
              }
            }
          }
        }
        const zones = new Set(input.nodes.map((n) => n.attributes['zone'])).size;
        for (const [set, counts] of zoneCounts) {
          for (const count of counts.values())
            expect(count).toBeLessThanOrEqual(Math.ceil(members.get(set)! / zones));
        }
      }),
      { numRuns: 150 },
    );
  });

  it('gives the same result for the same input and for any order of the nodes', () => {
    fc.assert(
      fc.property(inputArb, fc.nat(), (input, seed) => {
        const first = schedule(input);
        expect(schedule(input)).toEqual(first);
        const nodes = [...input.nodes];
        for (let i = nodes.length - 1; i > 0; i--) {
          const k = (seed + i * 7919) % (i + 1);
          [nodes[i], nodes[k]] = [nodes[k]!, nodes[i]!];
        }
        expect(schedule({ ...input, nodes, allocations: [...input.allocations].reverse() })).toEqual(first);
      }),
      { numRuns: 100 },
    );
  });

  it('frees enough room for the critical task with every preemption', () => {
    fc.assert(
      fc.property(inputArb, (input) => {
        const result = schedule(input);
        for (const preemption of result.preemptions) {
          const node = input.nodes.find((n) => n.id === preemption.nodeId)!;
          const victims = new Set(
            result.preemptions.filter((p) => p.nodeId === node.id).flatMap((p) => p.victims),
          );
          const task = input.pending.find((t) => t.id === preemption.forTaskId)!;
          expect(task.tier).toBe('critical');
          const staying = input.allocations.filter((a) => a.nodeId === node.id && !victims.has(a.taskId));
          expect(
            input.allocations
              .filter((a) => preemption.victims.includes(a.taskId))
              .every((a) => a.tier === 'flex'),
          ).toBe(true);
          const placedHere = result.decisions
            .map((d, i) =>
              d.kind === 'placed' && d.nodeId === node.id ? input.pending[i]!.request : undefined,
            )
            .filter((r) => r !== undefined);
          const otherClaims = result.preemptions
            .filter((p) => p.nodeId === node.id && p !== preemption)
            .map((p) => input.pending.find((t) => t.id === p.forTaskId)!.request);
          for (const name of RESOURCES) {
            const used = [...staying.map((a) => a.request), ...placedHere, ...otherClaims].reduce(
              (s, r) => s + (r[name] ?? 0),
              0,
            );
            expect(used + (task.request[name] ?? 0)).toBeLessThanOrEqual((node.capacity[name] ?? 0) + 1e-6);
          }
        }
      }),
      { numRuns: 300 },
    );
  });
});
