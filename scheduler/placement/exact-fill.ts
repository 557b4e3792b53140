/**
 * Exact-fill bin completion for one resource: when the items' total is exactly `bins` capacities, every bin of
 * an optimal packing is full to the unit, so the search only branches over completions that fill a bin exactly
 * (bin completion restricted to zero waste, Korf, IJCAI 2003), with Martello and Toth's dominance rule (one
 * item that completes a bin is taken without branching) and fail-first branching: the item with the fewest
 * exact one- or two-item completions goes next, and an item with none proves the node dead. Sizes are scaled
 * to integers (up to three decimals), so "exactly full" is decided in integer arithmetic, not floating point.
 * This is what solves Falkenauer's triplet instances, whose optimal bins each hold three items summing to 100.
 * Guarantees: a returned packing fills `bins` bins exactly; deterministic for a seed (the clock only cuts the
 * number of attempts). Each attempt is a depth-first search bounded by a node budget, O(D²) per node for D
 * distinct sizes; later attempts try completions in a seeded random order (randomised restarts, Gomes et al.,
 * AAAI 1998). Returns undefined when the premise does not hold or the attempts run out: the caller falls back to
 * the general method.
 */
import { createPrng } from './prng.js';

const SCALES = [1, 10, 100, 1000] as const;

export interface ExactFillOptions {
  /** Search nodes per attempt. */
  readonly nodeBudget: number;
  readonly attempts: number;
  readonly seed: number;
  /** Checked between attempts. */
  readonly isOutOfTime?: () => boolean;
}

/** Integer sizes and capacity, or undefined when no scale up to 1000 makes every value an integer. */
export function toIntegerSizes(
  sizes: ArrayLike<number>,
  capacity: number,
): { sizes: Int32Array; capacity: number } | undefined {
  for (const scale of SCALES) {
    const isIntegral = (v: number): boolean => Math.abs(v * scale - Math.round(v * scale)) < 1e-6;
    if (!isIntegral(capacity) || capacity * scale > 1e6) continue;
    let isAll = true;
    for (let i = 0; i < sizes.length && isAll; i++) isAll = isIntegral(sizes[i]!);
    if (!isAll) continue;
    return {
      sizes: Int32Array.from(sizes, (v) => Math.round(v * scale)),
      capacity: Math.round(capacity * scale),
    };
  }
  return undefined;
}

/** Bin index per item with every bin exactly full, or undefined. */
export function packExactFill(
  sizes: ArrayLike<number>,
  capacity: number,
  bins: number,
  options: ExactFillOptions,
): Int32Array | undefined {
  const scaled = toIntegerSizes(sizes, capacity);
  if (!scaled) return undefined;
  const { sizes: w, capacity: c } = scaled;
  const n = w.length;
  let total = 0;
  for (let i = 0; i < n; i++) {
    if (w[i]! <= 0 || w[i]! > c) return undefined;
    total += w[i]!;
  }
  if (total !== bins * c || n === 0) return undefined;
  const random = createPrng(options.seed);
  for (let attempt = 0; attempt < options.attempts && !(options.isOutOfTime?.() ?? false); attempt++) {
    const result = searchExactFill(w, c, options.nodeBudget, attempt === 0 ? undefined : random);
    if (result) return result;
  }
  return undefined;
}

