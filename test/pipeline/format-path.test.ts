import { describe, expect, it } from 'vitest';
import { formatPath } from '../../pipeline/format-path.js';
import { showValue } from '../../pipeline/show-value.js';

describe('formatPath', () => {
  it.each([
    [[], '(root)'],
    [['tasks'], 'tasks'],
    [['tasks', 3, 'dependsOn', 0], 'tasks[3].dependsOn[0]'],
    [['tasks', 0, 'env', '1A'], 'tasks[0].env["1A"]'],
    [['tasks', 0, 'resources', 'scalars', 'nvidia.com/gpu'], 'tasks[0].resources.scalars["nvidia.com/gpu"]'],
    [[0], '[0]'],
  ])('formats %j as %s', (path, text) => {
    expect(formatPath(path)).toBe(text);
  });
});

describe('showValue', () => {
  it.each([
    ['build', '"build"'],
    [-1, '-1'],
    [undefined, 'undefined'],
    [null, 'null'],
    [{ cpu: 2 }, '{"cpu":2}'],
    ['x'.repeat(100), `"${'x'.repeat(58)}…`],
  ])('shows %j as %s', (value, text) => {
    expect(showValue(value)).toBe(text);
  });
});
