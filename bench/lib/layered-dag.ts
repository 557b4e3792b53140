/**
 * The engine bench's DAG: `layers` layers of `width` `gantry/busybox true` tasks. Each task after the first
 * layer needs two of the layer before it (the one below and its right neighbour), so a layer can start
 * before the one before has wholly finished and the concurrency cap, not a barrier, paces the run.
 */
import type { PipelineInput } from '../../pipeline/schema.js';

export interface LayeredDag {
  readonly layers: number;
  readonly width: number;
  readonly cpu: number;
  readonly memoryMiB: number;
}

export interface DagTask {
  readonly id: string;
  readonly dependsOn: readonly string[];
}

export const IMAGE = 'gantry/busybox';
export const COMMAND = ['true'];

const taskId = (layer: number, i: number) => `l${layer}-t${String(i).padStart(2, '0')}`;

export function dagTasks(dag: LayeredDag): DagTask[] {
  const tasks: DagTask[] = [];
  for (let layer = 0; layer < dag.layers; layer++)
    for (let i = 0; i < dag.width; i++)
      tasks.push({
        id: taskId(layer, i),
        dependsOn:
          layer === 0 ? [] : [...new Set([taskId(layer - 1, i), taskId(layer - 1, (i + 1) % dag.width)])],
      });
  return tasks;
}

/** The same DAG as a Gantry pipeline: no retries, so both sides run each container exactly once. */
export function dagPipeline(dag: LayeredDag): PipelineInput {
  return {
    name: 'bench-engine-dag',
    tasks: dagTasks(dag).map((t) => ({
      id: t.id,
      image: IMAGE,
      command: COMMAND,
      resources: { cpu: dag.cpu, memoryMiB: dag.memoryMiB },
      retry: { maxAttempts: 1 },
      ...(t.dependsOn.length > 0 ? { dependsOn: [...t.dependsOn] } : {}),
    })),
  };
}
