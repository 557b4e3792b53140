/**
 * Packs items with several resources into the fewest identical bins (nodes of one shape).
 * Guarantees: no bin is overfilled in any resource; deterministic for a given seed; stops as soon as the
 * bin count meets the lower bound (then the packing is provably optimal).
 * Method: for one resource, first the exact-fill search when the lower bound forces every bin to be full
 * (exact-fill.ts), then bin completion at the lower bound and MBS' (bin-completion.ts); for several resources,
 * best-fit decreasing over bins sorted by slack. Then a bin-elimination local search in the spirit of
 * consistent neighbourhood search (Buljubašić and Vasquez, Computers & Operations Research 76, 2016): empty
 * the lightest bin into a pool, then swap up to two pool items against up to two bin items whenever that shrinks the pool, with a
 * tabu kick when stuck. Each iteration is O(bins · k² · p²) for k items per bin and p pool items; the search
 * is bounded by an iteration budget and an optional clock.
 */
import { lowerBoundBins } from './lower-bounds.js';
import { completeBins, fillBinsMinimumSlack, repackNeighbourhood } from './bin-completion.js';
import {
  EPSILON,
  addItem,
  compact,
  fitsIn,
  normalise,
  removeItem,
  residual,
  type SearchState,
} from './pack-state.js';
import { packExactFill } from './exact-fill.js';
import { createPrng } from './prng.js';

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
    const { clock, deadline } = options;
    const exactDeadline =
      clock && deadline !== undefined ? clock() + (deadline - clock()) * EXACT_FILL_TIME_SHARE : undefined;
    const exactFill = packExactFill(sizes, capacity[0]!, lowerBound, {
      nodeBudget: EXACT_FILL_NODE_BUDGET,
      attempts: EXACT_FILL_ATTEMPTS,
      seed: options.seed ?? 1,
      isOutOfTime: () => clock !== undefined && exactDeadline !== undefined && clock() > exactDeadline,
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
    const exact = completeBins(state, order, lowerBound, EXACT_NODE_BUDGET);
    if (exact !== undefined) {
      exact.forEach((items, b) => {
        state.bins.push([]);
        state.load.push([0]);
        for (const item of items) addItem(state, b, item);
      });
      return finish(state, n, lowerBound, options);
    }
    fillBinsMinimumSlack(state, order, MINIMUM_SLACK_NODE_BUDGET);
    return finish(state, n, lowerBound, options);
  }
  bestFitDecreasing(state, order);
  return finish(state, n, lowerBound, options);
}

/**
 * Best fit, items in the given order, on flat arrays (the hot loop of large batches): the bin left with the
 * least total slack wins, the lowest bin among equal slacks. Open bins are kept sorted by (slack, bin), so an
 * item only visits the bins with enough total room, tightest first, and stops at the first that fits in every
 * resource: O(n · (log B + V + B)) where V is the visited bins and the B term is a block move of the sorted
 * arrays, instead of O(n · B · R) for a full scan.
 */
