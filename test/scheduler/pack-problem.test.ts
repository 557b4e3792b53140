import { describe, expect, it } from 'vitest';
import { parsePackProblem, toPackAnswer, toScheduleInput } from '../../scheduler/placement/pack-problem.js';
import { schedule } from '../../scheduler/placement/schedule.js';

const node = { id: 'n0', capacity: { cpu: 32, memoryMiB: 131072, gpu: 8 }, attributes: { zone: 'a' } };

describe('parsePackProblem', () => {
  it('names the path and the value of a bad request', () => {
    const tasks = [0, 1, 2].map((i) => ({ id: `t${i}`, request: { cpu: 1 } }));
    const parsed = parsePackProblem({ nodes: [node], tasks: [...tasks, { id: 't3', request: { cpu: -1 } }] });
    expect(parsed).toEqual({
      ok: false,
      errors: ['tasks[3].request.cpu: expected a positive number, got -1'],
    });
  });

  it('reports duplicate task ids with their path', () => {
    const parsed = parsePackProblem({
      nodes: [node],
      tasks: [
        { id: 'a', request: { cpu: 1 } },
        { id: 'a', request: { cpu: 1 } },
      ],
    });
    expect(parsed).toEqual({ ok: false, errors: ['tasks[1].id: duplicate task id "a"'] });
  });

  it('ignores extra top-level fields', () => {
    expect(parsePackProblem({ nodes: [node], tasks: [], comment: 'x' }).ok).toBe(true);
  });
});

describe('toPackAnswer', () => {
  it('shapes assignments, reasons and the number of nodes used', () => {
    const parsed = parsePackProblem({
      nodes: [node],
      tasks: [
        { id: 't0', request: { cpu: 1.5, memoryMiB: 2048 }, constraints: [], group: 'g', tier: 'critical' },
        { id: 't9', request: { cpu: 40 } },
      ],
    });
    if (!parsed.ok) throw new Error(parsed.errors.join('\n'));
    const answer = toPackAnswer(schedule(toScheduleInput(parsed.problem)), 1.23456);
    expect(answer).toEqual({
      assignments: { t0: 'n0' },
      unplaced: { t9: 'needs 40 cpu, the largest node has 32' },
      nodesUsed: 1,
      millis: 1.235,
    });
  });
});
