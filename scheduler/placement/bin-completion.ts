/**
 * Exact-fill searches for one identical-bin packing: minimum bin slack with the largest item fixed (MBS',
 * Fleszar and Hindi, EJOR 2002) and bin completion with maximal completions and the waste bound (Korf,
 * IJCAI 2003), plus the large-neighbourhood step that uses it. Each search is bounded by a node budget.
 */
import { EPSILON, addItem, residual, type SearchState } from './pack-state.js';
import type { SearchWork } from './search-work.js';

const LOOKAHEAD_ITEMS = 6;
/**
 * Minimum bin slack with the largest item fixed (MBS', Fleszar and Hindi, EJOR 2002), for one resource:
 * each bin takes the largest remaining item plus the subset of the rest that leaves the least slack, found by a
 * depth-first search bounded by a node budget; an exact fill stops the search. This is what finds the
 * exact-fill triples of Falkenauer's t instances, which best fit misses. Its nodes are charged to `work`; once
 * that is spent, each remaining bin gets only the first, greedy descent (the packing must still be completed).
 */
export function fillBinsMinimumSlack(
  state: SearchState,
  order: readonly number[],
  nodeBudget: number,
  work?: SearchWork,
): void {
  const { weight } = state;
  let remaining = [...order];
  while (remaining.length > 0) {
    const first = remaining[0]!;
    const rest = remaining.slice(1);
    let bestSlack = 1 - weight[first]!;
    let best: number[] = [];
    const chosen: number[] = [];
    let nodes = 0;
    // The first descent visits at most one node per item, so `rest.length` still lets it finish.
    const binBudget = work?.isExhausted() ? rest.length : nodeBudget;
    const search = (start: number, slack: number): void => {
      if (slack < bestSlack - EPSILON) {
        bestSlack = slack;
        best = [...chosen];
      }
      if (bestSlack <= EPSILON) return;
      let previous = -1;
      for (let i = start; i < rest.length; i++) {
        const size = weight[rest[i]!]!;
        if (size > slack + EPSILON || size === previous) continue;
        if (++nodes > binBudget || bestSlack <= EPSILON) return;
        previous = size;
        chosen.push(i);
        search(i + 1, slack - size);
        chosen.pop();
      }
    };
    search(0, 1 - weight[first]!);
    work?.spend(nodes);
    const bin = state.bins.length;
    state.bins.push([]);
    state.load.push([0]);
    addItem(state, bin, first);
    const taken = new Set(best);
    for (const i of best) addItem(state, bin, rest[i]!);
    remaining = rest.filter((_, i) => !taken.has(i));
  }
}

const NEIGHBOURHOOD_NODE_BUDGET = 200_000;
const CLOCK_CHECK_NODES = 1024;

/**
 * Takes the pool plus the bins with the most slack and a few random bins, and searches for a packing of all
 * those items into that many bins (bin completion with maximal completions only, Korf 2003). Applies it and
 * empties the pool on success.
 */
export function repackNeighbourhood(
  state: SearchState,
  pool: number[],
  random: () => number,
  isOutOfTime: () => boolean = () => false,
  work?: SearchWork,
): boolean {
  const { dims, size, weight } = state;
  // Ranking the bins by slack costs O(B log B): a few units per bin.
  if (work !== undefined && !work.spend(4 * state.bins.length)) return false;
  const bySlack = state.bins
    .map((_, b) => b)
    .sort((a, b) => residual(state, state.load[b]!) - residual(state, state.load[a]!) || a - b);
  const slackBins = bySlack.filter((b) => residual(state, state.load[b]!) > EPSILON * dims).length;
  const take = slackBins <= 24 ? slackBins : 3 + Math.floor(random() * 8);
  const chosen = new Set(bySlack.slice(0, Math.min(bySlack.length, take)));
  const extra = Math.floor(random() * 7);
  for (let k = 0; k < extra && chosen.size < state.bins.length; k++) {
    chosen.add(Math.floor(random() * state.bins.length));
  }
  const binIds = [...chosen].sort((a, b) => a - b);
  const items = [...pool, ...binIds.flatMap((b) => state.bins[b]!)].sort(
    (a, b) => weight[b]! - weight[a]! || a - b,
  );
  for (let d = 0; d < dims; d++) {
    let total = 0;
    for (const item of items) total += size[item * dims + d]!;
    if (total > binIds.length + EPSILON) return false;
  }
  const assignment = completeBins(state, items, binIds.length, NEIGHBOURHOOD_NODE_BUDGET, isOutOfTime, work);
  if (assignment === undefined) return false;
  binIds.forEach((b, k) => {
    state.bins[b] = [];
    state.load[b] = new Array<number>(dims).fill(0);
    for (const item of assignment[k] ?? []) addItem(state, b, item);
  });
  pool.length = 0;
  return true;
}

/**
 * Bin completion (Korf, IJCAI 2003) with maximal completions and the waste bound: packs every one of `items`
 * (sorted heaviest first) into `binCount` bins, or gives up after `nodeBudget` search nodes, when
 * `isOutOfTime` says so (asked every CLOCK_CHECK_NODES nodes, so the clock costs nothing measurable) or when
 * `work` is spent. `work` is charged a unit per node plus the items scanned by each O(n) step, so it tracks time.
 */
