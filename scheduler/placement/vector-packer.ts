/**
 * Packs items with several resources into the fewest identical bins (nodes of one shape).
 * Guarantees: no bin is overfilled in any resource; deterministic for a given seed; stops as soon as the
 * bin count meets the lower bound (then the packing is provably optimal).
 * Method: for one resource, first the exact-fill search when the lower bound forces every bin to be full
 * (exact-fill.ts), then bin completion at the lower bound and MBS' (bin-completion.ts); for several resources,
 * best-fit decreasing (best-fit-decreasing.ts). Then the bin-elimination local search (bin-elimination.ts),
 * bounded by an iteration budget, an optional clock and an optional count of work shared by all the searches.
 */
import { bestFitDecreasing } from './best-fit-decreasing.js';
import { eliminateOneBin } from './bin-elimination.js';
import { lowerBoundBins } from './lower-bounds.js';
import { completeBins, fillBinsMinimumSlack } from './bin-completion.js';
import { addItem, compact, normalise, type SearchState } from './pack-state.js';
import { packExactFill } from './exact-fill.js';
import { createPrng } from './prng.js';
import type { SearchWork } from './search-work.js';

const DEFAULT_ITERATIONS = 20_000;
const MINIMUM_SLACK_NODE_BUDGET = 5_000;
const EXACT_NODE_BUDGET = 1_000_000;
const EXACT_FILL_NODE_BUDGET = 2_000;
const EXACT_FILL_ATTEMPTS = 200;
// Share of the remaining time the exact-fill search may take, so the fallback still has time when it fails.
const EXACT_FILL_TIME_SHARE = 0.8;

export interface VectorPackOptions {
  readonly seed?: number;
  /** Local-search iterations over the whole run; 0 disables the improvement phase. */
  readonly maxIterations?: number;
  /** Milliseconds from the caller's clock; with `deadline`, bounds the wall time of the search. */
  readonly clock?: () => number;
  readonly deadline?: number;
  /** A known lower bound; computed (L1/L2) when absent. */
  readonly lowerBound?: number;
  /** Work units every search of the run draws from (search-work.ts); unbounded when absent. */
  readonly work?: SearchWork;
}

export interface VectorPackResult {
  /** Bin index per item, bins numbered 0..bins-1. */
  readonly binOf: Int32Array;
  readonly bins: number;
  readonly lowerBound: number;
  readonly isProvenOptimal: boolean;
}

/** Best-fit decreasing followed by the bin-elimination search; `sizes` is item-major (`n × dims`). */
export function packIdenticalBins(
  sizes: Float64Array,
  capacity: Float64Array,
  options: VectorPackOptions = {},
): VectorPackResult {
  const dims = capacity.length;
  const n = dims === 0 ? 0 : sizes.length / dims;
  const lowerBound = options.lowerBound ?? lowerBoundBins(sizes, capacity);
  const state = normalise(sizes, capacity);
  const order = Array.from({ length: n }, (_, i) => i).sort(
    (a, b) => state.weight[b]! - state.weight[a]! || a - b,
  );
  if (dims === 1) {
    // When the lower bound forces every bin to be exactly full, the exact-fill search first.
    const { clock, deadline, work } = options;
    const exactDeadline =
      clock && deadline !== undefined ? clock() + (deadline - clock()) * EXACT_FILL_TIME_SHARE : undefined;
    const exactFill = packExactFill(sizes, capacity[0]!, lowerBound, {
      nodeBudget: EXACT_FILL_NODE_BUDGET,
      attempts: EXACT_FILL_ATTEMPTS,
      seed: options.seed ?? 1,
      // Asked before each attempt: charges the attempt's whole node budget up front.
      isOutOfTime: () =>
        (clock !== undefined && exactDeadline !== undefined && clock() > exactDeadline) ||
        (work !== undefined && !work.spend(EXACT_FILL_NODE_BUDGET)),
    });
    if (exactFill !== undefined) {
      for (let b = 0; b < lowerBound; b++) {
        state.bins.push([]);
        state.load.push([0]);
      }
      for (let i = 0; i < n; i++) addItem(state, exactFill[i]!, i);
      return finish(state, n, lowerBound, options);
    }
    // Then an exact attempt at the lower bound; when it runs out of budget, MBS' then local search.
    const isPastDeadline = (): boolean => clock !== undefined && deadline !== undefined && clock() > deadline;
    const exact = completeBins(state, order, lowerBound, EXACT_NODE_BUDGET, isPastDeadline, work);
    if (exact !== undefined) {
      exact.forEach((items, b) => {
        state.bins.push([]);
        state.load.push([0]);
        for (const item of items) addItem(state, b, item);
      });
      return finish(state, n, lowerBound, options);
    }
    fillBinsMinimumSlack(state, order, MINIMUM_SLACK_NODE_BUDGET, work);
    return finish(state, n, lowerBound, options);
  }
  const packed = bestFitDecreasing(state.size, state.weight, dims, order);
  if (packed.bins <= lowerBound || (options.maxIterations ?? DEFAULT_ITERATIONS) === 0) {
    // Nothing to search: skip building the per-bin lists the search works on.
    return { binOf: packed.binOf, bins: packed.bins, lowerBound, isProvenOptimal: packed.bins <= lowerBound };
  }
  for (let b = 0; b < packed.bins; b++) {
    state.bins.push([]);
    state.load.push(Array.from(packed.load.subarray(b * dims, (b + 1) * dims)));
  }
  for (const item of order) state.bins[packed.binOf[item]!]!.push(item);
  return finish(state, n, lowerBound, options);
}

/** Improves an existing packing (`binOf`, bins 0..bins-1) with the bin-elimination search. */
export function reduceBins(
  sizes: Float64Array,
  capacity: Float64Array,
  binOf: Int32Array,
  options: VectorPackOptions = {},
): VectorPackResult {
  const dims = capacity.length;
  const n = dims === 0 ? 0 : sizes.length / dims;
  const lowerBound = options.lowerBound ?? lowerBoundBins(sizes, capacity);
  const state = normalise(sizes, capacity);
  for (let i = 0; i < n; i++) {
    const b = binOf[i]!;
    while (state.bins.length <= b) {
      state.bins.push([]);
      state.load.push(new Array<number>(dims).fill(0));
    }
    addItem(state, b, i);
  }
  compact(state);
  return finish(state, n, lowerBound, options);
}

function finish(
  state: SearchState,
  n: number,
  lowerBound: number,
  options: VectorPackOptions,
): VectorPackResult {
  let budget = options.maxIterations ?? DEFAULT_ITERATIONS;
  const random = createPrng(options.seed ?? 1);
  const isOutOfTime = (): boolean =>
    options.clock !== undefined && options.deadline !== undefined && options.clock() > options.deadline;
  const { work } = options;
  while (state.bins.length > lowerBound && budget > 0 && !isOutOfTime() && !(work?.isExhausted() ?? false)) {
    const spent = eliminateOneBin(state, budget, random, isOutOfTime, work);
    if (spent < 0) break;
    budget -= spent;
  }
  const binOf = new Int32Array(n);
  for (let b = 0; b < state.bins.length; b++) {
    const items = state.bins[b]!;
    for (let k = 0; k < items.length; k++) binOf[items[k]!] = b;
  }
  return { binOf, bins: state.bins.length, lowerBound, isProvenOptimal: state.bins.length <= lowerBound };
}
