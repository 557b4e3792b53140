/**
 * Lower bounds on the number of identical bins, used to stop the packer once it is provably optimal.
 * L1 is the volume bound; L2 is Martello and Toth's bound (Discrete Applied Mathematics 28, 1990), evaluated
 * at every distinct size up to half the capacity with prefix sums and binary search: O(n log n).
 * For several resources the largest per-resource bound is valid, since each resource alone is a 1-D problem.
 */
import { EPSILON } from '../../common/epsilon.js';

/** Martello–Toth L2 for one resource: sizes and capacity in the same unit. */
export function lowerBoundL2(sizes: ArrayLike<number>, capacity: number): number {
  let count = 0;
  for (let i = 0; i < sizes.length; i++) if (sizes[i]! > EPSILON) count += 1;
  if (count === 0) return 0;
  const items = new Float64Array(count);
  count = 0;
  for (let i = 0; i < sizes.length; i++) if (sizes[i]! > EPSILON) items[count++] = sizes[i]!;
  items.sort(); // ascending
  const n = items.length;
  const prefix = new Float64Array(n + 1);
  for (let i = 0; i < n; i++) prefix[i + 1] = prefix[i]! + items[i]!;
  // First index whose size is > x (sizes ascending).
  const firstAbove = (x: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (items[mid]! > x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  // First index whose size is >= x.
  const atLeast = (x: number): number => {
    let lo = 0;
    let hi = n;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (items[mid]! >= x) hi = mid;
      else lo = mid + 1;
    }
    return lo;
  };
  let best = Math.ceil(prefix[n]! / capacity - EPSILON);
  const half = capacity / 2;
  const aboveHalf = firstAbove(half + EPSILON);
  const considerThreshold = (k: number): void => {
    const aboveLarge = firstAbove(capacity - k + EPSILON); // size > C - k: alone in its bin
    const large = n - aboveLarge;
    const medium = Math.max(0, aboveLarge - aboveHalf); // C/2 < size <= C - k
    const mediumSum = medium > 0 ? prefix[aboveLarge]! - prefix[aboveHalf]! : 0;
    const smallStart = atLeast(k - EPSILON); // k <= size <= C/2
    const smallSum = smallStart < aboveHalf ? prefix[aboveHalf]! - prefix[smallStart]! : 0;
    const overflow = Math.max(
      0,
      Math.ceil((smallSum - (medium * capacity - mediumSum)) / capacity - EPSILON),
    );
    best = Math.max(best, large + medium + overflow);
  };
  considerThreshold(0);
  for (let i = 0; i < aboveHalf; i++) {
    if (i > 0 && items[i] === items[i - 1]) continue;
    considerThreshold(items[i]!);
  }
  return best;
}

/** Best lower bound over all resources; `sizes` is item-major (`n × dims`), `capacity` one value per resource. */
export function lowerBoundBins(sizes: Float64Array, capacity: Float64Array): number {
  const dims = capacity.length;
  const n = dims === 0 ? 0 : sizes.length / dims;
  let best = 0;
  const column = new Float64Array(n);
  for (let d = 0; d < dims; d++) {
    for (let i = 0; i < n; i++) column[i] = sizes[i * dims + d]!;
    best = Math.max(best, lowerBoundL2(column, capacity[d]!));
  }
  return best;
}
