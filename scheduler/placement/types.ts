/**
 * The scheduler's contract with the cluster service. Everything here is plain data so a decision can be
 * logged, replayed and tested without Temporal or Docker.
 */
import type { ResourceVector } from '../../common/resources.js';
import type { ScheduleOptions } from '../../common/schedule-options.js';
import type { Constraint, Tier } from '../../pipeline/schema.js';

export type { ResourceVector } from '../../common/resources.js';
export {
  SCORERS,
  type CapacityGroup,
  type NodeGroupSpec,
  type ScheduleOptions,
  type ScorerName,
} from '../../common/schedule-options.js';

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
  /** GPU device ids pinned to the task (see gpu-pinning.ts). */
  readonly gpus?: readonly string[];
  /**
   * Set while the allocation is being evicted for this pending task: it still holds its resources until its
   * run lets go, and is never chosen as a victim again.
   */
  readonly evictingFor?: string;
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
  readonly options?: ScheduleOptions;
}

export interface ScaleUpAdvice {
  readonly nodeGroup: string;
  readonly count: number;
  readonly capacity: ResourceVector;
  /** Tasks the new nodes would place. */
  readonly taskIds: readonly string[];
}

export interface ScaleDownAdvice {
  readonly nodeGroup: string;
  readonly nodeIds: readonly string[];
}

export interface ScalingAdvice {
  readonly scaleUp: readonly ScaleUpAdvice[];
  readonly scaleDown: readonly ScaleDownAdvice[];
}

export type TaskDecision =
  | {
      readonly kind: 'placed';
      readonly taskId: string;
      readonly nodeId: string;
      readonly cpuset?: CpuAssignment;
    }
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
  /** Present when `options.nodeGroups` is given. */
  readonly scaling?: ScalingAdvice;
  /** Work units the improvement phase spent; present when `options.maxSearchWork` is given. */
  readonly searchWork?: number;
}
