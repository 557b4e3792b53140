/**
 * The replay scenarios of placement batches (workflows/placement-batches.ts): runs that ask and give back
 * in batches, a service that answers in `placementsDecided`, queues tasks on a full node and decides them
 * from a batch of releases, hands over (maxHistoryEvents 60) with batched requests carried to its next
 * execution, and a preempted flex task that gives its placement back and asks again in a batch.
 *
 * `placement-batches` was recorded by runs of the placement-batches patch alone (`requestPlacements` and
 * `releasePlacements`), `placement-changes` by runs of the placement-changes patch (one `placementChanges`
 * signal per workflow task). Today's runs take the hand-off patch as well (workflows/placement-handoff.ts),
 * so only `placement-handoff` can be recorded again: the same runs, where reservations also pass from a
 * finished task to the next and the two fan-outs competing for the node are told of each other.
 */
import assert from 'node:assert/strict';
import { Label, clusterWorkflowId } from '../../common/names.js';
import { waitForRun } from '../../engine/runs.js';
import type { PipelineInput } from '../../pipeline/schema.js';
import { historyCensus } from '../integration/history-census.js';
import { docker, shTask, waitFor } from '../integration/harness.js';
import type { Scenario } from './scenarios.js';

const fanOut = (name: string): PipelineInput => ({
  name,
  tasks: [
    shTask('root', 'true', { resources: { cpu: 0.25, memoryMiB: 16 } }),
    ...Array.from({ length: 12 }, (_, i) =>
      shTask(`leaf-${i}`, 'true', { resources: { cpu: 0.25, memoryMiB: 16 }, dependsOn: ['root'] }),
    ),
  ],
});

export const placementBatchesScenario: Scenario = batchesScenario(
  'placement-batches',
  'runs and the service speaking in batches: queueing on a full node, hand-overs with batched requests pending, a preemption re-queued in a batch',
  'requestPlacements',
);

export const placementChangesScenario: Scenario = batchesScenario(
  'placement-changes',
  'runs giving back and asking in one placementChanges signal per workflow task: queueing on a full node, hand-overs with requests pending, a preemption re-queued',
  'placementChanges',
);

export const placementHandOffScenario: Scenario = batchesScenario(
  'placement-handoff',
  'runs passing reservations from finished tasks to their next ones and told when another run waits: queueing on a full node, hand-overs, a preemption re-queued',
  'placementChanges',
  true,
);

function batchesScenario(
  name: string,
  covers: string,
  batchSignal: 'requestPlacements' | 'placementChanges',
  isHandingOff = false,
): Scenario {
  return {
    name,
    covers,
    nodes: [{ id: 'n1', cpu: 1, memoryMiB: 256 }],
    options: { clusterMaxHistoryEvents: 60 },
    minClusterExecutions: 2,
    async drive(cluster) {
      // Two runs of a root and 12 leaves on a node that holds 4 at once: leaves queue and are placed as
      // batches of releases come back.
      const states = await Promise.all([cluster.run(fanOut('batch-a')), cluster.run(fanOut('batch-b'))]);
      for (const s of states) assert.equal(s.status, 'succeeded', JSON.stringify(s.tasks));

      const flex = await cluster.start({
        name: 'batch-flex',
        tasks: [
          shTask('batch', 'if [ -f /workspace/mark ]; then exit 0; fi; touch /workspace/mark; sleep 60', {
            resources: { cpu: 1, memoryMiB: 32 },
            tier: 'flex',
          }),
        ],
      });
      await waitFor('the flex container to run', async () =>
        (await docker.findContainers({ [Label.Run]: flex.runId })).some((c) => c.isRunning)
          ? true
          : undefined,
      );
      const critical = await cluster.run({
        name: 'batch-critical',
        tasks: [shTask('urgent', 'true', { resources: { cpu: 1, memoryMiB: 32 }, tier: 'critical' })],
      });
      assert.equal(critical.status, 'succeeded');
      const preempted = await waitForRun(flex.handle);
      assert.equal(preempted.status, 'succeeded');
      assert.equal(preempted.tasks['batch']?.preemptions, 1);

      const runs = [...states.map((s) => s.workflowId), flex.workflowId, critical.workflowId];
      for (const id of runs) {
        const census = await historyCensus(cluster.client, id);
        assert.equal(census.sent['requestPlacement'] ?? 0, 0, `${id} asked one task at a time`);
        assert.ok((census.sent[batchSignal] ?? 0) > 0, `${id} sent no ${batchSignal}`);
        if (batchSignal === 'placementChanges')
          for (const older of ['requestPlacements', 'releasePlacements'])
            assert.equal(census.sent[older] ?? 0, 0, `${id} sent ${older} besides placementChanges`);
      }
      const service = await historyCensus(cluster.client, clusterWorkflowId(cluster.name));
      assert.equal(service.sent['placementDecided'] ?? 0, 0, 'the service answered a batch one by one');
      assert.ok((service.sent['placementsDecided'] ?? 0) > 0);
      if (isHandingOff) {
        assert.ok(service.handOffsReceived > 0, 'no reservation was handed off');
        // The two fan-outs overfill the node together: each is told once the other waits.
        assert.ok((service.sent['placementContention'] ?? 0) > 0, 'no run was told that another waits');
      }
      return runs;
    },
  };
}
