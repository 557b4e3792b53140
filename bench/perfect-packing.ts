/**
 * Multi-resource perfect packings (optimum known by construction): arrival-order best fit (Fenzo's way) and
 * first fit decreasing against Gantry's schedule(). Writes bench/results/perfect-packing.{json,md}.
 * Run: npm run bench:perfect
 */
import { bestFitArrival, firstFitDecreasing } from './lib/baselines.js';
import { generatePerfectPacking, type PerfectPacking } from './lib/perfect-packing.js';
import { writeReport } from './lib/report.js';
import { packOnIdenticalNodes } from './lib/run-gantry.js';

const BUDGET_MS = 1000;
const SEEDS = [1, 2, 3, 4, 5];
const CASES = [
  { nodes: 50, withGpu: false },
  { nodes: 50, withGpu: true },
  { nodes: 200, withGpu: false },
  { nodes: 200, withGpu: true },
  { nodes: 1000, withGpu: false },
  { nodes: 1000, withGpu: true },
];

function runGantry(problem: PerfectPacking): { bins: number; millis: number } {
  return packOnIdenticalNodes(
    problem.capacity,
    problem.optimum * 2,
    problem.tasks,
    BUDGET_MS,
    'perfect packing',
  );
}

interface RunResult {
  readonly nodes: number;
  readonly withGpu: boolean;
  readonly tasks: number;
  readonly optimum: number;
  readonly bestFit: number;
  readonly ffd: number;
  readonly gantry: number;
  readonly millis: number;
}

const data: RunResult[] = [];
const rows: (string | number)[][] = [];
const pct = (value: number, base: number): string => `${((value / base - 1) * 100).toFixed(2)}%`;
for (const { nodes, withGpu } of CASES) {
  const runs = SEEDS.map((seed): RunResult => {
    const problem = generatePerfectPacking(nodes, withGpu, seed * 7919 + nodes);
    const names = Object.keys(problem.capacity);
    const items = problem.tasks.map((task) => names.map((name) => task[name] ?? 0));
    const capacity = names.map((name) => problem.capacity[name]!);
    const gantry = runGantry(problem);
    return {
      nodes,
      withGpu,
      tasks: problem.tasks.length,
      optimum: problem.optimum,
      bestFit: bestFitArrival(items, capacity),
      ffd: firstFitDecreasing(items, capacity),
      gantry: gantry.bins,
      millis: gantry.millis,
    };
  });
  data.push(...runs);
  const mean = (key: 'bestFit' | 'ffd' | 'gantry'): number =>
    runs.reduce((s, r) => s + r[key] / r.optimum, 0) / runs.length;
  rows.push([
    `${nodes} nodes, ${withGpu ? 'cpu+mem+gpu' : 'cpu+mem'}`,
    runs.length,
    Math.round(runs.reduce((s, r) => s + r.tasks, 0) / runs.length),
    `+${pct(mean('bestFit'), 1)}`,
    `+${pct(mean('ffd'), 1)}`,
    `+${pct(mean('gantry'), 1)}`,
    runs.filter((r) => r.gantry === r.optimum).length,
    Math.max(...runs.map((r) => r.millis)).toFixed(0),
  ]);
}
const overall = (key: 'bestFit' | 'ffd' | 'gantry'): string =>
  `+${pct(data.reduce((s, r) => s + r[key] / r.optimum, 0) / data.length, 1)}`;
rows.push([
  'all',
  data.length,
  '',
  overall('bestFit'),
  overall('ffd'),
  overall('gantry'),
  data.filter((r) => r.gantry === r.optimum).length,
  Math.max(...data.map((r) => r.millis)).toFixed(0),
]);
const markdown = writeReport({
  name: 'perfect-packing',
  title: 'Multi-resource perfect packings: arrival-order best fit and FFD vs Gantry vs optimum',
  command: 'npm run bench:perfect',
  header: [
    'case',
    'instances',
    'mean tasks',
    'best fit (arrival) over optimum',
    'FFD over optimum',
    'Gantry over optimum',
    'Gantry optimal',
    'Gantry max ms',
  ],
  rows,
  notes: [
    'Each node of 32 cpu / 131072 MiB (/ 8 gpu) is cut into 2–8 tasks independently per resource (seeded), so the optimum is the node count.',
    `Gantry = schedule() with twice the optimal node count available and a ${BUDGET_MS} ms budget; figures are mean (bins / optimum - 1).`,
  ],
  data,
});
process.stdout.write(markdown);
