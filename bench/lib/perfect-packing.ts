/**
 * Seeded generators of multi-resource perfect packings: `nodes` identical nodes are each cut into tasks that sum
 * exactly to the node's capacity in every resource, so the tasks fill exactly `nodes` nodes and the optimum is
 * known. Families differ in how a node is cut (how many tasks, in which units, with or without a GPU dimension,
 * how unequal the pieces and how the resources of one task relate) and in the order the tasks arrive.
 * Pure and deterministic: the seed is an argument, and the only randomness is the scheduler's seeded PRNG.
 */
import { createPrng } from '../../scheduler/placement/prng.js';

export interface PerfectPacking {
  readonly capacity: Record<string, number>;
  readonly optimum: number;
  readonly tasks: readonly Record<string, number>[];
  /** The node each task was cut from: a packing into `optimum` nodes, the witness that it is optimal. */
  readonly nodeOf: readonly number[];
}

/** The node every family cuts: 32 cores, 128 GiB and, where a family has the dimension, 8 GPUs. */
export const NODE_SHAPE = { cpu: 32, memoryMiB: 131072, gpu: 8 } as const;
type Resource = keyof typeof NODE_SHAPE;

/** Units a request is a whole multiple of: fine (hundredths of a core, 1 MiB) or coarse (0.1 core, 256 MiB). */
const UNITS = {
  fine: { cpu: 0.01, memoryMiB: 1, gpu: 1 },
  coarse: { cpu: 0.1, memoryMiB: 256, gpu: 1 },
} as const;

export interface CutSettings {
  /** Tasks per node, drawn uniformly from [min, max]. */
  readonly parts: { readonly min: number; readonly max: number };
  readonly units: keyof typeof UNITS;
  readonly hasGpu: boolean;
  /**
   * How one node's pieces become tasks: `independent` pairs the k-th piece of every resource (the pieces are
   * exchangeable, so sizes are uncorrelated); `complementary` pairs the smallest cpu piece with the largest
   * memory piece and so on, so every task is heavy in one resource and light in the other; `dominant` gives
   * one task 50–85 % of every resource and cuts the rest into small pieces.
   */
  readonly shape: 'independent' | 'complementary' | 'dominant';
  /** `shuffled`: one seeded permutation of all tasks; `by-node`: each node's tasks together, in node order. */
  readonly order: 'shuffled' | 'by-node';
}

export interface PackingFamily {
  readonly name: string;
  readonly description: string;
  readonly generate: (nodes: number, seed: number) => PerfectPacking;
}

/** Sizes of `parts` positive whole pieces summing to `total` (distinct cut points, uniformly drawn). */
function positiveCuts(random: () => number, total: number, parts: number): number[] {
  const points = new Set<number>();
  while (points.size < parts - 1) points.add(1 + Math.floor(random() * (total - 1)));
  return piecesOf([...points], total);
}

/** Sizes of `parts` non-negative whole pieces summing to `total` (cut points may repeat: empty pieces). */
function cutsWithZeros(random: () => number, total: number, parts: number): number[] {
  const points = Array.from({ length: parts - 1 }, () => Math.floor(random() * (total + 1)));
  return piecesOf(points, total);
}

function piecesOf(points: readonly number[], total: number): number[] {
  const bounds = [0, ...[...points].sort((a, b) => a - b), total];
  return bounds.slice(1).map((b, i) => b - bounds[i]!);
}

function shuffle<T>(random: () => number, items: T[]): void {
  for (let i = items.length - 1; i > 0; i--) {
    const k = Math.floor(random() * (i + 1));
    [items[i], items[k]] = [items[k]!, items[i]!];
  }
}

/** One node's pieces per resource, in whole units, following `settings.shape`. */
function cutNode(
  random: () => number,
  settings: CutSettings,
  names: readonly Resource[],
  totals: Readonly<Record<Resource, number>>,
): number[][] {
  const { min, max } = settings.parts;
  const parts = min + Math.floor(random() * (max - min + 1));
  if (settings.shape === 'dominant') {
    // One big task, then the rest cut into parts - 1 pieces (gpu: the big task takes what the draw gives).
    const share = 0.5 + random() * 0.35;
    return names.map((name) => {
      const total = totals[name];
      if (name === 'gpu') return cutsWithZeros(random, total, parts);
      const big = Math.min(total - (parts - 1), Math.max(1, Math.round(total * share)));
      return [big, ...positiveCuts(random, total - big, parts - 1)];
    });
  }
  const pieces = names.map((name) =>
    name === 'gpu' ? cutsWithZeros(random, totals[name], parts) : positiveCuts(random, totals[name], parts),
  );
  if (settings.shape === 'complementary') {
    pieces.forEach((list, d) => list.sort((a, b) => (d % 2 === 0 ? a - b : b - a)));
  }
  return pieces;
}

