import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { PACKING_FAMILIES } from '../../bench/lib/perfect-packing.js';
import { parsePackProblem, toScheduleInput } from '../../scheduler/placement/pack-problem.js';
import { schedule } from '../../scheduler/placement/schedule.js';
import { SERVICE_MAX_SEARCH_WORK } from '../../scheduler/placement/search-work.js';
import type {
  ClusterNode,
  ScheduleInput,
  ScheduleOptions,
  ScheduleResult,
} from '../../scheduler/placement/types.js';

// 68 complementary tasks on 24 nodes of 32 cpu / 128 GiB: without a bound on work the improvement phase ran for
// minutes on it (bin completion in every fourth stuck step of the elimination search).
function slowBatch(options: ScheduleOptions): ScheduleInput {
  const raw: unknown = JSON.parse(
    readFileSync(new URL('./fixtures/service-slow-68-tasks.json', import.meta.url), 'utf8'),
  );
  const parsed = parsePackProblem(raw);
  if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
  return toScheduleInput(parsed.problem, options);
}

/** Throws when a node holds more than its capacity of any resource; returns the number of nodes used. */
function checkPacking(input: ScheduleInput, result: ScheduleResult): number {
  const load = new Map<string, Record<string, number>>();
  result.decisions.forEach((decision, i) => {
    if (decision.kind !== 'placed') return;
    const sum = load.get(decision.nodeId) ?? {};
    for (const [resource, amount] of Object.entries(input.pending[i]!.request))
      sum[resource] = (sum[resource] ?? 0) + amount;
    load.set(decision.nodeId, sum);
  });
  for (const [nodeId, sum] of load) {
    const capacity = input.nodes.find((n) => n.id === nodeId)!.capacity;
    for (const [resource, amount] of Object.entries(sum))
      expect(amount, `${nodeId}.${resource}`).toBeLessThanOrEqual((capacity[resource] ?? 0) + 1e-9);
  }
  return load.size;
}

function perfectBatch(family: string, nodes: number, seed: number, options: ScheduleOptions): ScheduleInput {
  const packing = PACKING_FAMILIES.find((f) => f.name === family)!.generate(nodes, seed);
  return {
    nodes: Array.from({ length: nodes * 2 }, (_, i) => ({
      id: `n${String(i).padStart(3, '0')}`,
      capacity: packing.capacity,
      attributes: {},
    })),
    allocations: [],
    pending: packing.tasks.map((request, i) => ({
      id: `t${String(i).padStart(4, '0')}`,
      request,
      constraints: [],
      tier: 'flex' as const,
      enqueuedAt: 0,
    })),
    now: 0,
    options,
  };
}

describe('maxSearchWork', () => {
  it('bounds the improvement phase on the batch that ran for minutes, and keeps a valid packing', () => {
    const input = slowBatch({ maxSearchWork: SERVICE_MAX_SEARCH_WORK });
    const result = schedule(input);
    expect(result.decisions.every((d) => d.kind === 'placed')).toBe(true);
    // It does run out on this batch, and stops within one step's charge of the bound.
    expect(result.searchWork).toBeGreaterThan(SERVICE_MAX_SEARCH_WORK);
    expect(result.searchWork).toBeLessThan(SERVICE_MAX_SEARCH_WORK * 1.01);
    const greedy = schedule(slowBatch({ optimize: false }));
    expect(checkPacking(input, result)).toBeLessThanOrEqual(checkPacking(input, greedy));
  });

  it('scales with the bound it is given', () => {
    const result = schedule(slowBatch({ maxSearchWork: 50_000 }));
    expect(result.searchWork).toBeGreaterThan(50_000);
    expect(result.searchWork).toBeLessThan(55_000);
  });

  it('never overfills a node, whatever the bound, and decides the same twice', () => {
    const batchArb = fc.record({
      nodes: fc.integer({ min: 2, max: 10 }),
      tasks: fc.array(
        fc.record({ cpu: fc.integer({ min: 1, max: 1600 }), memoryMiB: fc.integer({ min: 1, max: 8192 }) }),
        { minLength: 2, maxLength: 40 },
      ),
      maxSearchWork: fc.integer({ min: 0, max: 200_000 }),
    });
    fc.assert(
      fc.property(batchArb, ({ nodes, tasks, maxSearchWork }) => {
        const clusterNodes: ClusterNode[] = Array.from({ length: nodes }, (_, j) => ({
          id: `n${j}`,
          capacity: { cpu: 16, memoryMiB: 8192 },
          attributes: {},
        }));
        const input: ScheduleInput = {
          nodes: clusterNodes,
          allocations: [],
          pending: tasks.map((t, i) => ({
            id: `t${String(i).padStart(2, '0')}`,
            request: { cpu: t.cpu / 100, memoryMiB: t.memoryMiB },
            constraints: [],
            tier: 'flex' as const,
            enqueuedAt: 0,
          })),
          now: 0,
          options: { maxSearchWork },
        };
        const result = schedule(input);
        expect(result.decisions).toHaveLength(tasks.length);
        checkPacking(input, result);
        expect(result.searchWork).toBeGreaterThanOrEqual(0);
        expect(schedule(input).decisions).toEqual(result.decisions);
      }),
      { numRuns: 60 },
    );
  });

  // Hashes of the decisions the committed scheduler took before the bound existed: without the option (or with
  // an infinite one) nothing changes.
  const BEFORE: readonly [string, number, number, string][] = [
    ['complementary', 8, 1, '0e5368d58e53f79c'],
    ['dominant', 15, 5, 'cf24a06845956200'],
    ['mix', 20, 6, '8266e3cd4ccc9ca1'],
    ['complementary', 6, 7, 'a4500ea644a18e06'],
  ];
  it.each(BEFORE)(
    'leaves the decisions unchanged when unbounded: %s, %i nodes, seed %i',
    (family, n, seed, hash) => {
      for (const options of [{}, { maxSearchWork: Infinity }]) {
        const result = schedule(perfectBatch(family, n, seed, options));
        const digest = createHash('sha256').update(JSON.stringify(result.decisions)).digest('hex');
        expect(digest.slice(0, 16)).toBe(hash);
      }
    },
  );
});
