/**
 * Improvement phase: the nodes this iteration opened (empty before it) whose tasks are unconstrained are
 * re-packed per node shape by the identical-bin packer, and the result is kept only if it uses fewer nodes.
 * Guarantees feasibility (the packer never overfills) and determinism (seeded). Bounded by the packer's
 * iteration budget, the caller's clock and, when given, one count of work for all shapes (search-work.ts). In
 * `offline` mode (`npm run pack`, never the cluster service) each shape gets an equal share of what is left of
 * the clock and the offline packer (offline-packer.ts).
 */
import { compareIds, type ClusterState } from './cluster-state.js';
import { packOffline } from './offline-packer.js';
import type { PreparedTask } from './placement.js';
import type { SearchWork } from './search-work.js';
import { packIdenticalBins, reduceBins, type VectorPackResult } from './vector-packer.js';

export interface OptimizeSettings {
  readonly maxIterations: number;
  readonly seed: number;
  readonly clock: (() => number) | undefined;
  readonly deadline: number | undefined;
  /** `offline`: the caller waits for its whole budget (needs `clock` and `deadline`); default `service`. */
  readonly mode?: 'service' | 'offline';
  /** Service mode only: work units all the shapes' searches share; unbounded when absent. */
  readonly work?: SearchWork;
}

// Best-fit decreasing from scratch is O(n·bins) and not clock-bounded, but it packs tighter than the greedy
// pass on one shape; above this many tasks only the clock-bounded local search runs.
const FULL_REPACK_LIMIT = 2_000;

/**
 * `nodeOf[i]` is the node of `tasks[i]` (or -1); it is rewritten in place. `wasEmpty[j]` says whether node j
 * held nothing before the iteration. Returns whether anything moved.
 */
export function optimizePacking(
  state: ClusterState,
  tasks: readonly PreparedTask[],
  nodeOf: Int32Array,
  wasEmpty: Uint8Array,
  settings: OptimizeSettings,
): boolean {
  const { dims } = state;
  const blocked = new Uint8Array(state.nodes.length);
  tasks.forEach((task, i) => {
    const j = nodeOf[i]!;
    if (j >= 0 && task.task.constraints.length > 0) blocked[j] = 1;
  });
  const byShape = new Map<string, { nodes: number[]; items: number[] }>();
  for (let i = 0; i < tasks.length; i++) {
    const j = nodeOf[i]!;
    if (j < 0 || wasEmpty[j] === 0 || blocked[j] === 1) continue;
    let entry = byShape.get(state.shape[j]!);
    if (!entry) byShape.set(state.shape[j]!, (entry = { nodes: [], items: [] }));
    entry.items.push(i);
  }
  let hasMoved = false;
  const shapes = [...byShape].sort(([a], [b]) => compareIds(a, b));
  for (const [shapeIndex, [, entry]] of shapes.entries()) {
    const nodes = [...new Set(entry.items.map((i) => nodeOf[i]!))].sort((a, b) => a - b);
    if (nodes.length < 2) continue;
    const first = nodes[0]!;
    const used: number[] = [];
    for (let d = 0; d < dims; d++) if (entry.items.some((i) => tasks[i]!.request[d]! > 0)) used.push(d);
    const capacity = Float64Array.from(used, (d) => state.capacity[first * dims + d]!);
    const sizes = new Float64Array(entry.items.length * used.length);
    for (let k = 0; k < entry.items.length; k++) {
      const request = tasks[entry.items[k]!]!.request;
      for (let u = 0; u < used.length; u++) sizes[k * used.length + u] = request[used[u]!]!;
    }
    const options = {
      maxIterations: settings.maxIterations,
      seed: settings.seed,
      // Without a search the bound only labels the result; 0 is a valid bound and spares computing L2.
      ...(settings.maxIterations === 0 && used.length > 1 ? { lowerBound: 0 } : {}),
      ...(settings.clock && settings.deadline !== undefined
        ? { clock: settings.clock, deadline: settings.deadline }
        : {}),
      ...(settings.work ? { work: settings.work } : {}),
    };
    let result: VectorPackResult | undefined;
    // The packing as it stands, bins numbered by node order.
    const current = (): Int32Array => {
      const binOfNode = new Map(nodes.map((j, b) => [j, b]));
      return Int32Array.from(entry.items, (i) => binOfNode.get(nodeOf[i]!)!);
    };
    const { clock, deadline } = settings;
    const isOffline = settings.mode === 'offline' && clock !== undefined && deadline !== undefined;
    if (isOffline) {
      const share = Math.max(0, deadline - clock()) / (shapes.length - shapeIndex);
      result = packOffline(sizes, capacity, current(), {
        seed: settings.seed,
        maxIterations: settings.maxIterations,
        clock,
        deadline: clock() + share,
      });
    } else if (used.length === 1 || entry.items.length <= FULL_REPACK_LIMIT) {
      result = packIdenticalBins(sizes, capacity, options);
    }
    const canSearch = settings.maxIterations > 0 && !isOffline;
    if (canSearch && (!result || (result.bins >= nodes.length && !result.isProvenOptimal))) {
      const reduced = reduceBins(sizes, capacity, current(), options);
      if (!result || reduced.bins < result.bins) result = reduced;
    }
    if (!result || result.bins >= nodes.length) continue;
    const bins = result;
    // Same free space before and after on the untouched nodes; only these nodes change.
    for (const j of nodes)
      for (let d = 0; d < dims; d++) state.free[j * dims + d] = state.capacity[j * dims + d]!;
    for (const j of nodes) state.taskCount[j] = 0;
    entry.items.forEach((i, k) => {
      const j = nodes[bins.binOf[k]!]!;
      nodeOf[i] = j;
      state.taskCount[j] = state.taskCount[j]! + 1;
      for (let d = 0; d < dims; d++)
        state.free[j * dims + d] = state.free[j * dims + d]! - tasks[i]!.request[d]!;
    });
    hasMoved = true;
  }
  return hasMoved;
}
