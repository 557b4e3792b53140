/**
 * The engine scale bench's pipelines and cluster, as the files a user would write: N independent tasks (a
 * wide fan-out), layers of `width` tasks each needing two of the layer before (a deep chain), and one
 * foreach task over N literal items. The cluster is two simulated nodes sized so exactly `concurrency`
 * bench tasks fit at once, the same in-flight bound the bare-activities ceiling gets.
 */
import type { PipelineInput } from '../../pipeline/schema.js';
import { dagTasks } from './layered-dag.js';

export const SCENARIOS = ['fanout', 'chain', 'foreach'] as const;
export type Scenario = (typeof SCENARIOS)[number];

const CPU = 0.1;
const MEMORY_MIB = 16;
const NODES = 2;

const task = (id: string) => ({
  id,
  image: 'gantry/busybox',
  command: ['true'],
  resources: { cpu: CPU, memoryMiB: MEMORY_MIB },
  retry: { maxAttempts: 1 },
});

export function scalePipeline(
  scenario: Scenario,
  size: number,
  options: { readonly chainWidth: number; readonly concurrency: number },
): PipelineInput {
  const name = `bench-scale-${scenario}-${size}`;
  switch (scenario) {
    case 'fanout':
      return { name, tasks: Array.from({ length: size }, (_, i) => task(`t${String(i).padStart(6, '0')}`)) };
    case 'chain': {
      const layers = Math.max(1, Math.round(size / options.chainWidth));
      return {
        name,
        tasks: dagTasks({ layers, width: options.chainWidth, cpu: CPU, memoryMiB: MEMORY_MIB }).map((t) => ({
          ...task(t.id),
          ...(t.dependsOn.length > 0 ? { dependsOn: [...t.dependsOn] } : {}),
        })),
      };
    }
    case 'foreach':
      return {
        name,
        tasks: [
          {
            ...task('each'),
            foreach: JSON.stringify(Array.from({ length: size }, (_, i) => i)),
            maxParallel: options.concurrency,
            env: { ITEM: '{{ item }}' },
          },
        ],
      };
  }
}

/** How many tasks a scenario of `size` runs (a chain rounds to whole layers). */
export function scenarioTasks(scenario: Scenario, size: number, chainWidth: number): number {
  return scenario === 'chain' ? Math.max(1, Math.round(size / chainWidth)) * chainWidth : size;
}

/** Two simulated nodes that together hold exactly `concurrency` bench tasks. */
export function scaleClusterYaml(name: string, concurrency: number): string {
  const cpu = (concurrency * CPU) / NODES;
  return [
    `name: ${name}`,
    'nodes:',
    ...Array.from(
      { length: NODES },
      (_, i) => `  - { id: sim${i + 1}, capacity: { cpu: ${cpu}, memoryMiB: 1048576 }, runtime: simulated }`,
    ),
    '',
  ].join('\n');
}
