/**
 * Planning a foreach fan-out as child-workflow slices, so that no workflow history or payload grows with
 * the item count beyond one slice: items [0, n) are cut into consecutive slices of `sliceSize`; at most
 * `openLimit` slices run at once, each running at most `parallelPerSlice` items at once.
 *
 * Guarantees: openLimit × parallelPerSlice ≤ maxParallel when set; it opens the fewest slices that can
 * reach maxParallel (fewer child workflows, less history) and makes each as wide as the cap then allows,
 * e.g. maxParallel 250 with slices of 100 → 3 open slices × 83 items. Without a cap: maxOpenSlices × a
 * full slice. O(n / sliceSize).
 */
import { InvalidSlicePlanError } from './errors.js';

export interface ForeachSlice {
  readonly index: number;
  /** First item index, inclusive. */
  readonly from: number;
  /** Last item index, exclusive. */
  readonly to: number;
}

export interface SlicePlan {
  readonly slices: readonly ForeachSlice[];
  /** Slices running at once, at most. */
  readonly openLimit: number;
  /** Items running at once within one slice, at most. */
  readonly parallelPerSlice: number;
}

export interface SliceLimits {
  readonly sliceSize?: number;
  readonly maxOpenSlices?: number;
}

export const DEFAULT_SLICE_SIZE = 100;
export const DEFAULT_MAX_OPEN_SLICES = 10;

export function planSlices(
  itemCount: number,
  maxParallel: number | undefined,
  { sliceSize = DEFAULT_SLICE_SIZE, maxOpenSlices = DEFAULT_MAX_OPEN_SLICES }: SliceLimits = {},
): SlicePlan {
  requireInteger('itemCount', itemCount, 0);
  if (maxParallel !== undefined) requireInteger('maxParallel', maxParallel, 1);
  requireInteger('sliceSize', sliceSize, 1);
  requireInteger('maxOpenSlices', maxOpenSlices, 1);
  if (itemCount === 0) return { slices: [], openLimit: 0, parallelPerSlice: 0 };

  const slices: ForeachSlice[] = [];
  for (let from = 0; from < itemCount; from += sliceSize) {
    slices.push({ index: slices.length, from, to: Math.min(from + sliceSize, itemCount) });
  }
  const widest = Math.min(sliceSize, itemCount);
  const maxOpen = Math.min(maxOpenSlices, slices.length);
  if (maxParallel === undefined) return { slices, openLimit: maxOpen, parallelPerSlice: widest };
  const openLimit = Math.min(maxOpen, Math.ceil(maxParallel / widest));
  return { slices, openLimit, parallelPerSlice: Math.min(widest, Math.floor(maxParallel / openLimit)) };
}

/** The id of one foreach item's unit, `train[3]`; unambiguous because task ids cannot contain brackets. */
export function itemTaskId(taskId: string, index: number): string {
  return `${taskId}[${index}]`;
}

const ITEM_TASK_ID = /^(.+)\[(0|[1-9][0-9]*)\]$/;

/** The inverse of itemTaskId; undefined for an id that is not an item's. */
export function parseItemTaskId(id: string): { readonly taskId: string; readonly index: number } | undefined {
  const match = ITEM_TASK_ID.exec(id);
  if (match === null) return undefined;
  const index = Number(match[2]);
  return Number.isSafeInteger(index) ? { taskId: match[1] ?? '', index } : undefined;
}

function requireInteger(field: string, value: number, min: number): void {
  if (!Number.isSafeInteger(value) || value < min)
    throw new InvalidSlicePlanError(
      field,
      value,
      min === 0 ? 'a non-negative integer' : 'a positive integer',
    );
}
