/**
 * The scheduler's contract with the cluster service. Everything here is plain data so a decision can be
 * logged, replayed and tested without Temporal or Docker.
 */
import type { Constraint, Tier } from '../../pipeline/schema.js';

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

/** Fitness functions; each scores a node for a task in [0, 1], higher is better. */
export const SCORERS = [
  'cpuBinPacking',
  'memoryBinPacking',
  'binPacking',
  'dominantResource',
  'spread',
  'stranding',
] as const;
export type ScorerName = (typeof SCORERS)[number];

export interface CapacityGroup {
  /** Resources the group may always use within its tier; below it, the group is served first. */
  readonly guaranteed?: ResourceVector;
}

/** An autoscaling group: nodes of one shape that can be added or released. */
export interface NodeGroupSpec {
  readonly name: string;
  readonly capacity: ResourceVector;
  readonly attributes?: Readonly<Record<string, string>>;
  readonly minSize: number;
  readonly maxSize: number;
  /** Idle nodes to keep warm; idle nodes beyond it may be released. */
  readonly minIdle?: number;
  /** Idle nodes above which scaling down is advised at all (default: minIdle). */
  readonly maxIdle?: number;
  /** A node must have been idle this long before it is released. */
  readonly cooldownSeconds?: number;
}

export interface ScheduleOptions {
  /** Scorer weights; default `{ binPacking: 1, stranding: 0.25 }`. */
  readonly scorers?: Partial<Record<ScorerName, number>>;
  /** Subtracted from the score once per violated soft constraint (default 0.5). */
  readonly softConstraintPenalty?: number;
  /** Non-empty nodes scored per task before the best of them is taken (default 32); Infinity scores all. */
  readonly maxCandidates?: number;
  /** Stop looking at further nodes once one scores at least this (default 1: only a perfect fit). */
  readonly goodEnoughScore?: number;
  /** Weight of keeping long and short tasks apart (default 0.1); needs `expectedDurationSeconds`. */
  readonly durationWeight?: number;
  /** Caller's clock in milliseconds and a budget for one iteration; without a clock the budget is not checked. */
  readonly clock?: () => number;
  readonly timeBudgetMillis?: number;
  /** Improvement phase that re-packs the nodes opened in this iteration; `false` disables it. */
  readonly optimize?:
    false | { readonly maxIterations?: number; readonly seed?: number; readonly budgetMillis?: number };
  readonly groups?: Readonly<Record<string, CapacityGroup>>;
  /** Eru-style pinning: placed tasks get a cpuset (whole cores plus a fragment share). */
  readonly cpuPinning?: boolean;
  readonly nodeGroups?: readonly NodeGroupSpec[];
  /** Since when (ms) each idle node has been idle, for the scale-down cooldown. */
  readonly idleSince?: Readonly<Record<string, number>>;
  /** A task waiting longer than this gets a node reserved for it so smaller tasks cannot starve it (default 300). */
  readonly starvationSeconds?: number;
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
}
