import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { lowerBoundBins, lowerBoundL2 } from '../../scheduler/placement/lower-bounds.js';
import { packIdenticalBins, reduceBins } from '../../scheduler/placement/vector-packer.js';

function loads(sizes: readonly number[], dims: number, binOf: Int32Array, bins: number): number[][] {
  const result = Array.from({ length: bins }, () => new Array<number>(dims).fill(0));
  binOf.forEach((b, i) => {
    for (let d = 0; d < dims; d++) result[b]![d]! += sizes[i * dims + d]!;
  });
  return result;
}

describe('lowerBoundL2', () => {
  it('counts items larger than half the capacity one bin each', () => {
    expect(lowerBoundL2([60, 60, 60, 10], 100)).toBe(3);
  });

  it('is at least the volume bound', () => {
    expect(lowerBoundL2([30, 30, 30, 30, 30], 100)).toBe(2);
  });

  it('adds the bins the small items overflow into beside the items over half a bin', () => {
    // Three items just over half a bin, and 100 distinct small items that fit only one per big item's bin:
    // with threshold 20 (the smallest of them) the small ones overflow into more bins than the volume says.
    const small = Array.from({ length: 100 }, (_, i) => 20 + i * 0.001);
    expect(lowerBoundL2([51, 51, 51, ...small], 100)).toBe(
      3 + Math.ceil((small.reduce((s, v) => s + v, 0) - 3 * 49) / 100),
    );
  });

  it('never exceeds the bins a first fit decreasing packing uses', () => {
    fc.assert(
      fc.property(fc.array(fc.integer({ min: 1, max: 100 }), { minLength: 1, maxLength: 80 }), (sizes) => {
        const loads: number[] = [];
        for (const size of [...sizes].sort((a, b) => b - a)) {
          const b = loads.findIndex((load) => load + size <= 100);
          if (b < 0) loads.push(size);
          else loads[b] = loads[b]! + size;
        }
        const bound = lowerBoundL2(sizes, 100);
        expect(bound).toBeLessThanOrEqual(loads.length);
        expect(bound).toBeGreaterThanOrEqual(Math.ceil(sizes.reduce((s, v) => s + v, 0) / 100));
      }),
      { numRuns: 200 },
    );
  });

  it('takes the largest bound over the resources', () => {
    expect(lowerBoundBins(Float64Array.of(1, 90, 1, 90, 1, 90), Float64Array.of(10, 100))).toBe(3);
  });
});

describe('packIdenticalBins', () => {
  it('finds the exact-fill triples that first fit decreasing misses', () => {
    const sizes = [49, 26, 25, 48, 27, 25, 47, 28, 25];
    const result = packIdenticalBins(Float64Array.from(sizes), Float64Array.of(100));
    expect(result.bins).toBe(3);
    expect(result.isProvenOptimal).toBe(true);
  });

  it('never overfills a bin in any resource and stays at or above the lower bound', () => {
    fc.assert(
      fc.property(
        fc.array(fc.tuple(fc.integer({ min: 1, max: 100 }), fc.integer({ min: 1, max: 100 })), {
          minLength: 1,
          maxLength: 60,
        }),
        fc.nat(),
        (items, seed) => {
          const sizes = items.flat();
          const result = packIdenticalBins(Float64Array.from(sizes), Float64Array.of(100, 100), {
            seed,
            maxIterations: 300,
          });
          for (const load of loads(sizes, 2, result.binOf, result.bins)) {
            expect(load[0]).toBeLessThanOrEqual(100);
            expect(load[1]).toBeLessThanOrEqual(100);
          }
          expect(result.bins).toBeGreaterThanOrEqual(result.lowerBound);
          expect(new Set(result.binOf).size).toBe(result.bins);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('packs one-decimal triplets into exactly full bins through the exact-fill search', () => {
    const sizes = [36.6, 26.8, 36.6, 43.0, 26.3, 30.7, 41.4, 28.7, 29.9, 49.5, 25.1, 25.4];
    const result = packIdenticalBins(Float64Array.from(sizes), Float64Array.of(100));
    expect(result.bins).toBe(4);
    expect(result.isProvenOptimal).toBe(true);
    for (const load of loads(sizes, 1, result.binOf, result.bins)) expect(load[0]).toBeCloseTo(100, 9);
  });

  it('gives the same packing for the same seed', () => {
    const sizes = Float64Array.from({ length: 90 }, (_, i) => 10 + ((i * 37) % 60));
    const a = packIdenticalBins(sizes, Float64Array.of(100), { seed: 7 });
    const b = packIdenticalBins(sizes, Float64Array.of(100), { seed: 7 });
    expect(Array.from(a.binOf)).toEqual(Array.from(b.binOf));
  });
});

describe('reduceBins', () => {
  it('removes a bin that a poor packing wasted', () => {
    const sizes = Float64Array.of(4, 4, 3, 3, 3, 3);
    const result = reduceBins(sizes, Float64Array.of(10), Int32Array.of(0, 0, 1, 1, 1, 2));
    expect(result.bins).toBe(2);
    for (const load of loads(Array.from(sizes), 1, result.binOf, result.bins))
      expect(load[0]).toBeLessThanOrEqual(10);
  });
});