function bestFitDecreasing(state: SearchState, order: readonly number[]): void {
  const { dims, size, weight } = state;
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
  for (const item of order) {
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
  const firstBin = state.bins.length;
  for (let b = 0; b < bins; b++) {
    state.bins.push([]);
    const binLoad = new Array<number>(dims);
    for (let d = 0; d < dims; d++) binLoad[d] = load[b * dims + d]!;
    state.load.push(binLoad);
  }
  for (const item of order) state.bins[firstBin + binOf[item]!]!.push(item);
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
  let budget = options.maxIterations ?? 20_000;
  const random = createPrng(options.seed ?? 1);
  const isOutOfTime = (): boolean =>
    options.clock !== undefined && options.deadline !== undefined && options.clock() > options.deadline;
  while (state.bins.length > lowerBound && budget > 0 && !isOutOfTime()) {
    const spent = eliminateOneBin(state, budget, random, isOutOfTime);
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

/**
 * Tries to remove one bin. Returns the iterations spent, or -1 when the budget ran out (the packing is then
 * restored to its state before the attempt).
 */
function eliminateOneBin(
  state: SearchState,
  budget: number,
  random: () => number,
  isOutOfTime: () => boolean,
): number {
  const { dims, size, weight } = state;
  const savedBins = state.bins.map((items) => [...items]);
  const savedLoad = state.load.map((load) => [...load]);
  let lightest = 0;
  for (let b = 1; b < state.bins.length; b++) {
    if (residual(state, state.load[b]!) > residual(state, state.load[lightest]!) + EPSILON) lightest = b;
  }
  const pool = [...state.bins[lightest]!];
  state.bins.splice(lightest, 1);
  state.load.splice(lightest, 1);
  const tabuBin = new Map<number, number>();
  const tabuUntil = new Map<number, number>();
  const isTabu = (item: number, b: number, iteration: number): boolean =>
    tabuBin.get(item) === b && (tabuUntil.get(item) ?? 0) > iteration;
  const free = new Float64Array(dims);
  let cursor = 0;
  let stuck = 0;
  for (let iteration = 0; iteration < budget; iteration++) {
    if (isOutOfTime()) break;
    // 1. Direct insertion, heaviest pool item first, best fit.
    pool.sort((a, b) => weight[b]! - weight[a]! || a - b);
    for (let p = 0; p < pool.length; p++) {
      const item = pool[p]!;
      let best = -1;
      let bestSlack = Infinity;
      for (let b = 0; b < state.bins.length; b++) {
        if (isTabu(item, b, iteration) || !fitsIn(state, state.load[b]!, item)) continue;
        const slack = residual(state, state.load[b]!);
        if (slack < bestSlack) {
          bestSlack = slack;
          best = b;
        }
      }
      if (best >= 0) {
        addItem(state, best, item);
        pool.splice(p, 1);
        p -= 1;
      }
    }
    if (pool.length === 0) return iteration + 1;
    // 2. The first bin (rotating) with a swap that makes the pool lighter; the best such swap in it.
    let applied = false;
    const binCount = state.bins.length;
    for (let step = 0; step < binCount && !applied; step++) {
      if ((step & 63) === 63 && isOutOfTime()) break;
      const b = (cursor + step) % binCount;
      const items = state.bins[b]!;
      const load = state.load[b]!;
      let bestGain = EPSILON;
      let bestOut: number[] = [];
      let bestIn: number[] = [];
      const outs: number[][] = [[]];
      for (let x = 0; x < items.length; x++) {
        outs.push([items[x]!]);
        for (let y = x + 1; y < items.length; y++) outs.push([items[x]!, items[y]!]);
      }
      for (const out of outs) {
        let outWeight = 0;
        for (let d = 0; d < dims; d++) free[d] = 1 - load[d]!;
        for (const item of out) {
          outWeight += weight[item]!;
          for (let d = 0; d < dims; d++) free[d] = free[d]! + size[item * dims + d]!;
        }
        for (let x = 0; x < pool.length; x++) {
          const px = pool[x]!;
          if (isTabu(px, b, iteration)) continue;
          let fitsX = true;
          for (let d = 0; d < dims; d++) if (size[px * dims + d]! > free[d]! + EPSILON) fitsX = false;
          if (!fitsX) continue;
          const gainX = weight[px]! - outWeight;
          if (gainX > bestGain) {
            bestGain = gainX;
            bestOut = out;
            bestIn = [px];
          }
          for (let y = x + 1; y < pool.length; y++) {
            const py = pool[y]!;
            if (isTabu(py, b, iteration)) continue;
            const gain = gainX + weight[py]!;
            if (gain <= bestGain) continue;
            let fitsXY = true;
            for (let d = 0; d < dims; d++) {
              if (size[px * dims + d]! + size[py * dims + d]! > free[d]! + EPSILON) fitsXY = false;
            }
            if (fitsXY) {
              bestGain = gain;
              bestOut = out;
              bestIn = [px, py];
            }
          }
        }
      }
      if (bestIn.length > 0) {
        for (const item of bestOut) {
          removeItem(state, b, item);
          pool.push(item);
          tabuBin.set(item, b);
          tabuUntil.set(item, iteration + 3);
        }
        for (const item of bestIn) {
          addItem(state, b, item);
          pool.splice(pool.indexOf(item), 1);
        }
        applied = true;
        cursor = (b + 1) % binCount;
      }
    }
    if (applied) continue;
    // 3. Stuck: every few times, re-pack the pool with the slackest bins and some random ones exactly
    // (a large-neighbourhood step); otherwise kick a random item into the pool, tabu to return for a while.
    stuck += 1;
    if (stuck % 4 === 0 && repackNeighbourhood(state, pool, random)) return iteration + 1;
    const b = Math.floor(random() * binCount);
    const items = state.bins[b]!;
    if (items.length === 0) continue;
    const item = items[Math.floor(random() * items.length)]!;
    removeItem(state, b, item);
    pool.push(item);
    tabuBin.set(item, b);
    tabuUntil.set(item, iteration + 10 + Math.floor(random() * 10));
  }
  state.bins = savedBins;
  state.load = savedLoad;
  return -1;
}
