/**
 * Seeded generator of heterogeneous packing instances in the fixed instance-file format shared by
 * `cli/pack.ts` and the Fenzo harness. Same options, same instance, byte for byte.
 *
 * Nodes come in four shapes across zones a/b/c. Tasks mix general, cpu-heavy, memory-heavy and small requests
 * with log-normal sizes, then are scaled together so their cpu sum is `targetLoad` of the cluster's cpu: with as
 * many tasks as nodes the tasks are large (about half a node), with ten times more they are ten times smaller.
 * All tasks share one tier and carry no constraints, so queue order is the only order either scheduler sees.
 */
import { createPrng } from '../../scheduler/placement/prng.js';

export interface InstanceNode {
  readonly id: string;
  readonly capacity: Readonly<Record<string, number>>;
  readonly attributes: Readonly<Record<string, string>>;
}

export interface InstanceTask {
  readonly id: string;
  readonly request: Readonly<Record<string, number>>;
  readonly constraints: readonly unknown[];
  readonly group: string;
  readonly tier: 'critical' | 'flex';
}

/** One instance file: `{ nodes, tasks }`. */
export interface ClusterInstance {
  readonly nodes: readonly InstanceNode[];
  readonly tasks: readonly InstanceTask[];
}

export interface GenerateClusterOptions {
  readonly nodes: number;
  readonly tasks: number;
  readonly seed: number;
  /** Sum of task cpu over cluster cpu, before rounding and capping; 0.6 unless given. */
  readonly targetLoad?: number;
}

const GIB = 1024;

const NODE_SHAPES = [
  { weight: 0.35, capacity: { cpu: 16, memoryMiB: 64 * GIB } },
  { weight: 0.35, capacity: { cpu: 32, memoryMiB: 128 * GIB } },
  { weight: 0.2, capacity: { cpu: 64, memoryMiB: 256 * GIB } },
  { weight: 0.1, capacity: { cpu: 32, memoryMiB: 256 * GIB, gpu: 8 } },
] as const;

const ZONES = ['a', 'b', 'c'] as const;

/** MiB per core, before jitter, by task kind. */
const TASK_KINDS = [
  { weight: 0.45, kind: 'general', memoryPerCpu: 4 * GIB },
  { weight: 0.2, kind: 'cpu-heavy', memoryPerCpu: 1 * GIB },
  { weight: 0.2, kind: 'memory-heavy', memoryPerCpu: 8 * GIB },
  { weight: 0.15, kind: 'small', memoryPerCpu: 2 * GIB },
] as const;

// No task may exceed the largest general-purpose node, or it would be unplaceable by construction.
const MAX_TASK_CPU = 48;
const MAX_TASK_MEMORY_MIB = 192 * GIB;
const MIN_TASK_CPU = 0.1;
const MIN_TASK_MEMORY_MIB = 128;

/** The scheduler's own seeded PRNG (mulberry32), so instances replay exactly. */
export const makeRandom = createPrng;

function pick<T extends { readonly weight: number }>(items: readonly T[], random: () => number): T {
  let r = random();
  for (const item of items) {
    r -= item.weight;
    if (r < 0) return item;
  }
  return items[items.length - 1]!;
}

function normal(random: () => number): number {
  const u = 1 - random();
  const v = random();
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v);
}

function roundTo(value: number, step: number): number {
  return Math.round(value / step) * step;
}

export function generateCluster(options: GenerateClusterOptions): ClusterInstance {
  const random = makeRandom(options.seed);
  const targetLoad = options.targetLoad ?? 0.6;

  const nodes: InstanceNode[] = [];
  for (let i = 0; i < options.nodes; i++) {
    const shape = pick(NODE_SHAPES, random);
    const zone = ZONES[Math.floor(random() * ZONES.length)]!;
    nodes.push({ id: `n${i}`, capacity: { ...shape.capacity }, attributes: { zone } });
  }

  const raw: { cpu: number; memoryMiB: number; kind: string }[] = [];
  for (let i = 0; i < options.tasks; i++) {
    const kind = pick(TASK_KINDS, random);
    const size = Math.exp(0.7 * normal(random)) * (kind.kind === 'small' ? 0.2 : 1);
    const jitter = 0.75 + 0.75 * random();
    raw.push({ cpu: size, memoryMiB: size * kind.memoryPerCpu * jitter, kind: kind.kind });
  }

  const clusterCpu = nodes.reduce((sum, node) => sum + (node.capacity['cpu'] ?? 0), 0);
  const rawCpu = raw.reduce((sum, task) => sum + task.cpu, 0);
  const scale = rawCpu > 0 ? (targetLoad * clusterCpu) / rawCpu : 0;

  const tasks: InstanceTask[] = raw.map((task, i) => {
    const cpu = Math.min(MAX_TASK_CPU, Math.max(MIN_TASK_CPU, roundTo(task.cpu * scale, 0.05)));
    const memoryMiB = Math.min(
      MAX_TASK_MEMORY_MIB,
      Math.max(MIN_TASK_MEMORY_MIB, roundTo(task.memoryMiB * scale, 64)),
    );
    return {
      id: `t${i}`,
      // Rounding to 0.05 leaves float noise (0.15000000000000002); fix it to what a person would write.
      request: { cpu: Number(cpu.toFixed(2)), memoryMiB },
      constraints: [],
      group: `${task.kind}-${i % 8}`,
      tier: 'flex',
    };
  });

  return { nodes, tasks };
}

/** Sum of requests over sum of capacities, per resource the tasks ask for. */
export function describeLoad(instance: ClusterInstance): { cpu: number; memoryMiB: number } {
  const total = (items: readonly { readonly [name: string]: number }[], name: string): number =>
    items.reduce((sum, item) => sum + (item[name] ?? 0), 0);
  const capacities = instance.nodes.map((node) => node.capacity);
  const requests = instance.tasks.map((task) => task.request);
  return {
    cpu: total(requests, 'cpu') / total(capacities, 'cpu'),
    memoryMiB: total(requests, 'memoryMiB') / total(capacities, 'memoryMiB'),
  };
}
