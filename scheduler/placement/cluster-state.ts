/**
 * The mutable snapshot one scheduling iteration works on: nodes sorted by id, resources as dense typed arrays
 * (`node × resource`), per-node task counts and constraint-set counts. Built in O(N·R + A·R).
 */
import type { Constraint } from '../../pipeline/schema.js';
import type { ClusterNode, ScheduleInput } from './types.js';

import { EPSILON } from '../../common/epsilon.js';

export { EPSILON };

export interface ClusterState {
  readonly nodes: readonly ClusterNode[];
  readonly nodeIndex: ReadonlyMap<string, number>;
  /** Resource names; cpu and memoryMiB first, then the rest sorted. */
  readonly resources: readonly string[];
  readonly dims: number;
  readonly capacity: Float64Array;
  readonly free: Float64Array;
  readonly taskCount: Int32Array;
  /** 1 when the node runs a task with a hard exclusiveNode constraint. */
  readonly isExclusive: Uint8Array;
  /** Latest expected end (ms) of the tasks on each node; 0 when unknown. */
  readonly busyUntil: Float64Array;
  /** uniqueNode set → tasks of the set per node. */
  readonly setCount: Map<string, Int32Array>;
  /** uniqueNode set → tasks per node that hold the set as a hard constraint: they bar every other member. */
  readonly hardSetCount: Map<string, Int32Array>;
  /** balance `key\u0000set` → tasks of the set per attribute value. */
  readonly balanceCount: Map<string, Map<string, number>>;
  /** Shape key per node: nodes with equal keys are interchangeable while empty. */
  readonly shape: readonly string[];
}