function searchExactFill(
  w: Int32Array,
  c: number,
  nodeBudget: number,
  random: (() => number) | undefined,
): Int32Array | undefined {
  const n = w.length;
  const count = new Int32Array(c + 1);
  let minPresent = c;
  for (let i = 0; i < n; i++) {
    count[w[i]!] = count[w[i]!]! + 1;
    minPresent = Math.min(minPresent, w[i]!);
  }
  const present = new Int32Array(c + 1);
  let distinct = 0;
  let top = c;
  const refreshPresent = (): void => {
    while (top > 0 && count[top] === 0) top -= 1;
    distinct = 0;
    for (let v = minPresent; v <= top; v++) if (count[v]! > 0) present[distinct++] = v;
  };
  const MANY = n + 1;
  // Exact completions of one or two items for an item of size y still counted in `count`, counted up to
  // `cap`; MANY when a completion might need three or more items (those are not enumerated here).
  const optionsOf = (y: number, cap: number): number => {
    const need = c - y;
    if (need === 0) return 1;
    if (count[need]! - (need === y ? 1 : 0) > 0) return 1; // dominance: one item fills the bin
    if (distinct === 0 || need >= 3 * present[0]!) return MANY;
    let options = 0;
    const half = need >> 1;
    for (let a = Math.max(present[0]!, need - top); a <= half; a++) {
      const b = need - a;
      const availA = count[a]! - (a === y ? 1 : 0);
      if (availA <= 0) continue;
      const availB = count[b]! - (b === y ? 1 : 0);
      if (a === b ? availA >= 2 : availB > 0) {
        options += 1;
        if (options >= cap) return options;
      }
    }
    return options;
  };
  // Each bin as the list of sizes it holds; items are matched to sizes at the end.
  const chosen: number[][] = [];
  let nodes = 0;
  let left = n;
  const place = (bin: readonly number[]): boolean => {
    for (const v of bin) count[v] = count[v]! - 1;
    left -= bin.length;
    chosen.push([...bin]);
    const found = solve();
    if (!found) {
      chosen.pop();
      for (const v of bin) {
        count[v] = count[v]! + 1;
        if (v > top) top = v;
      }
      left += bin.length;
    }
    return found;
  };
  // Fail first: branch on the item with the fewest exact completions; one with none proves the node dead.
  // Its pair completions go most constrained partners first (later attempts add seeded noise to that order).
  const solve = (): boolean => {
    if (left === 0) return true;
    if (++nodes > nodeBudget) return false;
    refreshPresent();
    let best = -1;
    let bestOptions = Infinity;
    for (let p = distinct - 1; p >= 0 && bestOptions > 1; p--) {
      const options = optionsOf(present[p]!, bestOptions);
      if (options === 0) return false;
      if (options < bestOptions) {
        bestOptions = options;
        best = present[p]!;
      }
    }
    const x = best;
    const need = c - x;
    if (need === 0) return place([x]);
    if (count[need]! - (need === x ? 1 : 0) > 0) return place([x, need]);
    if (bestOptions === MANY) {
      count[x] = count[x]! - 1;
      const found = completeAny(x, need, need, [x]);
      count[x] = count[x] + 1;
      return found;
    }
    count[x] = count[x]! - 1;
    const pairs: { a: number; b: number; score: number }[] = [];
    for (let p = distinct - 1; p >= 0; p--) {
      const a = present[p]!;
      const b = need - a;
      if (b > a) break;
      if (b < minPresent || count[b] === 0 || count[a] === 0 || (a === b && count[a]! < 2)) continue;
      pairs.push({ a, b, score: 0 });
    }
    // First attempt: largest partner first. Later attempts: a seeded random order, which in practice finds
    // the exact-fill triples far more often than any fixed order once the first attempt has failed.
    if (random) for (const pair of pairs) pair.score = random();
    else for (const pair of pairs) pair.score = -pair.a;
    pairs.sort((p, q) => p.score - q.score || q.a - p.a);
    count[x] = count[x] + 1;
    for (const pair of pairs) {
      if (nodes > nodeBudget) return false;
      if (place([x, pair.a, pair.b])) return true;
    }
    return false;
  };
  // General exact completions (three or more items), sizes non-increasing within the bin.
  const completeAny = (x: number, need: number, maxSize: number, bin: number[]): boolean => {
    if (need === 0) {
      for (const v of bin) count[v] = count[v]! + 1;
      const found = place(bin);
      for (const v of bin) count[v] = count[v]! - 1;
      return found;
    }
    for (let v = Math.min(maxSize, need); v >= minPresent; v--) {
      if (nodes > nodeBudget) return false;
      if (count[v] === 0) continue;
      const rest = need - v;
      if (rest !== 0 && rest < minPresent) continue;
      count[v] = count[v]! - 1;
      bin.push(v);
      const found = completeAny(x, rest, v, bin);
      bin.pop();
      count[v] = count[v]! + 1;
      if (found) return true;
    }
    return false;
  };
  if (!solve()) return undefined;
  const bySize = new Map<number, number[]>();
  for (let i = n - 1; i >= 0; i--) {
    const list = bySize.get(w[i]!) ?? [];
    list.push(i);
    bySize.set(w[i]!, list);
  }
  const binOf = new Int32Array(n);
  chosen.forEach((bin, b) => {
    for (const v of bin) binOf[bySize.get(v)!.pop()!] = b;
  });
  return binOf;
}
