/**
 * Lower bounds on the number of identical bins, used to stop the packer once it is provably optimal.
 * L1 is the volume bound; L2 is Martello and Toth's bound (Discrete Applied Mathematics 28, 1990), O(n log n).
 * For several resources the largest per-resource bound is valid, since each resource alone is a 1-D problem.
 * O(n log n + min(n, 64)·n).
 */
const EPSILON = 1e-9;
const MAX_THRESHOLDS = 64;

/** Martello–Toth L2 for one resource: sizes and capacity in the same unit. */
export function lowerBoundL2(sizes: ArrayLike<number>, capacity: number): number {
  const items = Array.from(sizes, (s) => s)
    .filter((s) => s > EPSILON)
    .sort((a, b) => b - a);
  if (items.length === 0) return 0;
  const total = items.reduce((sum, s) => sum + s, 0);
  let best = Math.ceil(total / capacity - EPSILON);
  const half = capacity / 2;
  // Candidate thresholds k: every distinct size up to half the capacity, plus 0.
  // Every distinct size up to C/2 is a candidate threshold; past MAX_THRESHOLDS an even sample keeps this
  // O(n log n + 64·n) on large inputs (still a valid bound, maybe a weaker one).
  const distinct = [...new Set(items.filter((s) => s <= half + EPSILON))];
  const stride = Math.max(1, Math.ceil(distinct.length / MAX_THRESHOLDS));
  const thresholds = [0, ...distinct.filter((_, i) => i % stride === 0)];
  for (const k of thresholds) {
    let large = 0; // size > C - k: alone in its bin
    let medium = 0; // C/2 < size <= C - k
    let mediumSum = 0;
    let mediumSlack = 0;
    let smallSum = 0; // k <= size <= C/2
    for (const s of items) {
      if (s > capacity - k + EPSILON) large += 1;
      else if (s > half + EPSILON) {
        medium += 1;
        mediumSum += s;
      } else if (s >= k - EPSILON) smallSum += s;
    }
    mediumSlack = medium * capacity - mediumSum;
    const overflow = Math.max(0, Math.ceil((smallSum - mediumSlack) / capacity - EPSILON));
    best = Math.max(best, large + medium + overflow);
  }
  return best;
}

/** Best lower bound over all resources; `sizes` is item-major (`n × dims`), `capacity` one value per resource. */
export function lowerBoundBins(sizes: Float64Array, capacity: Float64Array): number {
  const dims = capacity.length;
  const n = dims === 0 ? 0 : sizes.length / dims;
  let best = 0;
  for (let d = 0; d < dims; d++) {
    const column = new Float64Array(n);
    for (let i = 0; i < n; i++) column[i] = sizes[i * dims + d]!;
    best = Math.max(best, lowerBoundL2(column, capacity[d]!));
  }
  return best;
}
