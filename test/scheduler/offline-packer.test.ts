import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bestFitDecreasing } from '../../scheduler/placement/best-fit-decreasing.js';
import { packOffline } from '../../scheduler/placement/offline-packer.js';
import { normalise } from '../../scheduler/placement/pack-state.js';
import { fillByResidualNorm } from '../../scheduler/placement/residual-fill.js';
import { schedule } from '../../scheduler/placement/schedule.js';
import { makeInput, makeNode, makeTask } from './factories.js';

/** A clock that advances one millisecond per reading: deterministic, and every deadline is eventually reached. */
function tickingClock(): () => number {
  let now = 0;
  return () => (now += 1);
}

function loads(sizes: readonly number[], dims: number, binOf: Int32Array, bins: number): number[][] {
  const result = Array.from({ length: bins }, () => new Array<number>(dims).fill(0));
  binOf.forEach((b, i) => {
    for (let d = 0; d < dims; d++) result[b]![d]! += sizes[i * dims + d]!;
  });
  return result;
}

const twoResourceItems = fc.array(
  fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 })),
  { minLength: 1, maxLength: 50 },
);

// Cpu and memory per item on bins of 10 and 10: 18 and 15 in all, so two bins can hold them, and only if the
// two lopsided items (4, 7) and (7, 1) go to different bins. Best fit decreasing needs three.
const LOPSIDED = [2, 3, 4, 1, 4, 7, 7, 1, 1, 3];

describe('fillByResidualNorm', () => {
  it('fills two bins where best fit decreasing needs three', () => {
    const state = normalise(Float64Array.from(LOPSIDED), Float64Array.of(10, 10));
    const order = [0, 1, 2, 3, 4].sort((a, b) => state.weight[b]! - state.weight[a]! || a - b);
    expect(bestFitDecreasing(state.size, state.weight, 2, order).bins).toBe(3);
    const fill = fillByResidualNorm(state.size, state.weight, 2)!;
    expect(fill.bins).toBe(2);
    for (const load of loads(LOPSIDED, 2, fill.binOf, fill.bins)) {
      expect(load[0]).toBeLessThanOrEqual(10);
      expect(load[1]).toBeLessThanOrEqual(10);
    }
  });

  it('puts every item in a bin, never overfills one, and leaves no bin empty', () => {
    fc.assert(
      fc.property(twoResourceItems, (items) => {
        const sizes = items.flat();
        const state = normalise(Float64Array.from(sizes), Float64Array.of(100, 100));
        const fill = fillByResidualNorm(state.size, state.weight, 2)!;
        expect(Array.from(fill.binOf).every((b) => b >= 0 && b < fill.bins)).toBe(true);
        expect(new Set(fill.binOf).size).toBe(fill.bins);
        for (const load of loads(sizes, 2, fill.binOf, fill.bins)) {
          expect(load[0]).toBeLessThanOrEqual(100);
          expect(load[1]).toBeLessThanOrEqual(100);
        }
      }),
      { numRuns: 100 },
    );
  });

  it('gives up, returning nothing, once the clock says time is out', () => {
    const state = normalise(Float64Array.from(LOPSIDED), Float64Array.of(10, 10));
    expect(fillByResidualNorm(state.size, state.weight, 2, () => true)).toBeUndefined();
  });
});

describe('packOffline', () => {
  it('reaches the two bins of the lopsided items from a packing of one item per bin', () => {
    const result = packOffline(
      Float64Array.from(LOPSIDED),
      Float64Array.of(10, 10),
      Int32Array.of(0, 1, 2, 3, 4),
      {
        seed: 1,
        maxIterations: 1000,
        clock: tickingClock(),
        deadline: 10_000,
      },
    );
    expect(result.bins).toBe(2);
    expect(result.isProvenOptimal).toBe(true);
  });

  it('never uses more bins than the packing it was given, and never overfills one', () => {
    fc.assert(
      fc.property(twoResourceItems, fc.nat(), (items, seed) => {
        const sizes = items.flat();
        // The caller's packing: the first fit in input order, a poor but valid start.
        const binOf = new Int32Array(items.length);
        const open: number[][] = [];
        items.forEach(([cpu, memory], i) => {
          let b = open.findIndex((load) => load[0]! + cpu <= 100 && load[1]! + memory <= 100);
          if (b < 0) b = open.push([0, 0]) - 1;
          open[b]![0]! += cpu;
          open[b]![1]! += memory;
          binOf[i] = b;
        });
        const result = packOffline(Float64Array.from(sizes), Float64Array.of(100, 100), binOf, {
          seed,
          maxIterations: 200,
          clock: tickingClock(),
          deadline: 2_000,
        });
        expect(result.bins).toBeLessThanOrEqual(open.length);
        expect(result.bins).toBeGreaterThanOrEqual(result.lowerBound);
        for (const load of loads(sizes, 2, result.binOf, result.bins)) {
          expect(load[0]).toBeLessThanOrEqual(100);
          expect(load[1]).toBeLessThanOrEqual(100);
        }
      }),
      { numRuns: 60 },
    );
  });

  it('packs one resource with the exact-fill search: triplets into exactly full bins', () => {
    const sizes = [49, 26, 25, 48, 27, 25, 47, 28, 25];
    const result = packOffline(
      Float64Array.from(sizes),
      Float64Array.of(100),
      Int32Array.from(sizes, (_, i) => i),
      {
        seed: 1,
        maxIterations: 1000,
        clock: tickingClock(),
        deadline: 10_000,
      },
    );
    expect(result.bins).toBe(3);
  });
});

describe("schedule with optimize.mode 'offline'", () => {
  // Three 16 × 16 nodes cut into twelve tasks; the greedy pass alone opens a fourth node.
  const cut = [
    [8, 2],
    [1, 7],
    [1, 4],
    [6, 3],
    [7, 7],
    [1, 4],
    [2, 2],
    [6, 3],
    [3, 2],
    [2, 4],
    [1, 3],
    [10, 7],
  ] as const;
  const input = (optimize: false | { mode: 'offline'; budgetMillis: number }) =>
    makeInput({
      nodes: Array.from({ length: 6 }, (_, i) =>
        makeNode({ id: `n${i}`, capacity: { cpu: 16, memoryMiB: 16 } }),
      ),
      pending: cut.map(([cpu, memoryMiB], i) => makeTask({ id: `t${i}`, request: { cpu, memoryMiB } })),
      options: { clock: tickingClock(), timeBudgetMillis: 60_000, optimize },
    });
  const nodesUsed = (optimize: false | { mode: 'offline'; budgetMillis: number }): number => {
    const { decisions } = schedule(input(optimize));
    expect(decisions.every((d) => d.kind === 'placed')).toBe(true);
    return new Set(decisions.map((d) => (d.kind === 'placed' ? d.nodeId : ''))).size;
  };

  it('packs onto the three nodes the tasks were cut from where the greedy pass alone opens four', () => {
    expect(nodesUsed(false)).toBe(4);
    expect(nodesUsed({ mode: 'offline', budgetMillis: 5_000 })).toBe(3);
  });
});
