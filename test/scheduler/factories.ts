import type { Allocation, ClusterNode, PendingTask, ScheduleInput } from '../../scheduler/placement/types.js';

export function makeNode(overrides: Partial<ClusterNode> = {}): ClusterNode {
  return { id: 'n0', capacity: { cpu: 8, memoryMiB: 16384 }, attributes: {}, ...overrides };
}

export function makeTask(overrides: Partial<PendingTask> = {}): PendingTask {
  return {
    id: 't0',
    request: { cpu: 1, memoryMiB: 1024 },
    constraints: [],
    tier: 'flex',
    enqueuedAt: 0,
    ...overrides,
  };
}

export function makeAllocation(overrides: Partial<Allocation> = {}): Allocation {
  return {
    taskId: 'a0',
    nodeId: 'n0',
    request: { cpu: 1, memoryMiB: 1024 },
    constraints: [],
    tier: 'flex',
    startedAt: 0,
    ...overrides,
  };
}

export function makeInput(overrides: Partial<ScheduleInput> = {}): ScheduleInput {
  return { nodes: [makeNode()], allocations: [], pending: [makeTask()], now: 1_000_000, ...overrides };
}
