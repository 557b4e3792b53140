import { describe, expect, it } from 'vitest';
import {
  describeLoad,
  generateCluster,
  type ClusterInstance,
  type InstanceNode,
  type InstanceTask,
} from '../../bench/lib/generate-cluster.js';
import {
  checkResult,
  placementsPerSecond,
  strandedResources,
  type PackResult,
} from '../../bench/lib/fenzo-metrics.js';
import { judgeGoal, type SizeRow, type SystemRow } from '../../bench/lib/fenzo-report.js';

function makeNode(overrides: Partial<InstanceNode> & { id: string }): InstanceNode {
  return { capacity: { cpu: 8, memoryMiB: 16_384 }, attributes: { zone: 'a' }, ...overrides };
}

function makeTask(overrides: Partial<InstanceTask> & { id: string }): InstanceTask {
  return { request: { cpu: 1, memoryMiB: 1024 }, constraints: [], group: 'g', tier: 'flex', ...overrides };
}

function makeResult(overrides: Partial<PackResult>): PackResult {
  return { assignments: {}, unplaced: {}, nodesUsed: 0, millis: 1, ...overrides };
}

const instance: ClusterInstance = {
  nodes: [makeNode({ id: 'n0' }), makeNode({ id: 'n1' }), makeNode({ id: 'n2' })],
  tasks: [
    makeTask({ id: 't0', request: { cpu: 4, memoryMiB: 15_872 } }),
    makeTask({ id: 't1', request: { cpu: 7.5, memoryMiB: 2048 } }),
    makeTask({ id: 't2', request: { cpu: 0.5, memoryMiB: 512 } }),
  ],
};

describe('checkResult', () => {
  it('accepts a result that places every task within capacity', () => {
    const result = makeResult({ assignments: { t0: 'n0', t1: 'n1', t2: 'n1' }, nodesUsed: 2 });
    expect(checkResult(instance, result)).toEqual({ isValid: true, problems: [] });
  });

  it('tolerates float drift when fractional cpu requests exactly fill a node', () => {
    const tiny: ClusterInstance = {
      nodes: [makeNode({ id: 'n0', capacity: { cpu: 0.3, memoryMiB: 300 } })],
      tasks: [
        makeTask({ id: 'a', request: { cpu: 0.1, memoryMiB: 100 } }),
        makeTask({ id: 'b', request: { cpu: 0.2, memoryMiB: 200 } }),
      ],
    };
    expect(checkResult(tiny, makeResult({ assignments: { a: 'n0', b: 'n0' }, nodesUsed: 1 })).isValid).toBe(
      true,
    );
  });

  it('reports a node overcommitted in cpu with the amount and the capacity', () => {
    const result = makeResult({ assignments: { t0: 'n0', t1: 'n0', t2: 'n1' }, nodesUsed: 2 });
    expect(checkResult(instance, result)).toEqual({
      isValid: false,
      problems: [
        'nodes.n0: cpu overcommitted by 3.5 (capacity 8)',
        'nodes.n0: memoryMiB overcommitted by 1536 (capacity 16384)',
      ],
    });
  });

  it('reports unknown tasks and nodes, double decisions, missing decisions and a wrong node count', () => {
    const result = makeResult({
      assignments: { t0: 'n9', t1: 'n1', ghost: 'n1' },
      unplaced: { t1: 'full' },
      nodesUsed: 5,
    });
    expect(checkResult(instance, result).problems).toEqual([
      'assignments.t0: unknown node "n9"',
      'assignments.t1: also listed as unplaced',
      'assignments.ghost: unknown task',
      'tasks.t2: no decision',
      'nodesUsed: reported 5, assignments use 1',
    ]);
  });
});

