import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { InvalidSlicePlanError, SchedulerError } from '../../scheduler/dag/errors.js';
import { itemTaskId, parseItemTaskId, planSlices } from '../../scheduler/dag/foreach-slices.js';

describe('planSlices', () => {
  it.each([
    // items, maxParallel, limits, slices, openLimit, parallelPerSlice
    [1000, 250, {}, 10, 3, 83],
    [1000, undefined, {}, 10, 10, 100],
    [5000, undefined, {}, 50, 10, 100],
    [5000, 100_000, {}, 50, 10, 100],
    [3, 4, {}, 1, 1, 3],
    [3, undefined, {}, 1, 1, 3],
    [250, 1, {}, 3, 1, 1],
    [150, 250, {}, 2, 2, 100],
    [1000, 250, { sliceSize: 50, maxOpenSlices: 4 }, 20, 4, 50],
    [1000, 120, { sliceSize: 50, maxOpenSlices: 4 }, 20, 3, 40],
  ] as const)(
    'plans %i items with maxParallel %s and %j as %i slices, %i open × %i each',
    (items, maxParallel, limits, count, openLimit, parallelPerSlice) => {
      const plan = planSlices(items, maxParallel, limits);
      expect([plan.slices.length, plan.openLimit, plan.parallelPerSlice]).toEqual([
        count,
        openLimit,
        parallelPerSlice,
      ]);
    },
  );

  it('cuts the items into consecutive slices, the last one short', () => {
    expect(planSlices(250, undefined).slices).toEqual([
      { index: 0, from: 0, to: 100 },
      { index: 1, from: 100, to: 200 },
      { index: 2, from: 200, to: 250 },
    ]);
  });

  it('plans no slices for an empty list', () => {
    expect(planSlices(0, 4)).toEqual({ slices: [], openLimit: 0, parallelPerSlice: 0 });
  });

  it.each([
    [-1, undefined, {}, 'foreach slices: itemCount must be a non-negative integer, got -1'],
    [1.5, undefined, {}, 'foreach slices: itemCount must be a non-negative integer, got 1.5'],
    [10, 0, {}, 'foreach slices: maxParallel must be a positive integer, got 0'],
    [10, undefined, { sliceSize: 0 }, 'foreach slices: sliceSize must be a positive integer, got 0'],
    [
      10,
      undefined,
      { maxOpenSlices: NaN },
      'foreach slices: maxOpenSlices must be a positive integer, got NaN',
    ],
  ] as const)('refuses %s items with maxParallel %s and %j', (items, maxParallel, limits, message) => {
    const call = () => planSlices(items, maxParallel, limits);
    expect(call).toThrow(InvalidSlicePlanError);
    expect(call).toThrow(SchedulerError);
    expect(call).toThrow(message);
  });

  it('covers every item once, stays within every bound and uses the cap as fully as its open slices allow', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 5_000 }),
        fc.option(fc.integer({ min: 1, max: 5_000 }), { nil: undefined }),
        fc.integer({ min: 1, max: 500 }),
        fc.integer({ min: 1, max: 50 }),
        (items, maxParallel, sliceSize, maxOpenSlices) => {
          const { slices, openLimit, parallelPerSlice } = planSlices(items, maxParallel, {
            sliceSize,
            maxOpenSlices,
          });
          // Plain checks per slice: thousands of expect() calls per run would make the property crawl.
          const isTiling = slices.every(
            (slice, i) =>
              slice.index === i &&
              slice.from === (slices[i - 1]?.to ?? 0) &&
              slice.to > slice.from &&
              slice.to - slice.from <= sliceSize,
          );
          expect(isTiling).toBe(true);
          expect(slices.at(-1)?.to ?? 0).toBe(items);
          if (items === 0) return;
          expect(openLimit).toBeGreaterThanOrEqual(1);
          expect(openLimit).toBeLessThanOrEqual(Math.min(maxOpenSlices, slices.length));
          expect(parallelPerSlice).toBeGreaterThanOrEqual(1);
          expect(parallelPerSlice).toBeLessThanOrEqual(Math.min(sliceSize, items));
          const uncapped = Math.min(maxOpenSlices, slices.length) * Math.min(sliceSize, items);
          const total = openLimit * parallelPerSlice;
          if (maxParallel === undefined) expect(total).toBe(uncapped);
          else {
            expect(total).toBeLessThanOrEqual(maxParallel);
            // Rounding down across the open slices loses less than one item per slice.
            expect(total).toBeGreaterThan(Math.min(maxParallel, uncapped) - openLimit);
          }
        },
      ),
      { numRuns: 1000 },
    );
  });
});

describe('itemTaskId', () => {
  it('names an item after its task and index, and parses back', () => {
    expect(itemTaskId('train', 3)).toBe('train[3]');
    expect(parseItemTaskId('train[3]')).toEqual({ taskId: 'train', index: 3 });
  });

  it.each(['train', 'train[]', 'train[-1]', 'train[01]', 'train[1.5]', '[3]', 'train[3]x'])(
    'parses %s as no item id',
    (id) => {
      expect(parseItemTaskId(id)).toBeUndefined();
    },
  );

  it('round-trips every task id and index', () => {
    fc.assert(
      fc.property(fc.stringMatching(/^[a-z0-9]([a-z0-9_-]{0,20}[a-z0-9])?$/), fc.nat(), (taskId, index) => {
        expect(parseItemTaskId(itemTaskId(taskId, index))).toEqual({ taskId, index });
      }),
    );
  });
});
