/**
 * The scheduler's contract with the cluster service. Everything here is plain data so a decision can be
 * logged, replayed and tested without Temporal or Docker.
 */
import type { Constraint, Tier } from '../pipeline/schema.js';

/** Amounts by resource name: `cpu` (cores), `memoryMiB`, `gpu`, `diskMiB`, `networkMbps`, or any named scalar. */
export type ResourceVector = Readonly<Record<string, number>>;

export interface ClusterNode {
  readonly id: string;
  readonly capacity: ResourceVector;
  readonly attributes: Readonly<Record<string, string>>;
  /** Autoscaling group the node belongs to; nodes of a group share a shape. */
  readonly nodeGroup?: string;
}

/** Eru-style CPU pinning: whole exclusive cores plus a share of one fragment core. */
export interface CpuAssignment {
  readonly exclusiveCores: readonly number[];
  readonly fragment?: { readonly core: number; readonly share: number };
}

/** A task that holds resources on a node. */
export interface Allocation {
  readonly taskId: string;
  readonly nodeId: string;
  readonly request: ResourceVector;
  readonly constraints: readonly Constraint[];
  readonly group?: string;
  readonly tier: Tier;
  readonly startedAt: number;
  readonly expectedDurationSeconds?: number;
  readonly cpuset?: CpuAssignment;
}

export interface PendingTask {
  readonly id: string;
  readonly request: ResourceVector;
  readonly constraints: readonly Constraint[];
  readonly group?: string;
  readonly tier: Tier;
  readonly enqueuedAt: number;
  readonly expectedDurationSeconds?: number;
}

export interface ScheduleInput {
  readonly nodes: readonly ClusterNode[];
  readonly allocations: readonly Allocation[];
  readonly pending: readonly PendingTask[];
  /** Milliseconds since the epoch, from the caller's deterministic clock. */
  readonly now: number;
}

export type TaskDecision =
  | { readonly kind: 'placed'; readonly taskId: string; readonly nodeId: string; readonly cpuset?: CpuAssignment }
  | {
      readonly kind: 'unplaced';
      readonly taskId: string;
      readonly reason: string;
      /** True when no node could ever hold the task, even empty: the caller should reject it, not queue it. */
      readonly isImpossible: boolean;
    };

export interface Preemption {
  readonly kind: 'preempt';
  readonly forTaskId: string;
  readonly nodeId: string;
  readonly victims: readonly string[];
}

export interface ScheduleResult {
  /** One decision per pending task, in the order of `input.pending`. */
  readonly decisions: readonly TaskDecision[];
  readonly preemptions: readonly Preemption[];
}