describe('strandedResources', () => {
  it('counts free cpu on used nodes whose free memory is below the smallest memory request, and vice versa', () => {
    // n0: t0 leaves 4 cores but 512 MiB, exactly the smallest memory request, so nothing is stranded there.
    // n1: t1 + t2 leave 0 cores and 13824 MiB: below the smallest cpu request (0.5), so the memory is stranded.
    const result = makeResult({ assignments: { t0: 'n0', t1: 'n1', t2: 'n1' }, nodesUsed: 2 });
    expect(strandedResources(instance, result)).toEqual({
      cpu: 0,
      memoryMiB: 13_824,
      cpuFraction: 0,
      memoryFraction: 13_824 / 32_768,
    });
  });

  it('strands the free cpu of a node whose memory is exhausted', () => {
    const result = makeResult({ assignments: { t0: 'n0' }, unplaced: { t1: 'x', t2: 'x' }, nodesUsed: 1 });
    const heavier: ClusterInstance = {
      ...instance,
      tasks: instance.tasks.map((t) =>
        t.id === 't2' ? { ...t, request: { cpu: 0.5, memoryMiB: 1024 } } : t,
      ),
    };
    expect(strandedResources(heavier, result)).toEqual({
      cpu: 4,
      memoryMiB: 0,
      cpuFraction: 0.5,
      memoryFraction: 0,
    });
  });

  it('strands nothing on nodes that hold no task', () => {
    expect(strandedResources(instance, makeResult({ unplaced: { t0: 'x', t1: 'x', t2: 'x' } }))).toEqual({
      cpu: 0,
      memoryMiB: 0,
      cpuFraction: 0,
      memoryFraction: 0,
    });
  });
});

describe('placementsPerSecond', () => {
  it('divides placed tasks by scheduling seconds', () => {
    expect(
      placementsPerSecond(makeResult({ assignments: { t0: 'n0', t1: 'n1', t2: 'n1' }, millis: 1.5 })),
    ).toBe(2000);
  });

  it('is zero when nothing was placed', () => {
    expect(placementsPerSecond(makeResult({ millis: 0 }))).toBe(0);
  });
});

describe('generateCluster', () => {
  it('gives the same instance for the same seed and a different one for another seed', () => {
    const options = { nodes: 50, tasks: 300, seed: 7 };
    expect(JSON.stringify(generateCluster(options))).toBe(JSON.stringify(generateCluster(options)));
    expect(JSON.stringify(generateCluster({ ...options, seed: 8 }))).not.toBe(
      JSON.stringify(generateCluster(options)),
    );
  });

  it('loads the cluster between 40% and 70% in cpu and memory', () => {
    const load = describeLoad(generateCluster({ nodes: 200, tasks: 2000, seed: 1 }));
    expect(load.cpu).toBeGreaterThan(0.4);
    expect(load.cpu).toBeLessThan(0.7);
    expect(load.memoryMiB).toBeGreaterThan(0.4);
    expect(load.memoryMiB).toBeLessThan(0.7);
  });
});

describe('judgeGoal', () => {
  const measured = (placed: number, nodesUsed: number, placementsPerSecond: number): SystemRow => ({
    kind: 'measured',
    status: 'ok',
    problems: [],
    placed,
    unplaced: 10_000 - placed,
    nodesUsed,
    millis: 1,
    millisRuns: [1],
    placementsPerSecond,
    stranded: { cpu: 0, memoryMiB: 0, cpuFraction: 0, memoryFraction: 0 },
    isDeterministic: true,
  });
  const size = (gantry: SystemRow): SizeRow => ({
    nodes: 10_000,
    tasks: 10_000,
    seed: 1,
    load: { cpu: 0.5, memoryMiB: 0.5 },
    systems: {
      gantry,
      'fenzo-full': measured(10_000, 4400, 400),
      'fenzo-good-enough-0.9': measured(10_000, 4500, 900),
      'fenzo-good-enough-0.5': measured(10_000, 4350, 2000),
    },
  });

  it('is met when Gantry is fast enough and uses no more nodes than either Fenzo setting', () => {
    expect(judgeGoal([size(measured(10_000, 4350, 60_000))]).isMet).toBe(true);
  });

  it('is not met when Gantry uses more nodes than Fenzo full scan', () => {
    const verdict = judgeGoal([size(measured(10_000, 4450, 60_000))]);
    expect(verdict.isMet).toBe(false);
    expect(verdict.lines).toContain(
      '10,000 × 10,000: Gantry uses 4450 nodes for 10000 tasks, Fenzo full scan 4400 for 10000.',
    );
  });
});
