import { describe, expect, it } from 'vitest';
import { InvalidDagError } from '../../scheduler/dag/errors.js';
import { type PartitionTask, partitionDag } from '../../scheduler/dag/partition.js';

const task = (id: string, dependsOn: string[] = [], reads: string[] = [], bytes = 100): PartitionTask => ({
  id,
  dependsOn,
  reads,
  bytes,
});
const limits = { maxTasks: 3, maxBytes: 1_000_000 };

describe('partitionDag', () => {
  it('cuts a wide fan-out into independent slices of at most maxTasks', () => {
    const slices = partitionDag(
      Array.from({ length: 7 }, (_, i) => task(`t${i}`)),
      limits,
    );
    expect(slices.map((s) => s.taskIds)).toEqual([['t0', 't1', 't2'], ['t3', 't4', 't5'], ['t6']]);
    expect(slices.every((s) => s.dependsOn.length === 0 && s.external.length === 0)).toBe(true);
  });

  it('cuts a chain into a chain of slices, each naming the one task it needs from the last', () => {
    const chain = Array.from({ length: 7 }, (_, i) => task(`c${i}`, i === 0 ? [] : [`c${i - 1}`]));
    // Declared in reverse: the order comes from the edges, not the file.
    const slices = partitionDag([...chain].reverse(), limits);
    expect(slices.map((s) => s.taskIds)).toEqual([['c0', 'c1', 'c2'], ['c3', 'c4', 'c5'], ['c6']]);
    expect(slices.map((s) => s.external)).toEqual([[], ['c2'], ['c5']]);
    expect(slices.map((s) => s.dependsOn)).toEqual([[], [0], [1]]);
  });

  it('takes tasks by depth, so a slice never holds a task before one it depends on', () => {
    // a → b → c and x (root) declared last: x joins the first level.
    const slices = partitionDag([task('a'), task('b', ['a']), task('c', ['b']), task('x')], {
      maxTasks: 2,
      maxBytes: 1e9,
    });
    expect(slices.map((s) => s.taskIds)).toEqual([
      ['a', 'x'],
      ['b', 'c'],
    ]);
    expect(slices[1]!.external).toEqual(['a']);
  });

  it('depends on the slice of a task a template reads even when it is not a direct dependency', () => {
    const tasks = [task('a'), task('b', ['a']), task('c', ['b']), task('d', ['c'], ['a'])];
    const slices = partitionDag(tasks, { maxTasks: 1, maxBytes: 1e9 });
    expect(slices[3]!.external).toEqual(['a', 'c']);
    expect(slices[3]!.dependsOn).toEqual([0, 2]);
  });

  it('closes a slice before its spec passes maxBytes', () => {
    const slices = partitionDag([task('a', [], [], 600), task('b', [], [], 600), task('c', [], [], 300)], {
      maxTasks: 10,
      maxBytes: 1_000,
    });
    expect(slices.map((s) => s.taskIds)).toEqual([['a'], ['b', 'c']]);
  });

  it('names the tasks of a cycle', () => {
    expect(() => partitionDag([task('a', ['b']), task('b', ['a']), task('c')], limits)).toThrow(
      InvalidDagError,
    );
    expect(() => partitionDag([task('a', ['b']), task('b', ['a'])], limits)).toThrow(/"?a"?, b/);
  });

  it('keeps every task exactly once on 100,000 chained tasks', () => {
    const n = 100_000;
    const tasks = Array.from({ length: n }, (_, i) => task(`t${i}`, i < 100 ? [] : [`t${i - 100}`]));
    const slices = partitionDag(tasks, { maxTasks: 500, maxBytes: 1e9 });
    expect(slices).toHaveLength(200);
    expect(new Set(slices.flatMap((s) => s.taskIds)).size).toBe(n);
    // Each slice of 5 layers of 100 needs only the last layer before it.
    expect(slices[7]!.external).toHaveLength(100);
    expect(slices[7]!.dependsOn).toEqual([6]);
  });
});
