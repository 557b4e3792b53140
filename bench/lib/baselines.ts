/**
 * Reference packers the benchmarks compare against: first fit decreasing and best fit in arrival order
 * (Fenzo's way), on identical bins with several resources. Plain O(n·bins) implementations.
 */
const EPSILON = 1e-9;

function fits(load: Float64Array, item: readonly number[], capacity: readonly number[]): boolean {
  return item.every((v, d) => load[d]! + v <= capacity[d]! + EPSILON);
}

/** First fit decreasing, items ordered by the sum of their capacity-normalised sizes. */
export function firstFitDecreasing(
  items: readonly (readonly number[])[],
  capacity: readonly number[],
): number {
  const order = items
    .map((item, i) => ({ item, i, key: item.reduce((s, v, d) => s + v / capacity[d]!, 0) }))
    .sort((a, b) => b.key - a.key || a.i - b.i);
  const loads: Float64Array[] = [];
  for (const { item } of order) {
    let bin = loads.find((load) => fits(load, item, capacity));
    if (!bin) loads.push((bin = new Float64Array(capacity.length)));
    item.forEach((v, d) => (bin[d] = bin[d]! + v));
  }
  return loads.length;
}

/** Best fit in arrival order: the bin with the highest mean utilisation after placement (Fenzo cpu+mem packer). */
export function bestFitArrival(items: readonly (readonly number[])[], capacity: readonly number[]): number {
  const loads: Float64Array[] = [];
  for (const item of items) {
    let best: Float64Array | undefined;
    let bestScore = -1;
    for (const load of loads) {
      if (!fits(load, item, capacity)) continue;
      const score = item.reduce((s, v, d) => s + (load[d]! + v) / capacity[d]!, 0);
      if (score > bestScore + EPSILON) {
        bestScore = score;
        best = load;
      }
    }
    if (!best) loads.push((best = new Float64Array(capacity.length)));
    item.forEach((v, d) => (best[d] = best[d]! + v));
  }
  return loads.length;
}
