/**
 * Explains why a task stayed unplaced, in terms a person can act on, and whether it can never be placed
 * (no node could hold it even empty). O(N·R) per unplaced task.
 */
import { EPSILON, type ClusterState } from './cluster-state.js';
import { describeConstraint, isStatic, satisfies, type ConstraintContext } from './constraints.js';
import { coresSpanned, splitCpu, type CpuLedger } from './cpu-pinning.js';
import type { PreparedTask } from './placement.js';

export interface UnplacedReason {
  readonly reason: string;
  readonly isImpossible: boolean;
}

function amount(value: number): string {
  return String(Math.round(value * 100) / 100);
}

export function explainUnplaced(
  state: ClusterState,
  context: ConstraintContext,
  task: PreparedTask,
  ledger?: CpuLedger,
): UnplacedReason {
  const { dims, capacity, free, resources, nodes } = state;
  const staticHard = task.hard.filter(isStatic);
  const prefix = staticHard.length > 0 ? `${staticHard.map(describeConstraint).join(', ')}: ` : '';
  const eligible: number[] = [];
  for (let j = 0; j < nodes.length; j++) {
    if (staticHard.every((c) => satisfies(state, context, j, c))) eligible.push(j);
  }
  if (eligible.length === 0) {
    return { isImpossible: true, reason: `${prefix}no node matches` };
  }
  const holds = (j: number, vector: Float64Array): boolean => {
    for (let k = 0; k < task.requested.length; k++) {
      const d = task.requested[k]!;
      if (task.request[d]! > vector[j * dims + d]! + EPSILON) return false;
    }
    return true;
  };
  const largest = (vector: Float64Array, among: readonly number[], d: number): number =>
    among.reduce((max, j) => Math.max(max, vector[j * dims + d]!), 0);
  const large = eligible.filter((j) => holds(j, capacity));
  if (large.length === 0) {
    for (let k = 0; k < task.requested.length; k++) {
      const d = task.requested[k]!;
      const most = largest(capacity, eligible, d);
      if (task.request[d]! > most + EPSILON) {
        return {
          isImpossible: true,
          reason: `${prefix}needs ${amount(task.request[d]!)} ${resources[d]!}, the largest node has ${amount(most)}`,
        };
      }
    }
    return { isImpossible: true, reason: `${prefix}no single node has ${needs(task, resources)} at once` };
  }
  const cpu = task.request[0]!;
  if (ledger && cpu > 0 && large.every((j) => ledger.coreCount(j) < coresSpanned(cpu))) {
    const most = large.reduce((max, j) => Math.max(max, ledger.coreCount(j)), 0);
    return {
      isImpossible: true,
      reason: `${prefix}cpu pinning: ${amount(cpu)} cpu spans ${coresSpanned(cpu)} cores, the largest node that fits has ${most}`,
    };
  }
  const roomy = large.filter((j) => holds(j, free));
  if (roomy.length === 0) {
    for (let k = 0; k < task.requested.length; k++) {
      const d = task.requested[k]!;
      const most = largest(free, large, d);
      if (task.request[d]! > most + EPSILON) {
        return {
          isImpossible: false,
          reason: `${prefix}no node with ${amount(task.request[d]!)} free ${resources[d]!} (the most free is ${amount(most)}); waiting for capacity`,
        };
      }
    }
    return {
      isImpossible: false,
      reason: `${prefix}no node has ${needs(task, resources)} free at once; waiting for capacity`,
    };
  }
  const unheld = roomy.filter((j) => state.isExclusive[j] === 0);
  if (unheld.length === 0) {
    return {
      isImpossible: false,
      reason: `${prefix}the nodes with room are held by exclusiveNode tasks; waiting`,
    };
  }
  const open = ledger ? unheld.filter((j) => ledger.canPin(j, cpu)) : unheld;
  if (open.length === 0) {
    const most = unheld.reduce((max, j) => Math.max(max, ledger!.freeCores(j)), 0);
    const { whole, share } = splitCpu(cpu);
    const wanted = `${whole} free whole core(s)${share > 0 ? ` plus room for a ${amount(share)} share` : ''}`;
    return {
      isImpossible: false,
      reason: `${prefix}cpu pinning: none of the ${unheld.length} node(s) with room has ${wanted} (the most free whole cores is ${most}); waiting`,
    };
  }
  for (const constraint of task.hard.filter((c) => !isStatic(c))) {
    if (!open.some((j) => satisfies(state, context, j, constraint))) {
      return {
        isImpossible: false,
        reason: `${describeConstraint(constraint)}: ${dynamicDetail(constraint.kind)} among the ${open.length} node(s) with room; waiting`,
      };
    }
  }
  return {
    isImpossible: false,
    reason: `${prefix}no node with room satisfies all of ${task.hard.map(describeConstraint).join(', ')} at once; waiting`,
  };
}

function needs(task: PreparedTask, resources: readonly string[]): string {
  return Array.from(task.requested, (d) => `${amount(task.request[d]!)} ${resources[d]!}`).join(' and ');
}

function dynamicDetail(kind: 'uniqueNode' | 'balance' | 'exclusiveNode' | 'attribute'): string {
  switch (kind) {
    case 'uniqueNode':
      return 'every node already runs a task of the set';
    case 'balance':
      return 'every value already holds its even share of the set';
    case 'exclusiveNode':
      return 'no empty node';
    case 'attribute':
      return 'no node matches';
  }
}
