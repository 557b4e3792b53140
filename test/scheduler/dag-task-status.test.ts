import { describe, expect, it } from 'vitest';
import { isTerminal, TaskStatus } from '../../scheduler/dag/task-status.js';

describe('isTerminal', () => {
  it.each([
    [TaskStatus.Pending, false],
    [TaskStatus.Ready, false],
    [TaskStatus.Queued, false],
    [TaskStatus.Running, false],
    [TaskStatus.Succeeded, true],
    [TaskStatus.Cached, true],
    [TaskStatus.Failed, true],
    [TaskStatus.Skipped, true],
    [TaskStatus.Cancelled, true],
  ] as const)('says %s is terminal: %s', (status, expected) => {
    expect(isTerminal(status)).toBe(expected);
  });

  it('covers every status', () => {
    expect(Object.values(TaskStatus)).toHaveLength(9);
  });
});
