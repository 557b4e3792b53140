/**
 * Working state shared by the identical-bin packer's phases: item sizes normalised so every bin has capacity 1
 * in each resource, and per-bin item lists and loads. O(R) per operation.
 */
import { EPSILON } from '../../common/epsilon.js';

export { EPSILON };

export interface SearchState {
  readonly dims: number;
  readonly size: Float64Array; // normalised: every bin has capacity 1 in each resource
  readonly weight: Float64Array;
  bins: number[][];
  load: number[][];
}

export function normalise(sizes: Float64Array, capacity: Float64Array): SearchState {
  const dims = capacity.length;
  const n = dims === 0 ? 0 : sizes.length / dims;
  const size = new Float64Array(sizes.length);
  const weight = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    for (let d = 0; d < dims; d++) {
      const cap = capacity[d]!;
      const v = cap > 0 ? sizes[i * dims + d]! / cap : 0;
      size[i * dims + d] = v;
      weight[i] = weight[i]! + v;
    }
  }
  return { dims, size, weight, bins: [], load: [] };
}

export function fitsIn(state: SearchState, load: readonly number[], item: number): boolean {
  const { dims, size } = state;
  for (let d = 0; d < dims; d++) if (load[d]! + size[item * dims + d]! > 1 + EPSILON) return false;
  return true;
}

export function residual(state: SearchState, load: readonly number[]): number {
  let sum = 0;
  for (let d = 0; d < state.dims; d++) sum += 1 - load[d]!;
  return sum;
}

export function addItem(state: SearchState, b: number, item: number): void {
  state.bins[b]!.push(item);
  const load = state.load[b]!;
  for (let d = 0; d < state.dims; d++) load[d] = load[d]! + state.size[item * state.dims + d]!;
}

export function removeItem(state: SearchState, b: number, item: number): void {
  const items = state.bins[b]!;
  items.splice(items.indexOf(item), 1);
  const load = state.load[b]!;
  for (let d = 0; d < state.dims; d++) load[d] = load[d]! - state.size[item * state.dims + d]!;
}

export function compact(state: SearchState): void {
  const keep = state.bins
    .map((items, b) => ({ items, load: state.load[b]! }))
    .filter((bin) => bin.items.length > 0);
  state.bins = keep.map((bin) => bin.items);
  state.load = keep.map((bin) => bin.load);
}