/** A perfect packing of `nodes` nodes cut as `settings` says. */
export function generateCutPacking(settings: CutSettings, nodes: number, seed: number): PerfectPacking {
  const random = createPrng(seed);
  const unit = UNITS[settings.units];
  const names: Resource[] = settings.hasGpu ? ['cpu', 'memoryMiB', 'gpu'] : ['cpu', 'memoryMiB'];
  const totals = {
    cpu: Math.round(NODE_SHAPE.cpu / unit.cpu),
    memoryMiB: Math.round(NODE_SHAPE.memoryMiB / unit.memoryMiB),
    gpu: NODE_SHAPE.gpu,
  };
  const cut: Cut[] = [];
  for (let n = 0; n < nodes; n++) {
    const pieces = cutNode(random, settings, names, totals);
    for (let k = 0; k < pieces[0]!.length; k++) {
      const task: Record<string, number> = {};
      names.forEach((name, d) => {
        const units = pieces[d]![k]!;
        // Whole units times the unit, rounded off the float noise of the multiplication.
        if (units > 0) task[name] = Math.round(units * unit[name] * 1000) / 1000;
      });
      cut.push({ task, node: n });
    }
  }
  if (settings.order === 'shuffled') shuffle(random, cut);
  return packingOf(names, nodes, cut);
}

interface Cut {
  readonly task: Record<string, number>;
  readonly node: number;
}

function packingOf(names: readonly Resource[], nodes: number, cut: readonly Cut[]): PerfectPacking {
  return {
    capacity: capacityOf(names),
    optimum: nodes,
    tasks: cut.map((c) => c.task),
    nodeOf: cut.map((c) => c.node),
  };
}

function capacityOf(names: readonly Resource[]): Record<string, number> {
  return Object.fromEntries(names.map((name) => [name, NODE_SHAPE[name]]));
}

/**
 * The bench's first generator, kept as it was so its figures stay comparable: 2–8 tasks per node in hundredths
 * of a core and MiB, shuffled. NOTE: its gpu cut points are 0, 1, 2, … rather than random (a slip in how it
 * drew repeated points), so with a gpu one task per node holds most gpus and the others one each or none.
 */
export function generatePerfectPacking(nodes: number, withGpu: boolean, seed: number): PerfectPacking {
  const random = createPrng(seed);
  const names: Resource[] = withGpu ? ['cpu', 'memoryMiB', 'gpu'] : ['cpu', 'memoryMiB'];
  const cut: Cut[] = [];
  for (let n = 0; n < nodes; n++) {
    const parts = 2 + Math.floor(random() * 7);
    const pieces = names.map((name) =>
      name === 'gpu'
        ? legacyGpuCuts(random, parts)
        : positiveCuts(random, Math.round(NODE_SHAPE[name] / UNITS.fine[name]), parts),
    );
    for (let k = 0; k < parts; k++) {
      const task: Record<string, number> = {};
      names.forEach((name, d) => {
        const units = pieces[d]![k]!;
        if (units > 0) task[name] = Math.round(units * UNITS.fine[name] * 100) / 100;
      });
      cut.push({ task, node: n });
    }
  }
  shuffle(random, cut);
  return packingOf(names, nodes, cut);
}

function legacyGpuCuts(random: () => number, parts: number): number[] {
  // The draws are made (and ignored) as the first generator made them, so its random stream is unchanged.
  for (let k = 0; k < parts - 1; k++) random();
  return piecesOf(
    Array.from({ length: parts - 1 }, (_, k) => k),
    NODE_SHAPE.gpu,
  );
}

const base: CutSettings = {
  parts: { min: 2, max: 8 },
  units: 'fine',
  hasGpu: false,
  shape: 'independent',
  order: 'shuffled',
};

function cutFamily(name: string, description: string, overrides: Partial<CutSettings>): PackingFamily {
  const settings = { ...base, ...overrides };
  return { name, description, generate: (nodes, seed) => generateCutPacking(settings, nodes, seed) };
}

/** Every family the bench measures, the first generator first. */
export const PACKING_FAMILIES: readonly PackingFamily[] = [
  {
    name: 'classic',
    description: 'the first generator: 2–8 tasks per node, 0.01 core and 1 MiB units, shuffled',
    generate: (nodes, seed) => generatePerfectPacking(nodes, false, seed),
  },
  {
    name: 'classic+gpu',
    description: 'the first generator with its gpu dimension',
    generate: (nodes, seed) => generatePerfectPacking(nodes, true, seed),
  },
  cutFamily('up-to-12', '2–12 tasks per node', { parts: { min: 2, max: 12 } }),
  cutFamily('coarse', '0.1 core and 256 MiB units', { units: 'coarse' }),
  cutFamily('gpu', 'a gpu dimension cut at random points (some tasks take none)', { hasGpu: true }),
  cutFamily('by-node', "unshuffled: each node's tasks arrive together", { order: 'by-node' }),
  cutFamily('mix', '2–12 tasks, coarse units, shuffled', { parts: { min: 2, max: 12 }, units: 'coarse' }),
  cutFamily('mix+gpu', '2–12 tasks, coarse units, shuffled, with a gpu dimension', {
    parts: { min: 2, max: 12 },
    units: 'coarse',
    hasGpu: true,
  }),
  cutFamily('complementary', 'each task heavy in cpu and light in memory or the reverse, 2–8 per node', {
    shape: 'complementary',
  }),
  cutFamily('dominant', 'one task of 50–85 % of the node plus 1–11 small ones, coarse units', {
    parts: { min: 2, max: 12 },
    units: 'coarse',
    shape: 'dominant',
  }),
];
