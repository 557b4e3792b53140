import { describe, expect, it } from 'vitest';
import { assignGpus } from '../../scheduler/placement/gpu-pinning.js';

describe('assignGpus', () => {
  it.each([
    { capacity: 4, held: [], count: 2, expected: ['0', '1'] },
    { capacity: 4, held: [['0'], ['2']], count: 2, expected: ['1', '3'] },
    { capacity: 4, held: [['1', '2'], undefined], count: 1, expected: ['0'] },
    { capacity: 2, held: [['0']], count: 2, expected: undefined },
    { capacity: 0, held: [], count: 1, expected: undefined },
    { capacity: 2, held: [['0', '1']], count: 0, expected: [] },
  ])(
    'gives the lowest free ids: $capacity gpus, held $held, $count asked',
    ({ capacity, held, count, expected }) => {
      expect(assignGpus(capacity, held, count)).toEqual(expected);
    },
  );
});