export function completeBins(
  state: SearchState,
  items: readonly number[],
  binCount: number,
  nodeBudget: number,
  isOutOfTime: () => boolean = () => false,
  work?: SearchWork,
): number[][] | undefined {
  const { dims, size, weight } = state;
  let count = 0;
  let budget = nodeBudget;
  // Counts a search node; false once the budget or the clock has run out (and for good after that).
  const visit = (): boolean => {
    if (++count > budget) return false;
    if (work !== undefined && !work.spend(1)) budget = 0;
    else if ((count & (CLOCK_CHECK_NODES - 1)) === 0 && isOutOfTime()) budget = 0;
    return count <= budget;
  };
  // The O(n) steps (copying what is left, the maximality check) cost work but are not search nodes.
  const charge = (units: number): boolean => {
    if (work === undefined) return true;
    if (!work.spend(units)) budget = 0;
    return count <= budget;
  };
  const assignment: number[][] = [];
  const free = new Float64Array(dims);
  // Waste allowance per resource (Korf's bin-completion bound): capacity left over by a finished bin can never
  // be used again, so the total left over cannot exceed the bins' capacity minus the items' volume.
  const allowance = new Float64Array(dims);
  for (let d = 0; d < dims; d++) {
    allowance[d] = binCount;
    for (const item of items) allowance[d] = allowance[d]! - size[item * dims + d]!;
  }
  // Forward check for tight one-resource problems (every bin must be exactly full, as in the triplet
  // instances): the few largest items left must each still have one or two companions filling a bin exactly.
  const canFillExactly = (left: readonly number[]): boolean => {
    for (let k = 0; k < Math.min(LOOKAHEAD_ITEMS, left.length); k++) {
      const gap = 1 - weight[left[k]!]!;
      if (gap <= EPSILON) continue;
      let lo = 0;
      let hi = left.length - 1;
      let isFound = false;
      while (lo < hi && !isFound) {
        if (lo === k) {
          lo += 1;
          continue;
        }
        if (hi === k) {
          hi -= 1;
          continue;
        }
        const pair = weight[left[lo]!]! + weight[left[hi]!]!;
        if (Math.abs(pair - gap) <= EPSILON) isFound = true;
        else if (pair > gap) lo += 1;
        else hi -= 1;
      }
      for (let i = 0; i < left.length && !isFound; i++) {
        if (i !== k && Math.abs(weight[left[i]!]! - gap) <= EPSILON) isFound = true;
      }
      // Three or more companions: not checked, assume they may exist.
      if (!isFound && 3 * weight[left[left.length - 1]!]! > gap + EPSILON) return false;
    }
    return true;
  };
  const solve = (remaining: readonly number[], binsLeft: number): boolean => {
    if (remaining.length === 0) return true;
    if (binsLeft === 0 || !visit() || !charge(remaining.length)) return false;
    const first = remaining[0]!;
    const rest = remaining.slice(1);
    for (let d = 0; d < dims; d++) free[d] = 1 - size[first * dims + d]!;
    const picked: number[] = [];
    const tryCompletions = (start: number): boolean => {
      let extended = false;
      let previous = -1;
      for (let i = start; i < rest.length; i++) {
        const item = rest[i]!;
        if (weight[item] === previous) continue;
        if (!visit()) return false;
        let fitsItem = true;
        for (let d = 0; d < dims; d++) if (size[item * dims + d]! > free[d]! + EPSILON) fitsItem = false;
        if (!fitsItem) continue;
        extended = true;
        previous = weight[item]!;
        for (let d = 0; d < dims; d++) free[d] = free[d]! - size[item * dims + d]!;
        picked.push(i);
        const found = tryCompletions(i + 1);
        picked.pop();
        for (let d = 0; d < dims; d++) free[d] = free[d]! + size[item * dims + d]!;
        if (found) return true;
        if (count > budget) return false;
      }
      if (extended || !charge(rest.length) || !isMaximal(rest, picked, free)) return false;
      for (let d = 0; d < dims; d++) if (free[d]! > allowance[d]! + EPSILON) return false;
      const taken = new Set(picked);
      for (let d = 0; d < dims; d++) allowance[d] = allowance[d]! - free[d]!;
      assignment.push([first, ...picked.map((i) => rest[i]!)]);
      const saved = Float64Array.from(free);
      const left = rest.filter((_, i) => !taken.has(i));
      const found =
        (dims !== 1 || allowance[0]! > EPSILON || canFillExactly(left)) && solve(left, binsLeft - 1);
      free.set(saved);
      for (let d = 0; d < dims; d++) allowance[d] = allowance[d]! + free[d]!;
      if (!found) assignment.pop();
      return found;
    };
    return tryCompletions(0);
  };
  const isMaximal = (rest: readonly number[], picked: readonly number[], free: Float64Array): boolean => {
    const taken = new Set(picked);
    return rest.every((item, i) => {
      if (taken.has(i)) return true;
      for (let d = 0; d < dims; d++) if (size[item * dims + d]! > free[d]! + EPSILON) return true;
      return false;
    });
  };
  return solve(items, binCount) ? assignment : undefined;
}
