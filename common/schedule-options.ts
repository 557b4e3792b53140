/**
 * The scheduler's options as a cluster spec carries them (`scheduling:`): shared by the cluster model in
 * common/ and the placement room, which reads them.
 */
import type { ResourceVector } from './resources.js';
import type { OnWindowClose, WindowSpec } from './window-spec.js';

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
  /** Off-peak windows: the group's flex tasks start only inside one (see window-spec.ts). */
  readonly windows?: readonly WindowSpec[];
  /** Default `finish`. */
  readonly onWindowClose?: OnWindowClose;
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
  /**
   * Improvement phase that re-packs the nodes opened in this iteration; `false` disables it. `mode: 'offline'`
   * (for a caller that waits for its whole budget, such as `npm run pack`; needs `clock`) searches from the best
   * of several starting packings until the budget runs out; the default, `service`, is bounded by iterations
   * and is what the cluster service runs.
   */
  readonly optimize?:
    | false
    | {
        readonly maxIterations?: number;
        readonly seed?: number;
        readonly budgetMillis?: number;
        readonly mode?: 'service' | 'offline';
      };
  /**
   * Work units (search nodes and candidate checks, under a microsecond each) the improvement phase may spend in
   * all, in service mode; then it keeps the best packing found so far. A count, never time, so decisions
   * replay. Default unbounded (only the iteration bound applies).
   */
  readonly maxSearchWork?: number;
  readonly groups?: Readonly<Record<string, CapacityGroup>>;
  /** Eru-style pinning: placed tasks get a cpuset (whole cores plus a fragment share). */
  readonly cpuPinning?: boolean;
  readonly nodeGroups?: readonly NodeGroupSpec[];
  /** Since when (ms) each idle node has been idle, for the scale-down cooldown. */
  readonly idleSince?: Readonly<Record<string, number>>;
  /** A task waiting longer than this gets a node reserved for it so smaller tasks cannot starve it (default 300). */
  readonly starvationSeconds?: number;
}
