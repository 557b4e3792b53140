import { describe, expect, it } from 'vitest';
import { engineGoals, median } from '../../bench/lib/engine-goals.js';

const pair = (ratio: number, p50: number, p99: number) => ({
  ratio,
  gantry: { readyToCreated: { p50, p99 } },
});
const scenario = (name: string, tasks: number, overrides: object = {}) => ({
  scenario: name,
  tasks,
  outcome: { kind: 'ok' },
  tasksPerSecond: 100,
  workerPeakRssBytes: 300 * 1024 * 1024,
  ...overrides,
});

describe('engineGoals', () => {
  it('reports every goal as not measured when no part has run', () => {
    const goals = engineGoals({ dag: undefined, airflow: undefined, scale: undefined });
    expect(goals).toHaveLength(6);
    expect(goals.map((g) => g.status)).toEqual(Array(6).fill('not measured'));
  });

  it('judges the DAG and Airflow goals on the medians', () => {
    const goals = engineGoals({
      dag: {
        date: '2026-12-01T06:28:53.606Z',
        results: { pairs: [pair(1.05, 40, 200), pair(1.2, 60, 300), pair(1.08, 45, 240)] },
      },
      airflow: {
        results: {
          rounds: [
            { overheadRatio: 0.05, gantry: { overheadMs: 2000 }, airflow: { overheadMs: 40_000 } },
            { overheadRatio: 0.2, gantry: { overheadMs: 8000 }, airflow: { overheadMs: 40_000 } },
          ],
        },
      },
      scale: undefined,
    });
    expect(goals.slice(0, 3)).toEqual([
      expect.objectContaining({
        status: 'met',
        figure: '1.08× (median of 3 pairs)',
        source: 'part 1, engine-dag (2026-12-01 06:28 UTC)',
      }),
      expect.objectContaining({ status: 'met', figure: 'p50 45 ms, p99 240 ms' }),
      expect.objectContaining({
        status: 'not met',
        figure: '0.125 (Gantry 5.0 s, Airflow 40.0 s; median of 2 rounds)',
      }),
    ]);
  });

  it('fails the scale goals on a failed 100,000-task run, a large worker or a slow scenario', () => {
    const goals = engineGoals({
      dag: undefined,
      airflow: undefined,
      scale: {
        results: {
          scenarios: [
            scenario('fanout', 10_000, { tasksPerSecond: 60 }),
            scenario('fanout', 100_000, {
              outcome: { kind: 'failed', error: 'exit 3: gantry: Failed to start Workflow' },
              tasksPerSecond: undefined,
              workerPeakRssBytes: 2 * 1024 ** 3,
            }),
          ],
          bare: [{ tasks: 10_000, run: { activitiesPerSecond: 100 } }],
        },
      },
    });
    expect(goals.slice(3)).toEqual([
      expect.objectContaining({
        status: 'not met',
        figure: 'fanout: failed: exit 3: gantry: Failed to start Workflow',
      }),
      expect.objectContaining({
        status: 'not met',
        figure: 'peak 2048 MiB over 2 scenarios (largest 100000 tasks)',
      }),
      expect.objectContaining({
        status: 'not met',
        figure: 'lowest 0.60× (fanout 10000); fanout 10000 0.60×; not finished: fanout 100000',
      }),
    ]);
  });

  it('meets the scale goals when every scenario finished fast enough in a small worker', () => {
    const goals = engineGoals({
      dag: undefined,
      airflow: undefined,
      scale: {
        results: {
          scenarios: [scenario('fanout', 100_000), scenario('chain', 100_000, { tasksPerSecond: 50 })],
          bare: [{ tasks: 100_000, run: { activitiesPerSecond: 100 } }],
        },
      },
    });
    expect(goals.slice(3).map((g) => g.status)).toEqual(['met', 'met', 'met']);
    expect(goals[5]!.figure).toBe('lowest 0.50× (chain 100000); fanout 100000 1.00×, chain 100000 0.50×');
  });

  it('fails the throughput goal on runs stopped at the time limit below half the ceiling', () => {
    const partial = { kind: 'notFinished', limitMin: 10 };
    const goals = engineGoals({
      dag: undefined,
      airflow: undefined,
      scale: {
        results: {
          scenarios: [
            scenario('fanout', 10_000, { outcome: partial, tasksPerSecond: 5.7 }),
            scenario('chain', 10_000, { outcome: partial, tasksPerSecond: 9 }),
          ],
          bare: [{ tasks: 10_000, run: { activitiesPerSecond: 23 } }],
        },
      },
    });
    expect(goals[5]).toMatchObject({
      status: 'not met',
      figure:
        'lowest 0.25× (fanout 10000 (partial)); fanout 10000 (partial) 0.25×, chain 10000 (partial) 0.39×; not finished: fanout 10000, chain 10000',
    });
  });

  it('takes the middle of an odd count and the mean of the two middles of an even one', () => {
    expect([median([3, 1, 2]), median([4, 1, 3, 2]), median([])]).toEqual([2, 2.5, undefined]);
  });
});
