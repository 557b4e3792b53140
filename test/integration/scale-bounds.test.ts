/**
 * The limits of issue #10 as assertions, on simulated nodes so sizes that Docker could not run here stay
 * quick: the same fan-out at two sizes, succeeding and failing at its root, measured from the server's
 * histories by bench/lib/run-footprint.ts (every execution of the run, continue-as-new and children
 * included). No workflow input, result or failure may grow with the task count, and no one execution's
 * history may pass the continue-as-new point.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SIMULATED_EXIT_CODE_ENV } from '../../activities/simulated-runtime.js';
import {
  type PayloadSite,
  type RunFootprint,
  describeFootprint,
  measureRunFootprint,
} from '../../bench/lib/run-footprint.js';
import { waitForRun } from '../../engine/runs.js';
import type { PipelineInput } from '../../pipeline/schema.js';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

const SMALL = 200;
/** Past 1,000 tasks a single execution's history would pass 10,000 events if nothing bounded it. */
const LARGE = 1200;
/** A run still going at its deadline is cancelled and measured as it stands: the figures still show. */
const RUN_DEADLINE_MS = 240_000;
/** Temporal's default blob limit is 2 MB; a bounded payload is far below it. */
const MAX_PAYLOAD = 256 * 1024;
/** workflows/run/history-budget.ts continues as new at 10,000 events; a workflow task's worth of margin. */
const MAX_EVENTS = 10_000 + 1_000;

const task = (id: string) => shTask(id, 'true', { resources: { cpu: 0.1, memoryMiB: 64 } });

/** `tasks` independent tasks. */
const fanOut = (tasks: number): PipelineInput => ({
  name: `bounds-${tasks}`,
  tasks: Array.from({ length: tasks }, (_, i) => task(`t${i}`)),
});

/**
 * A root that exits 3 (not retried) and `tasks - 1` tasks that need it: the run fails at once with every
 * other task skipped, so the failure has every task's state to carry, without running them.
 */
const failingFanOut = (tasks: number): PipelineInput => ({
  name: `bounds-${tasks}-failing`,
  tasks: [
    {
      ...task('root'),
      env: { [SIMULATED_EXIT_CODE_ENV]: '3' },
      retry: { maxAttempts: 1, nonRetryableExitCodes: [3] },
    },
    ...Array.from({ length: tasks - 1 }, (_, i) => ({ ...task(`t${i}`), dependsOn: ['root'] })),
  ],
});

/** The larger run's figure may not track the task count: within 2× the smaller's plus 8 KiB. */
const isBoundedBy = (large: PayloadSite | undefined, small: PayloadSite | undefined) =>
  (large?.bytes ?? 0) <= 2 * (small?.bytes ?? 0) + 8 * 1024;

describe('a run stays bounded as its task count grows (simulated nodes)', () => {
  let cluster: TestCluster;
  const runs: Record<string, { status: string; footprint: RunFootprint }> = {};
  const figures = (key: string) => {
    const f = runs[key]!.footprint;
    return {
      maxInput: f.maxInput?.bytes ?? 0,
      maxResult: f.maxResult?.bytes ?? 0,
      maxFailure: f.maxFailure?.bytes ?? 0,
      maxEvents: f.maxEvents.events,
    };
  };

  beforeAll(
    async () => {
      cluster = await startTestCluster('bounds', [
        { id: 's1', cpu: 64, memoryMiB: 1_048_576, runtime: 'simulated' },
        { id: 's2', cpu: 64, memoryMiB: 1_048_576, runtime: 'simulated' },
      ]);
      for (const [tasks, isFailing] of [
        [SMALL, false],
        [LARGE, false],
        [SMALL, true],
        [LARGE, true],
      ] as const) {
        const key = `${tasks}${isFailing ? '-failing' : ''}`;
        const began = Date.now();
        const started = await cluster.start(isFailing ? failingFanOut(tasks) : fanOut(tasks), {
          isCacheDisabled: true,
        });
        const deadline = setTimeout(() => void started.handle.cancel(), RUN_DEADLINE_MS);
        const state = await waitForRun(started.handle).finally(() => clearTimeout(deadline));
        const footprint = await measureRunFootprint(cluster.client, started.workflowId, tasks);
        runs[key] = { status: state.status, footprint };
        console.log(
          `scale-bounds ${key}: ${state.status} in ${((Date.now() - began) / 1000).toFixed(1)} s; ${describeFootprint(footprint)}`,
        );
      }
    },
    4 * RUN_DEADLINE_MS + 120_000,
  );
  afterAll(() => cluster?.stop());

  it('runs every size to the expected end', () => {
    expect(Object.fromEntries(Object.entries(runs).map(([k, r]) => [k, r.status]))).toEqual({
      [SMALL]: 'succeeded',
      [LARGE]: 'succeeded',
      [`${SMALL}-failing`]: 'failed',
      [`${LARGE}-failing`]: 'failed',
    });
  });

  it('keeps every workflow input, result and failure from growing with the task count', () => {
    for (const suffix of ['', '-failing']) {
      const small = runs[`${SMALL}${suffix}`]!.footprint;
      const large = runs[`${LARGE}${suffix}`]!.footprint;
      const report = { small: figures(`${SMALL}${suffix}`), large: figures(`${LARGE}${suffix}`) };
      expect(isBoundedBy(large.maxInput, small.maxInput), `input${suffix}: ${JSON.stringify(report)}`).toBe(
        true,
      );
      expect(
        isBoundedBy(large.maxResult, small.maxResult),
        `result${suffix}: ${JSON.stringify(report)}`,
      ).toBe(true);
      expect(
        isBoundedBy(large.maxFailure, small.maxFailure),
        `failure${suffix}: ${JSON.stringify(report)}`,
      ).toBe(true);
      for (const f of [small, large]) {
        const worst = Math.max(f.maxInput?.bytes ?? 0, f.maxResult?.bytes ?? 0, f.maxFailure?.bytes ?? 0);
        expect(worst, `${f.workflowId}: ${describeFootprint(f)}`).toBeLessThanOrEqual(MAX_PAYLOAD);
      }
    }
  });

  it('keeps every execution of the run under the continue-as-new point', () => {
    for (const [key, run] of Object.entries(runs)) {
      expect(
        run.footprint.maxEvents.events,
        `${key}: ${describeFootprint(run.footprint)}`,
      ).toBeLessThanOrEqual(MAX_EVENTS);
    }
  });
});
