/**
 * Gantry's side of the packing benchmarks: schedule() on identical empty nodes, with a time budget, timed
 * without building the input. Throws if any task is left unplaced (the instances always fit).
 */
import { performance } from 'node:perf_hooks';
import { schedule } from '../../scheduler/placement/schedule.js';
import type { ResourceVector, ScheduleInput } from '../../scheduler/placement/types.js';

export function packOnIdenticalNodes(
  capacity: ResourceVector,
  nodeCount: number,
  requests: readonly ResourceVector[],
  budgetMillis: number,
  label: string,
): { bins: number; millis: number } {
  const id = (prefix: string, i: number) => `${prefix}${String(i).padStart(5, '0')}`;
  const input: ScheduleInput = {
    nodes: Array.from({ length: nodeCount }, (_, i) => ({ id: id('n', i), capacity, attributes: {} })),
    allocations: [],
    pending: requests.map((request, i) => ({
      id: id('t', i),
      request,
      constraints: [],
      tier: 'flex',
      enqueuedAt: 0,
    })),
    now: 0,
    options: {
      clock: () => performance.now(),
      timeBudgetMillis: budgetMillis,
      optimize: { seed: 1, maxIterations: 1_000_000 },
    },
  };
  const started = performance.now();
  const result = schedule(input);
  const millis = performance.now() - started;
  const used = new Set<string>();
  for (const decision of result.decisions) {
    if (decision.kind !== 'placed')
      throw new Error(`${label}: ${decision.taskId} unplaced: ${decision.reason}`);
    used.add(decision.nodeId);
  }
  return { bins: used.size, millis };
}
