/**
 * The offline packer behind `npm run pack`: a caller that waits for its whole time budget gets the best of
 * several starting packings, then the bin-elimination search until the budget runs out or the packing meets
 * the lower bound. One resource goes to packIdenticalBins, whose exact-fill and bin-completion searches are
 * already what that case needs.
 * Starting packings (several resources): the bin-centric residual-norm greedy (residual-fill.ts), best fit
 * decreasing and the caller's own packing. The search from each is path-dependent, so each gets a short run
 * and the best result is then searched again under fresh seeds (restarts) until the budget is spent.
 * Guarantees: never more bins than the caller's packing, no bin overfilled, deterministic for a seed up to
 * where the clock stops the search. The long-lived cluster service never uses it (ARCHITECTURE.md, "Layers"):
 * a decision that depends on a clock would not replay.
 * Cost: O(n · k · R · 512) for the residual-norm start (k items per bin), O(n log n) for best fit decreasing,
 * then the search until the deadline.
 */
import { bestFitDecreasing } from './best-fit-decreasing.js';
import { lowerBoundBins } from './lower-bounds.js';
import { normalise } from './pack-state.js';
import { fillByResidualNorm } from './residual-fill.js';
import { packIdenticalBins, reduceBins, type VectorPackResult } from './vector-packer.js';

export interface OfflinePackOptions {
  readonly seed: number;
  readonly maxIterations: number;
  readonly clock: () => number;
  readonly deadline: number;
}

/** `current[i]` is item i's bin (0..bins-1) in the caller's packing; `sizes` is item-major (`n × dims`). */
export function packOffline(
  sizes: Float64Array,
  capacity: Float64Array,
  current: Int32Array,
  options: OfflinePackOptions,
): VectorPackResult {
  const dims = capacity.length;
  const lowerBound = lowerBoundBins(sizes, capacity);
  const search = { ...options, lowerBound };
  if (dims === 1) {
    const packed = packIdenticalBins(sizes, capacity, search);
    const own = reduceBins(sizes, capacity, current, { ...search, maxIterations: 0 });
    return packed.bins <= own.bins ? packed : own;
  }
  const state = normalise(sizes, capacity);
  const order = Array.from({ length: state.weight.length }, (_, i) => i).sort(
    (a, b) => state.weight[b]! - state.weight[a]! || a - b,
  );
  const { clock, deadline } = options;
  const isOutOfTime = (): boolean => clock() > deadline;
  // The caller's own packing runs first, so the result is never worse than it even when time runs out.
  const starts: Int32Array[] = [bestFitDecreasing(state.size, state.weight, dims, order).binOf];
  const residual = fillByResidualNorm(state.size, state.weight, dims, isOutOfTime);
  if (residual) starts.unshift(residual.binOf);
  // The search is path-dependent: each start gets a short run first (half the budget between them), then the
  // best packing so far is searched again under fresh seeds, each run taking half of what is left.
  const firstShare = Math.max(0, deadline - clock()) / (2 * (starts.length + 1));
  const runFrom = (start: Int32Array, seed: number, until: number): VectorPackResult =>
    reduceBins(sizes, capacity, start, { ...search, seed, deadline: Math.min(deadline, until) });
  let best = runFrom(current, options.seed, clock() + firstShare);
  for (const [k, start] of starts.entries()) {
    if (best.isProvenOptimal) return best;
    const run = runFrom(start, options.seed + k + 1, clock() + firstShare);
    if (run.bins < best.bins) best = run;
  }
  for (let round = starts.length + 1; !best.isProvenOptimal && !isOutOfTime(); round++) {
    const run = runFrom(best.binOf, options.seed + round, clock() + Math.max(1, (deadline - clock()) / 2));
    if (run.bins <= best.bins) best = run;
  }
  return best;
}
