/** A pending task in the placer's working form: its request as a dense vector over the cluster's resources. */
import type { Constraint } from '../../pipeline/schema.js';
import type { PendingTask } from './types.js';

export interface PreparedTask {
  readonly task: PendingTask;
  /** Position in the batch it was prepared from: the key for per-task arrays, without a Map lookup. */
  readonly index: number;
  readonly request: Float64Array;
  /** Resource indexes with a non-zero request. */
  readonly requested: readonly number[];
  readonly hard: readonly Constraint[];
  readonly soft: readonly Constraint[];
  /** Sum of the request normalised by the largest capacity of each resource: the packing order key. */
  readonly size: number;
}
