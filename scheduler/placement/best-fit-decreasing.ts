/**
 * Best fit decreasing on flat arrays, the hot loop of large batches: each item, in the given order, goes to the
 * open bin left with the least total slack that holds it in every resource (the lowest bin among equal
 * slacks), or opens a new bin. Open bins are kept sorted by (slack, bin), so an item only visits the bins with
 * enough total room, tightest first, and stops at the first that fits: O(n · (log B + V + B)) where V is the
 * visited bins and the B term is a block move of the sorted arrays, instead of O(n · B · R) for a full scan.
 * Sizes are normalised (every bin has capacity 1 in each resource). Pure and deterministic.
 */
import { EPSILON } from './pack-state.js';

export interface FlatPacking {
  /** Bin per item, bins numbered 0..bins-1 in the order they were opened. */
  readonly binOf: Int32Array;
  readonly bins: number;
  /** Load per bin and resource (`bins × dims`, row-major); rows past `bins` are unused. */
  readonly load: Float64Array;
}

export function bestFitDecreasing(
  size: Float64Array,
  weight: Float64Array,
  dims: number,
  order: readonly number[],
): FlatPacking {
  const n = order.length;
  const load = new Float64Array(n * dims);
  const slack = new Float64Array(n);
  const binOf = new Int32Array(n);
  const sortedBin = new Int32Array(n);
  let bins = 0;
  // First position whose (slack, bin) is not below (s, b).
  const positionOf = (s: number, b: number, hi: number): number => {
    let lo = 0;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      const other = sortedBin[mid]!;
      if (slack[other]! < s || (slack[other] === s && other < b)) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  };
  for (let o = 0; o < n; o++) {
    const item = order[o]!;
    const need = weight[item]!;
    let best = -1;
    let at = positionOf(need - EPSILON * dims, -1, bins);
    for (; at < bins; at++) {
      const b = sortedBin[at]!;
      let isFit = true;
      for (let d = 0; d < dims; d++) {
        if (load[b * dims + d]! + size[item * dims + d]! > 1 + EPSILON) {
          isFit = false;
          break;
        }
      }
      if (isFit) {
        best = b;
        break;
      }
    }
    if (best < 0) {
      best = bins;
      slack[best] = dims;
      at = bins;
      sortedBin[at] = best;
      bins += 1;
    }
    for (let d = 0; d < dims; d++) load[best * dims + d] = load[best * dims + d]! + size[item * dims + d]!;
    slack[best] = slack[best]! - need;
    binOf[item] = best;
    // The bin's slack shrank: move it down to its new place.
    const to = positionOf(slack[best]!, best, at);
    if (to < at) {
      sortedBin.copyWithin(to + 1, to, at);
      sortedBin[to] = best;
    }
  }
  return { binOf, bins, load };
}
