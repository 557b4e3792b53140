/**
 * Pure checks and measures for one packing result on one instance: validity (nothing overcommitted, every id
 * known, every task decided exactly once), nodes used, and stranded cpu and memory. O(tasks + nodes · resources).
 */
import type { ClusterInstance } from './generate-cluster.js';

/** What `cli/pack.ts` and the Fenzo harness both print. */
export interface PackResult {
  readonly assignments: Readonly<Record<string, string>>;
  readonly unplaced: Readonly<Record<string, string>>;
  readonly nodesUsed: number;
  readonly millis: number;
}

export interface CheckOutcome {
  readonly isValid: boolean;
  /** Every problem found, in a stable order; empty when valid. */
  readonly problems: readonly string[];
}

// Same tolerance as the scheduler: 0.1 + 0.2 cores must fit in 0.3 free cores.
const EPSILON = 1e-9;
const MAX_PROBLEMS = 20;

/** Free amount per resource name on every node that holds at least one assigned task. */
export function freeOnUsedNodes(
  instance: ClusterInstance,
  result: PackResult,
): Map<string, Record<string, number>> {
  const capacityById = new Map(instance.nodes.map((node) => [node.id, node.capacity]));
  const requestById = new Map(instance.tasks.map((task) => [task.id, task.request]));
  const free = new Map<string, Record<string, number>>();
  for (const [taskId, nodeId] of Object.entries(result.assignments)) {
    const capacity = capacityById.get(nodeId);
    const request = requestById.get(taskId);
    if (!capacity || !request) continue;
    let nodeFree = free.get(nodeId);
    if (!nodeFree) {
      nodeFree = { ...capacity };
      free.set(nodeId, nodeFree);
    }
    for (const [name, amount] of Object.entries(request)) nodeFree[name] = (nodeFree[name] ?? 0) - amount;
  }
  return free;
}

export function checkResult(instance: ClusterInstance, result: PackResult): CheckOutcome {
  const problems: string[] = [];
  const nodeIds = new Set(instance.nodes.map((node) => node.id));
  const taskIds = new Set(instance.tasks.map((task) => task.id));
  for (const [taskId, nodeId] of Object.entries(result.assignments)) {
    if (!taskIds.has(taskId)) problems.push(`assignments.${taskId}: unknown task`);
    if (!nodeIds.has(nodeId)) problems.push(`assignments.${taskId}: unknown node "${nodeId}"`);
    if (taskId in result.unplaced) problems.push(`assignments.${taskId}: also listed as unplaced`);
  }
  for (const taskId of Object.keys(result.unplaced)) {
    if (!taskIds.has(taskId)) problems.push(`unplaced.${taskId}: unknown task`);
  }
  for (const task of instance.tasks) {
    if (!(task.id in result.assignments) && !(task.id in result.unplaced))
      problems.push(`tasks.${task.id}: no decision`);
  }
  const capacityById = new Map(instance.nodes.map((node) => [node.id, node.capacity]));
  const free = [...freeOnUsedNodes(instance, result)].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  for (const [nodeId, nodeFree] of free) {
    for (const [name, amount] of Object.entries(nodeFree)) {
      const capacity = capacityById.get(nodeId)?.[name] ?? 0;
      if (amount < -EPSILON * Math.max(1, capacity)) {
        problems.push(
          `nodes.${nodeId}: ${name} overcommitted by ${Number((-amount).toFixed(6))} (capacity ${capacity})`,
        );
      }
    }
  }
  const nodesUsed = free.length;
  if (result.nodesUsed !== nodesUsed)
    problems.push(`nodesUsed: reported ${result.nodesUsed}, assignments use ${nodesUsed}`);
  const shown = problems.slice(0, MAX_PROBLEMS);
  if (problems.length > MAX_PROBLEMS) shown.push(`… and ${problems.length - MAX_PROBLEMS} more`);
  return { isValid: problems.length === 0, problems: shown };
}

export interface Stranded {
  /** Cores free on used nodes whose free memory is below the smallest memory request of the instance. */
  readonly cpu: number;
  /** MiB free on used nodes whose free cpu is below the smallest cpu request of the instance. */
  readonly memoryMiB: number;
  /** The same amounts as fractions of the used nodes' total capacity (0 when no node is used). */
  readonly cpuFraction: number;
  readonly memoryFraction: number;
}

/**
 * Stranded capacity: free capacity in one resource on a used node that no task of the instance can use, because
 * the node's other resource has less free than the instance's smallest request of it. Unused nodes strand nothing:
 * an empty node can be given back.
 */
export function strandedResources(instance: ClusterInstance, result: PackResult): Stranded {
  if (instance.tasks.length === 0) return { cpu: 0, memoryMiB: 0, cpuFraction: 0, memoryFraction: 0 };
  let minCpu = Infinity;
  let minMemory = Infinity;
  for (const task of instance.tasks) {
    minCpu = Math.min(minCpu, task.request['cpu'] ?? 0);
    minMemory = Math.min(minMemory, task.request['memoryMiB'] ?? 0);
  }
  const capacityById = new Map(instance.nodes.map((node) => [node.id, node.capacity]));
  let cpu = 0;
  let memoryMiB = 0;
  let usedCpu = 0;
  let usedMemory = 0;
  for (const [nodeId, nodeFree] of freeOnUsedNodes(instance, result)) {
    const freeCpu = Math.max(0, nodeFree['cpu'] ?? 0);
    const freeMemory = Math.max(0, nodeFree['memoryMiB'] ?? 0);
    if (freeMemory < minMemory - EPSILON) cpu += freeCpu;
    if (freeCpu < minCpu - EPSILON) memoryMiB += freeMemory;
    usedCpu += capacityById.get(nodeId)?.['cpu'] ?? 0;
    usedMemory += capacityById.get(nodeId)?.['memoryMiB'] ?? 0;
  }
  return {
    cpu,
    memoryMiB,
    cpuFraction: usedCpu > 0 ? cpu / usedCpu : 0,
    memoryFraction: usedMemory > 0 ? memoryMiB / usedMemory : 0,
  };
}

/** Assigned tasks per second of scheduling time; 0 when nothing was placed, Infinity when it took no time. */
export function placementsPerSecond(result: PackResult): number {
  const placed = Object.keys(result.assignments).length;
  if (placed === 0) return 0;
  return result.millis > 0 ? placed / (result.millis / 1000) : Infinity;
}
