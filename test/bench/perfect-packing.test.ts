import { describe, expect, it } from 'vitest';
import {
  NODE_SHAPE,
  PACKING_FAMILIES,
  generateCutPacking,
  type CutSettings,
  type PerfectPacking,
} from '../../bench/lib/perfect-packing.js';

/** Per node of the witness, per resource, the total in thousandths (integers: no float drift). */
function nodeTotals(packing: PerfectPacking): Map<number, Record<string, number>> {
  const totals = new Map<number, Record<string, number>>();
  packing.tasks.forEach((task, i) => {
    const node = totals.get(packing.nodeOf[i]!) ?? {};
    for (const [name, value] of Object.entries(task))
      node[name] = (node[name] ?? 0) + Math.round(value * 1000);
    totals.set(packing.nodeOf[i]!, node);
  });
  return totals;
}

function tasksPerNode(packing: PerfectPacking): number[] {
  const counts = new Array<number>(packing.optimum).fill(0);
  for (const node of packing.nodeOf) counts[node] = counts[node]! + 1;
  return counts;
}

const isMultipleOf = (value: number, unit: number): boolean =>
  Math.abs(value / unit - Math.round(value / unit)) < 1e-6;

describe('perfect-packing families', () => {
  for (const family of PACKING_FAMILIES) {
    it(`${family.name}: every node's tasks sum exactly to its capacity in every resource`, () => {
      for (const seed of [1, 2, 3]) {
        const packing = family.generate(40, seed);
        expect(packing.optimum).toBe(40);
        expect(packing.nodeOf).toHaveLength(packing.tasks.length);
        const totals = nodeTotals(packing);
        expect(totals.size).toBe(40);
        for (const node of totals.values()) {
          for (const [name, capacity] of Object.entries(packing.capacity))
            expect(node[name] ?? 0, name).toBe(Math.round(capacity * 1000));
        }
        for (const task of packing.tasks) {
          expect(Object.keys(task).length).toBeGreaterThan(0);
          for (const value of Object.values(task)) expect(value).toBeGreaterThan(0);
        }
      }
    });

    it(`${family.name}: the same seed gives the same instance, another seed another`, () => {
      expect(family.generate(20, 7)).toEqual(family.generate(20, 7));
      expect(family.generate(20, 7).tasks).not.toEqual(family.generate(20, 8).tasks);
    });
  }

  it('cuts coarse families in 0.1 core and 256 MiB, fine ones in 0.01 core and 1 MiB', () => {
    const byName = new Map(PACKING_FAMILIES.map((f) => [f.name, f]));
    for (const task of byName.get('mix+gpu')!.generate(30, 1).tasks) {
      expect(isMultipleOf(task['cpu'] ?? 0, 0.1)).toBe(true);
      expect(isMultipleOf(task['memoryMiB'] ?? 0, 256)).toBe(true);
      expect(Number.isInteger(task['gpu'] ?? 0)).toBe(true);
    }
    const fine = byName.get('up-to-12')!.generate(30, 1).tasks;
    expect(fine.every((task) => isMultipleOf(task['cpu']!, 0.01))).toBe(true);
    // Fine units really are used: some cpu is not a whole tenth.
    expect(fine.some((task) => !isMultipleOf(task['cpu']!, 0.1))).toBe(true);
  });

  it('cuts each node into as many tasks as the family says, and uses the whole range', () => {
    const settings: CutSettings = {
      parts: { min: 2, max: 12 },
      units: 'coarse',
      hasGpu: true,
      shape: 'independent',
      order: 'shuffled',
    };
    const counts = tasksPerNode(generateCutPacking(settings, 300, 5));
    expect(Math.min(...counts)).toBe(2);
    expect(Math.max(...counts)).toBe(12);
    const gpuless = generateCutPacking(settings, 50, 5).tasks.filter((task) => task['gpu'] === undefined);
    expect(gpuless.length).toBeGreaterThan(0);
  });

  it('keeps each node together in by-node order and mixes nodes when shuffled', () => {
    const byNode = PACKING_FAMILIES.find((f) => f.name === 'by-node')!.generate(30, 2);
    expect(byNode.nodeOf).toEqual([...byNode.nodeOf].sort((a, b) => a - b));
    const shuffled = PACKING_FAMILIES.find((f) => f.name === 'classic')!.generate(30, 2);
    expect(shuffled.nodeOf).not.toEqual([...shuffled.nodeOf].sort((a, b) => a - b));
  });

  it('makes complementary tasks lopsided and dominant nodes hold one task of at least half the node', () => {
    const complementary = PACKING_FAMILIES.find((f) => f.name === 'complementary')!.generate(30, 3);
    const lopsided = complementary.tasks.filter(
      (task) => Math.abs(task['cpu']! / NODE_SHAPE.cpu - task['memoryMiB']! / NODE_SHAPE.memoryMiB) > 0.05,
    );
    expect(lopsided.length / complementary.tasks.length).toBeGreaterThan(0.6);
    const dominant = PACKING_FAMILIES.find((f) => f.name === 'dominant')!.generate(30, 3);
    const biggest = new Map<number, number>();
    dominant.tasks.forEach((task, i) => {
      const share = Math.min(task['cpu']! / NODE_SHAPE.cpu, task['memoryMiB']! / NODE_SHAPE.memoryMiB);
      biggest.set(dominant.nodeOf[i]!, Math.max(biggest.get(dominant.nodeOf[i]!) ?? 0, share));
    });
    for (const share of biggest.values()) expect(share).toBeGreaterThanOrEqual(0.49);
  });
});
