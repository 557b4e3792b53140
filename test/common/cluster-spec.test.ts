import { describe, expect, it } from 'vitest';
import { ClusterSpecSchema } from '../../common/cluster-spec.js';

const node = (id: string) => ({ id, capacity: { cpu: 4, memoryMiB: 8192 } });

describe('ClusterSpecSchema', () => {
  it('defaults a node to the docker runtime on the local Docker socket and no attributes', () => {
    expect(ClusterSpecSchema.parse({ name: 'c', nodes: [node('n1')] }).nodes[0]).toEqual({
      id: 'n1',
      capacity: { cpu: 4, memoryMiB: 8192 },
      attributes: {},
      docker: { socketPath: '/var/run/docker.sock' },
      runtime: 'docker',
    });
  });

  it('makes a node simulated only when its spec says runtime: simulated', () => {
    const spec = ClusterSpecSchema.parse({
      name: 'c',
      nodes: [node('n1'), { ...node('sim'), runtime: 'simulated' }, { ...node('d'), runtime: 'docker' }],
    });
    expect(spec.nodes.map((n) => [n.id, n.runtime])).toEqual([
      ['n1', 'docker'],
      ['sim', 'simulated'],
      ['d', 'docker'],
    ]);
  });

  it('rejects an unknown runtime naming the node and the choices', () => {
    const result = ClusterSpecSchema.safeParse({ name: 'c', nodes: [{ ...node('n1'), runtime: 'kwok' }] });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['nodes.0.runtime', 'Invalid option: expected one of "docker"|"simulated"'],
    ]);
  });

  it('rejects a duplicate node id naming both places', () => {
    const result = ClusterSpecSchema.safeParse({ name: 'c', nodes: [node('n1'), node('n1')] });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['nodes.1.id', 'duplicate node id "n1" (also nodes[0])'],
    ]);
  });

  it('keeps extra scalar resources in the capacity', () => {
    const spec = ClusterSpecSchema.parse({
      name: 'c',
      nodes: [{ id: 'g', capacity: { cpu: 8, memoryMiB: 1024, gpu: 2 } }],
    });
    expect(spec.nodes[0]!.capacity).toEqual({ cpu: 8, memoryMiB: 1024, gpu: 2 });
  });

  it('accepts a scheduling block and hands it to the scheduler as options', async () => {
    const { toScheduleOptions } = await import('../../common/cluster-spec.js');
    const spec = ClusterSpecSchema.parse({
      name: 'c',
      nodes: [node('n1')],
      scheduling: {
        scorers: { binPacking: 1, spread: 0.5 },
        cpuPinning: true,
        groups: { ml: { guaranteed: { cpu: 2 } } },
      },
    });
    expect(toScheduleOptions(spec.scheduling)).toEqual({
      scorers: { binPacking: 1, spread: 0.5 },
      cpuPinning: true,
      groups: { ml: { guaranteed: { cpu: 2 } } },
    });
  });

  it('names an unknown scorer with its path', () => {
    const result = ClusterSpecSchema.safeParse({
      name: 'c',
      nodes: [node('n1')],
      scheduling: { scorers: { binPackingg: 1 } },
    });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => [i.path.join('.'), i.message])).toEqual([
      ['scheduling.scorers', 'Unrecognized key: "binPackingg"'],
    ]);
  });
});
