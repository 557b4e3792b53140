/**
 * One step of the bin-elimination local search, in the spirit of consistent neighbourhood search (Buljubašić
 * and Vasquez, Computers & Operations Research 76, 2016): empty the lightest bin into a pool, then swap up to
 * two pool items against up to two bin items whenever that shrinks the pool, with a tabu kick when stuck.
 * Each iteration is O(bins · k² · p²) for k items per bin and p pool items.
 */
import { repackNeighbourhood } from './bin-completion.js';
import { EPSILON, addItem, fitsIn, removeItem, residual, type SearchState } from './pack-state.js';
import type { SearchWork } from './search-work.js';

/**
 * Tries to remove one bin. Returns the iterations spent, or -1 when the budget, the clock or `work` ran out
 * (the packing is then restored to its state before the attempt). `work` is charged for the candidates each
 * step scans, before it scans them.
 */
export function eliminateOneBin(
  state: SearchState,
  budget: number,
  random: () => number,
  isOutOfTime: () => boolean,
  work?: SearchWork,
): number {
  const { dims, size, weight } = state;
  // Saving and restoring the packing costs a unit per item and per bin.
  if (work !== undefined && !work.spend(2 * (weight.length + state.bins.length))) return -1;
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
  let isOutOfWork = false;
  for (let iteration = 0; iteration < budget; iteration++) {
    if (isOutOfTime()) break;
    if (work !== undefined && !work.spend(pool.length * state.bins.length)) isOutOfWork = true;
    if (isOutOfWork) break;
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
      // One bin costs O(k² · p²) here (hundreds of thousands of steps for full bins): ask the clock each time.
      if (isOutOfTime()) break;
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
      if (work !== undefined && !work.spend(outs.length * (1 + (pool.length * (pool.length + 1)) / 2))) {
        isOutOfWork = true;
        break;
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
    if (isOutOfWork) break;
    // 3. Stuck: every few times, re-pack the pool with the slackest bins and some random ones exactly
    // (a large-neighbourhood step); otherwise kick a random item into the pool, tabu to return for a while.
    stuck += 1;
    if (stuck % 4 === 0 && repackNeighbourhood(state, pool, random, isOutOfTime, work)) return iteration + 1;
    if (work?.isExhausted()) break;
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
