/**
 * The replay scenario of runs started by digest (workflows/run/stored-run.ts): a partitioned run whose
 * four slices pass a value, a failure and a skip across slices, and a run kept to two tasks in flight.
 */
import assert from 'node:assert/strict';
import { waitForRun } from '../../engine/runs.js';
import { sliceWorkflowId } from '../../workflows/run/partitioned-run.js';
import { shTask } from '../integration/harness.js';
import type { Scenario } from './scenarios.js';

const small = { cpu: 0.25, memoryMiB: 16 } as const;

export const partitionedRunScenario: Scenario = {
  name: 'partitioned-runs',
  covers:
    'a run opened from its stored spec and partitioned into 4 slices (value, failure and skip across slices), and a run capped at 2 tasks in flight',
  nodes: [{ id: 'n1', cpu: 2, memoryMiB: 512 }],
  async drive(cluster) {
    const started = await cluster.start(
      {
        name: 'partitioned',
        tasks: [
          shTask('make', 'echo 7 > /gantry/outputs/n', {
            resources: small,
            outputs: { parameters: [{ name: 'n' }] },
          }),
          shTask('a1', 'true', { resources: small, dependsOn: ['make'] }),
          shTask('boom', 'exit 3', { resources: small, dependsOn: ['make'] }),
          shTask('a2', 'true', { resources: small, dependsOn: ['a1'] }),
          shTask('after-boom', 'true', { resources: small, dependsOn: ['boom'] }),
          shTask('cleanup', 'true', { resources: small, dependsOn: ['boom'], trigger: 'allDone' }),
          shTask('use', 'echo "{{ tasks.make.outputs.n }}" > /gantry/outputs/v', {
            resources: small,
            dependsOn: ['a2'],
            outputs: { parameters: [{ name: 'v' }] },
          }),
        ],
      },
      { maxSliceTasks: 2 },
    );
    const partitioned = await waitForRun(started.handle);
    assert.equal(partitioned.status, 'failed');
    assert.deepEqual(partitioned.partition?.counts, { succeeded: 5, failed: 1, skipped: 1 });
    assert.equal(partitioned.partition?.slices, 4);

    const capped = await cluster.start(
      {
        name: 'capped',
        tasks: Array.from({ length: 5 }, (_, i) => shTask(`t${i}`, 'sleep 1', { resources: small })),
      },
      { maxInFlight: 2 },
    );
    const state = await waitForRun(capped.handle);
    assert.equal(state.status, 'succeeded');
    // Never more than two at once: each of t2… started after some earlier task had finished.
    const spans = Object.values(state.tasks).map((t) => [t.startedAt!, t.finishedAt!] as const);
    for (const [start] of spans)
      assert.ok(spans.filter(([s, f]) => s <= start && start < f).length <= 2, 'at most 2 in flight');
    return [
      started.workflowId,
      ...Array.from({ length: 4 }, (_, i) => sliceWorkflowId(started.workflowId, i)),
      capped.workflowId,
    ];
  },
};
