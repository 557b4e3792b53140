/**
 * Small statistics for the engine benches: nearest-rank percentiles, min/median/max over runs, and the gap
 * between a task's last upstream finishing and the task starting, the delay an orchestrator adds on every
 * edge of a DAG. Each engine passes its own notion of "started" and "finished" (epoch ms).
 */
import type { DagTask } from './layered-dag.js';

/** Nearest-rank percentile of sorted values. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))]!;
}

export const sortedOf = (values: readonly number[]) => [...values].sort((a, b) => a - b);

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  const s = sortedOf(values);
  // The middle two's mean for an even count: nearest rank would take the lower one, and with two pairs
  // that is the better of them (a goal "met" on one good pair).
  const mid = Math.floor(s.length / 2);
  const median = s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
  return { min: s[0]!, median, max: s[s.length - 1]! };
}

export interface GapSummary {
  readonly p50: number;
  readonly p95: number;
  readonly max: number;
  /** Tasks with upstreams whose times were all known. */
  readonly count: number;
}

type Time = (taskId: string) => number | undefined;

/** For every task with upstreams: its start minus the latest finish among its upstreams. */
export function upstreamGaps(tasks: readonly DagTask[], startedAt: Time, finishedAt: Time): GapSummary {
  const gaps: number[] = [];
  for (const task of tasks) {
    if (task.dependsOn.length === 0) continue;
    const start = startedAt(task.id);
    const ends = task.dependsOn.map(finishedAt);
    if (start === undefined || ends.some((e) => e === undefined)) continue;
    gaps.push(start - Math.max(...(ends as number[])));
  }
  const s = sortedOf(gaps);
  return { p50: percentile(s, 50), p95: percentile(s, 95), max: s[s.length - 1] ?? NaN, count: s.length };
}
