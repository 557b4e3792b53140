/**
 * The placer's index of candidate nodes. Non-empty nodes with room sit in buckets by free cpu, so best fit
 * scans from just enough cpu upwards (spreading: downwards) instead of over every node; empty nodes are kept
 * per shape (equal capacity, attributes and group), where the first empty member stands for all of them.
 * Linking or unlinking a node is O(R); a rebuild is O(N).
 */
import type { ClusterState } from './cluster-state.js';

const BUCKET_COUNT = 256;

export interface ShapeEntry {
  readonly members: number[];
  /** Members before this index are known to be in use. */
  next: number;
}

export interface CandidateIndex {
  readonly bucketCount: number;
  /** Node indexes per bucket, in no particular order. */
  readonly buckets: readonly number[][];
  /**
   * Upper bound of the free memory (resource 1) of any node in each bucket. The placer tightens it whenever
   * it scans a bucket to its end, so a bucket whose bound is below a task's memory is skipped untouched.
   */
  readonly bucketMaxMem: Float64Array;
  /** The bucket of a free cpu amount. */
  readonly bucketFor: (cpuFree: number) => number;
  /** Shapes with at least one member that was empty at the last rebuild. */
  readonly shapes: () => readonly ShapeEntry[];
  /** Re-files node j after its free room changed; a node that is excluded or full leaves the index. */
  readonly link: (j: number) => void;
  readonly unlink: (j: number) => void;
  /** Re-reads every node from the cluster state. */
  readonly rebuild: () => void;
}

/** `isExcluded(j)`: nodes never to offer (held by an exclusive task, reserved for a starving one). */
export function createCandidateIndex(
  state: ClusterState,
  isExcluded: (j: number) => boolean,
): CandidateIndex {
  const { dims, capacity, free, nodes } = state;
  let maxCpu = 0;
  for (let j = 0; j < nodes.length; j++) maxCpu = Math.max(maxCpu, capacity[j * dims]!);
  const buckets: number[][] = Array.from({ length: BUCKET_COUNT }, () => []);
  const bucketMaxMem = new Float64Array(BUCKET_COUNT);
  const hasMem = dims > 1;
  const bucketOf = new Int32Array(nodes.length).fill(-1);
  const slotOf = new Int32Array(nodes.length);
  const bucketFor = (cpuFree: number): number =>
    maxCpu > 0 ? Math.min(BUCKET_COUNT - 1, Math.max(0, Math.floor((cpuFree / maxCpu) * BUCKET_COUNT))) : 0;
  const unlink = (j: number): void => {
    const b = bucketOf[j]!;
    if (b < 0) return;
    const list = buckets[b]!;
    const last = list.pop()!;
    if (last !== j) {
      list[slotOf[j]!] = last;
      slotOf[last] = slotOf[j]!;
    }
    bucketOf[j] = -1;
  };
  const link = (j: number): void => {
    unlink(j);
    if (isExcluded(j)) return;
    for (let d = 0; d < Math.min(dims, 2); d++)
      if (capacity[j * dims + d]! > 0 && free[j * dims + d]! < 1e-6) return;
    const b = bucketFor(free[j * dims]!);
    bucketOf[j] = b;
    slotOf[j] = buckets[b]!.length;
    buckets[b]!.push(j);
    if (hasMem && free[j * dims + 1]! > bucketMaxMem[b]!) bucketMaxMem[b] = free[j * dims + 1]!;
  };
  const byKey = new Map<string, ShapeEntry>();
  let shapeList: ShapeEntry[] = [];
  const rebuild = (): void => {
    for (const list of buckets) list.length = 0;
    bucketOf.fill(-1);
    bucketMaxMem.fill(0);
    for (const entry of byKey.values()) {
      entry.members.length = 0;
      entry.next = 0;
    }
    for (let j = 0; j < nodes.length; j++) {
      if (state.taskCount[j]! > 0) {
        link(j);
        continue;
      }
      const key = state.shape[j]!;
      let entry = byKey.get(key);
      if (!entry) byKey.set(key, (entry = { members: [], next: 0 }));
      entry.members.push(j);
    }
    shapeList = [...byKey.values()].filter((entry) => entry.members.length > 0);
  };
  rebuild();
  return {
    bucketCount: BUCKET_COUNT,
    buckets,
    bucketMaxMem,
    bucketFor,
    shapes: () => shapeList,
    link,
    unlink,
    rebuild,
  };
}
