import { describe, expect, it } from 'vitest';
import { PipelineValidationError } from '../../pipeline/errors.js';
import { parsePipeline, type NodeCapacity } from '../../pipeline/parse.js';
import { makePipeline, makeTask } from './make-pipeline.js';

const cluster: NodeCapacity[] = [
  { id: 'wide', capacity: { cpu: 2, memoryMiB: 1024, diskMiB: 10_000 } },
  { id: 'tall', capacity: { cpu: 1, memoryMiB: 4096, fpga: 1 } },
];

function problems(resources: Record<string, unknown>, nodes: readonly NodeCapacity[] = cluster): string {
  try {
    parsePipeline(makePipeline([makeTask('a'), makeTask('b'), makeTask('c', { resources })]), { nodes });
    return '';
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineValidationError);
    return (error as Error).message;
  }
}

describe('parsePipeline against the cluster', () => {
  it.each([
    ['fits the wide node', { cpu: 2, memoryMiB: 1024 }],
    ['fits the tall node', { cpu: 1, memoryMiB: 4096 }],
    ['fits with float drift', { cpu: 0.1, memoryMiB: 64 }],
    ['asks for a named scalar one node has', { cpu: 1, memoryMiB: 512, scalars: { fpga: 1 } }],
    ['asks for zero gpus on a gpu-less cluster', { cpu: 1, memoryMiB: 512, gpu: 0 }],
  ])('accepts a task that %s', (_, resources) => {
    expect(problems(resources)).toBe('');
  });

  it.each([
    [
      'cpu beyond every node',
      { cpu: 64 },
      'tasks[2].resources.cpu: 64 is larger than every node of the cluster (the largest has 2) (task "c")',
    ],
    [
      'memory beyond every node',
      { memoryMiB: 8192 },
      'tasks[2].resources.memoryMiB: 8192 is larger than every node of the cluster (the largest has 4096) (task "c")',
    ],
    [
      'a gpu on a gpu-less cluster',
      { gpu: 1 },
      'tasks[2].resources.gpu: 1 requested, but no node of the cluster has gpu (task "c")',
    ],
    [
      'network bandwidth no node offers',
      { networkMbps: 100 },
      'tasks[2].resources.networkMbps: 100 requested, but no node of the cluster has networkMbps (task "c")',
    ],
    [
      'a named scalar no node has',
      { scalars: { tpu: 2 } },
      'tasks[2].resources.scalars.tpu: 2 requested, but no node of the cluster has tpu (task "c")',
    ],
    [
      'a named scalar beyond every node',
      { scalars: { fpga: 3 } },
      'tasks[2].resources.scalars.fpga: 3 is larger than every node of the cluster (the largest has 1) (task "c")',
    ],
    [
      'resources that fit only on different nodes',
      { cpu: 2, memoryMiB: 4096 },
      'tasks[2].resources: { cpu: 2, memoryMiB: 4096 } fits no single node of the cluster: each resource fits on some node, never all on one (task "c")',
    ],
    [
      'disk and a scalar that never meet on one node',
      { cpu: 1, memoryMiB: 512, diskMiB: 100, scalars: { fpga: 1 } },
      'tasks[2].resources: { cpu: 1, memoryMiB: 512, diskMiB: 100, fpga: 1 } fits no single node of the cluster: each resource fits on some node, never all on one (task "c")',
    ],
    [
      'two resources beyond every node, each reported',
      { cpu: 3, memoryMiB: 5000 },
      'tasks[2].resources.cpu: 3 is larger than every node of the cluster (the largest has 2) (task "c")\ntasks[2].resources.memoryMiB: 5000 is larger than every node of the cluster (the largest has 4096) (task "c")',
    ],
  ])('rejects %s', (_, resources, message) => {
    expect(problems(resources)).toBe(message);
  });

  it('rejects every pipeline when the cluster has no nodes', () => {
    expect(problems({}, [])).toBe('tasks: the cluster has no nodes to run any task on');
  });

  it('skips the cluster checks when no nodes are given', () => {
    expect(() =>
      parsePipeline(makePipeline([makeTask('a', { resources: { cpu: 512, gpu: 8 } })])),
    ).not.toThrow();
  });
});