export function compareIds(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

export function balanceKey(key: string, set: string): string {
  return `${key}\u0000${set}`;
}

export function buildClusterState(input: ScheduleInput): ClusterState {
  const nodes = sortedById(input.nodes);
  const nodeIndex = new Map<string, number>();
  for (let j = 0; j < nodes.length; j++) nodeIndex.set(nodes[j]!.id, j);
  const names = new Set<string>();
  // for-in instead of Object.keys: a large batch would otherwise allocate one key array per task.
  for (const node of nodes) for (const name in node.capacity) names.add(name);
  for (const task of input.pending) for (const name in task.request) names.add(name);
  for (const allocation of input.allocations) for (const name in allocation.request) names.add(name);
  names.delete('cpu');
  names.delete('memoryMiB');
  const resources = ['cpu', 'memoryMiB', ...[...names].sort(compareIds)];
  const dims = resources.length;
  const capacity = new Float64Array(nodes.length * dims);
  for (let j = 0; j < nodes.length; j++) {
    const own = nodes[j]!.capacity;
    for (let d = 0; d < dims; d++) capacity[j * dims + d] = own[resources[d]!] ?? 0;
  }
  const free = Float64Array.from(capacity);
  const state: ClusterState = {
    nodes,
    nodeIndex,
    resources,
    dims,
    capacity,
    free,
    taskCount: new Int32Array(nodes.length),
    isExclusive: new Uint8Array(nodes.length),
    busyUntil: new Float64Array(nodes.length),
    setCount: new Map(),
    hardSetCount: new Map(),
    balanceCount: new Map(),
    shape: shapeKeys(nodes, resources),
  };
  const sortedAllocations = [...input.allocations].sort((a, b) => compareIds(a.taskId, b.taskId));
  for (const allocation of sortedAllocations) {
    const j = nodeIndex.get(allocation.nodeId);
    if (j === undefined) continue;
    const request = resources.map((name) => allocation.request[name] ?? 0);
    const end =
      allocation.expectedDurationSeconds === undefined
        ? 0
        : allocation.startedAt + allocation.expectedDurationSeconds * 1000;
    occupy(state, j, request, allocation.constraints, end);
  }
  return state;
}

/** The nodes in id order; inventories usually arrive sorted already, and then are not sorted again. */
function sortedById(input: readonly ClusterNode[]): readonly ClusterNode[] {
  for (let j = 1; j < input.length; j++) {
    if (compareIds(input[j - 1]!.id, input[j]!.id) > 0)
      return [...input].sort((a, b) => compareIds(a.id, b.id));
  }
  return input;
}

/** Shape keys per node; nodes sharing their capacity and attribute objects share the key without rebuilding it. */
function shapeKeys(nodes: readonly ClusterNode[], resources: readonly string[]): string[] {
  const keys = new Array<string>(nodes.length);
  let last: ClusterNode | undefined;
  for (let j = 0; j < nodes.length; j++) {
    const node = nodes[j]!;
    keys[j] =
      last !== undefined &&
      last.capacity === node.capacity &&
      last.attributes === node.attributes &&
      last.nodeGroup === node.nodeGroup
        ? keys[j - 1]!
        : shapeKey(node, resources);
    last = node;
  }
  return keys;
}

/** Equal for nodes that are interchangeable while empty: same capacities, attributes and node group. */
function shapeKey(node: ClusterNode, resources: readonly string[]): string {
  let key = '';
  for (const name of resources) key += `${node.capacity[name] ?? 0},`;
  const names = Object.keys(node.attributes);
  if (names.length > 1) names.sort(compareIds);
  // JSON string literals keep the encoding unambiguous whatever the names and values contain.
  for (const name of names) key += `${JSON.stringify(name)}:${JSON.stringify(node.attributes[name])},`;
  return `${key}|${JSON.stringify(node.nodeGroup ?? '')}`;
}

/** Records a task on node `j`: resources, counts, constraint sets and expected end. */
export function occupy(
  state: ClusterState,
  j: number,
  request: ArrayLike<number>,
  constraints: readonly Constraint[],
  expectedEnd: number,
): void {
  account(state, j, request, constraints, 1);
  state.busyUntil[j] = Math.max(state.busyUntil[j]!, expectedEnd);
}

/**
 * Undoes `occupy` for a task taken off node `j` within the iteration. The node's expected end stays as it was:
 * a later end than needed only makes duration-aware placement more cautious.
 */
export function vacate(
  state: ClusterState,
  j: number,
  request: ArrayLike<number>,
  constraints: readonly Constraint[],
): void {
  account(state, j, request, constraints, -1);
}

/** Adds (`sign` 1) or removes (-1) one task's resources, count and constraint sets on node `j`. */
function account(
  state: ClusterState,
  j: number,
  request: ArrayLike<number>,
  constraints: readonly Constraint[],
  sign: 1 | -1,
): void {
  const { dims, free } = state;
  for (let d = 0; d < dims; d++) free[j * dims + d] = free[j * dims + d]! - sign * request[d]!;
  state.taskCount[j] = state.taskCount[j]! + sign;
  for (const constraint of constraints) {
    switch (constraint.kind) {
      case 'uniqueNode': {
        bump(state.setCount, constraint.set, state.nodes.length, j, sign);
        if (constraint.hard) bump(state.hardSetCount, constraint.set, state.nodes.length, j, sign);
        break;
      }
      case 'balance': {
        const value = state.nodes[j]!.attributes[constraint.key];
        if (value === undefined) break;
        const id = balanceKey(constraint.key, constraint.set);
        let counts = state.balanceCount.get(id);
        if (!counts) {
          counts = new Map();
          state.balanceCount.set(id, counts);
        }
        counts.set(value, (counts.get(value) ?? 0) + sign);
        break;
      }
      case 'exclusiveNode':
        // Only one task can hold an exclusive node, so removing it frees the node.
        if (constraint.hard) state.isExclusive[j] = sign > 0 ? 1 : 0;
        break;
      case 'attribute':
        break;
    }
  }
}

function bump(map: Map<string, Int32Array>, key: string, size: number, j: number, by: number): void {
  let counts = map.get(key);
  if (!counts) map.set(key, (counts = new Int32Array(size)));
  counts[j] = counts[j]! + by;
}
