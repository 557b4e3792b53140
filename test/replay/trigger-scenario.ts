/**
 * The replay scenario of pipeline triggers: the trigger registry (a registration, a refused loop, a firing,
 * a continue-as-new, a deletion) and the runs that tell it they ended, the upstream one and the one it
 * started, whose templates and foreach read the upstream's id and outputs.
 */
import assert from 'node:assert/strict';
import { runWorkflowId, triggerRegistryWorkflowId } from '../../common/names.js';
import { waitForRun } from '../../engine/runs.js';
import {
  deleteTrigger,
  ensureTriggerRegistry,
  listTriggers,
  newRegistration,
  registerTrigger,
} from '../../engine/triggers.js';
import { parsePipeline } from '../../pipeline/parse.js';
import type { PipelineInput } from '../../pipeline/schema.js';
import { shTask, waitFor } from '../integration/harness.js';
import type { Scenario } from './scenarios.js';

const small = { cpu: 0.25, memoryMiB: 32 } as const;

export const pipelineTriggersScenario: Scenario = {
  name: 'pipeline-triggers',
  covers:
    'a trigger registry that starts a run after another ends (its outputs in templates and a foreach), refuses a loop, continues as new and deletes',
  nodes: [{ id: 'n1', cpu: 1, memoryMiB: 256 }],
  async drive(cluster) {
    const { client, config } = cluster;
    const registryId = triggerRegistryWorkflowId(config.controlTaskQueue);
    // Small enough that the second run's end makes it hand over to a next execution.
    await ensureTriggerRegistry(client, config, { maxHistoryEvents: 20 });
    const downstream: PipelineInput = {
      name: 'trig-down',
      triggers: [{ afterPipeline: 'trig-up', status: 'succeeded' }],
      tasks: [
        shTask('each', 'echo "$V-$UP" > /gantry/outputs/v', {
          resources: small,
          foreach: '{{ trigger.outputs.list.items }}',
          env: { V: '{{ item }}', UP: '{{ trigger.runId }}' },
          outputs: { parameters: [{ name: 'v' }] },
        }),
      ],
    };
    const spec = parsePipeline(downstream, { nodes: cluster.spec.nodes });
    await registerTrigger(client, config, newRegistration(spec, 'down-after-up', config, new Date()));
    const loop = parsePipeline(
      { name: 'trig-up', triggers: [{ afterPipeline: 'trig-down' }], tasks: [shTask('t', 'true')] },
      { nodes: cluster.spec.nodes },
    );
    await assert.rejects(
      registerTrigger(client, config, newRegistration(loop, 'up-after-down', config, new Date())),
      /trigger loop/,
    );

    const upstream = await cluster.run({
      name: 'trig-up',
      tasks: [
        shTask('list', 'echo \'["a","b"]\' > /gantry/outputs/items', {
          resources: small,
          outputs: { parameters: [{ name: 'items' }] },
        }),
      ],
    });
    assert.equal(upstream.status, 'succeeded');
    const fired = await waitFor('the trigger to fire', async () => {
      const view = (await listTriggers(client, config)).find((v) => v.id === 'down-after-up');
      return view?.lastRun?.upstreamRunId === upstream.runId ? view.lastRun : undefined;
    });
    const downWorkflowId = runWorkflowId(fired.runId);
    const down = await waitForRun(client.workflow.getHandle(downWorkflowId));
    assert.equal(down.status, 'succeeded', JSON.stringify(down.tasks));
    assert.equal(down.tasks['each']?.foreach?.succeeded, 2);

    // The downstream's end was the registry's last event before its hand-over: the deletion goes to the next.
    await waitFor('the registry to continue as new', async () =>
      (await registryExecutions(cluster, registryId)) >= 2 ? true : undefined,
    );
    await deleteTrigger(client, config, 'down-after-up');
    assert.deepEqual(await listTriggers(client, config), []);
    // Nothing else will talk to it; a closed history replays as well as an open one.
    await client.workflow.getHandle(registryId).terminate('scenario finished');
    return [upstream.workflowId, downWorkflowId, `${downWorkflowId}--each--slice-0`, registryId];
  },
};

async function registryExecutions(
  cluster: Parameters<Scenario['drive']>[0],
  registryId: string,
): Promise<number> {
  const runIds: string[] = [];
  for await (const execution of cluster.client.workflow.list({ query: `WorkflowId = '${registryId}'` }))
    runIds.push(execution.runId);
  return runIds.length;
}
