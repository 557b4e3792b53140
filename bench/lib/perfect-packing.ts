/**
 * Seeded generator of multi-resource perfect packings: every node of one shape is cut into 2–8 tasks along each
 * resource independently, so the tasks fill exactly `nodes` nodes and the optimum is known.
 */
import { createPrng } from '../../scheduler/placement/prng.js';

export interface PerfectPacking {
  readonly capacity: Record<string, number>;
  readonly optimum: number;
  readonly tasks: readonly Record<string, number>[];
}

/** Resource units: cpu in hundredths of a core, memory in MiB, gpu whole. */
const SHAPE = { cpu: 32, memoryMiB: 131072, gpu: 8 } as const;
const UNIT = { cpu: 0.01, memoryMiB: 1, gpu: 1 } as const;

function cuts(random: () => number, total: number, parts: number, allowZero: boolean): number[] {
  const points = new Set<number>();
  while (points.size < parts - 1) {
    const p = allowZero ? Math.floor(random() * (total + 1)) : 1 + Math.floor(random() * (total - 1));
    if (allowZero)
      points.add(points.size + p * 1e-9); // duplicates allowed: empty pieces
    else points.add(p);
  }
  const sorted = [...points].map(Math.floor).sort((a, b) => a - b);
  const bounds = [0, ...sorted, total];
  return bounds.slice(1).map((b, i) => b - bounds[i]!);
}

export function generatePerfectPacking(nodes: number, withGpu: boolean, seed: number): PerfectPacking {
  const random = createPrng(seed);
  const names = withGpu ? (['cpu', 'memoryMiB', 'gpu'] as const) : (['cpu', 'memoryMiB'] as const);
  const tasks: Record<string, number>[] = [];
  for (let n = 0; n < nodes; n++) {
    const parts = 2 + Math.floor(random() * 7);
    const pieces = names.map((name) =>
      cuts(random, Math.round(SHAPE[name] / UNIT[name]), parts, name === 'gpu'),
    );
    for (let k = 0; k < parts; k++) {
      const task: Record<string, number> = {};
      names.forEach((name, d) => {
        const units = pieces[d]![k]!;
        if (units > 0) task[name] = Math.round(units * UNIT[name] * 100) / 100;
      });
      tasks.push(task);
    }
  }
  for (let i = tasks.length - 1; i > 0; i--) {
    const k = Math.floor(random() * (i + 1));
    [tasks[i], tasks[k]] = [tasks[k]!, tasks[i]!];
  }
  const capacity: Record<string, number> = { cpu: SHAPE.cpu, memoryMiB: SHAPE.memoryMiB };
  if (withGpu) capacity['gpu'] = SHAPE.gpu;
  return { capacity, optimum: nodes, tasks };
}
