/**
 * Pipeline triggers on the real Temporal server and Docker engine: a run that ends starts the pipelines
 * registered after it, with its id and outputs in their templates; the status filter; loops refused;
 * registrations that survive a control worker restart and the registry's continue-as-new; deletion.
 */
import { WorkflowNotFoundError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggeredRunId } from '../../engine/trigger-activities.js';
import { FailureType } from '../../common/failure-types.js';
import { SearchAttribute, runWorkflowId, triggerRegistryWorkflowId } from '../../common/names.js';
import { TriggerRejectedError } from '../../engine/errors.js';
import { runState, waitForRun } from '../../engine/runs.js';
import {
  deleteTrigger,
  ensureTriggerRegistry,
  listTriggers,
  newRegistration,
  registerTrigger,
} from '../../engine/triggers.js';
import { parsePipeline } from '../../pipeline/parse.js';
import type { PipelineInput, PipelineSpec } from '../../pipeline/schema.js';
import type { RunState } from '../../workflows/definitions.js';
import { valueOf } from './data-helpers.js';
import { type TestCluster, shTask, startTestCluster, waitFor } from './harness.js';

// Small, so that the file's registrations and runs make the registry continue as new several times.
const REGISTRY_MAX_HISTORY_EVENTS = 40;

describe('pipeline triggers', () => {
  let cluster: TestCluster;
  const started: string[] = [];

  beforeAll(async () => {
    cluster = await startTestCluster('triggers', [{ id: 'n1', cpu: 2, memoryMiB: 1024 }]);
    await ensureTriggerRegistry(cluster.client, cluster.config, {
      maxHistoryEvents: REGISTRY_MAX_HISTORY_EVENTS,
    });
  });
  afterAll(async () => {
    const { client } = cluster;
    for (const workflowId of started) {
      const handle = client.workflow.getHandle(workflowId);
      if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test finished');
    }
    await client.workflow
      .getHandle(triggerRegistryWorkflowId(cluster.config.controlTaskQueue))
      .terminate('test finished')
      .catch(() => undefined);
    await cluster.stop();
  });

  const parse = (input: PipelineInput) => parsePipeline(input, { nodes: cluster.spec.nodes });
  const register = (id: string, input: PipelineInput) =>
    registerTrigger(
      cluster.client,
      cluster.config,
      newRegistration(parse(input), id, cluster.config, new Date()),
    );

  /** The run `id` started after `upstream` (the id is a function of both), once it has ended. */
  async function downstreamRun(spec: PipelineSpec, id: string, upstream: RunState): Promise<RunState> {
    const ended = {
      runId: upstream.runId,
      workflowId: runWorkflowId(upstream.runId),
      pipeline: upstream.pipeline,
      status: upstream.status as 'succeeded',
      endedAt: upstream.finishedAt!,
    };
    const workflowId = runWorkflowId(triggeredRunId(spec, ended, id));
    started.push(workflowId);
    const handle = cluster.client.workflow.getHandle(workflowId);
    await waitFor(`the run trigger "${id}" starts after ${upstream.runId}`, () =>
      handle.describe().then(
        () => true,
        (err: unknown) => {
          if (err instanceof WorkflowNotFoundError) return undefined;
          throw err;
        },
      ),
    );
    return waitForRun(handle);
  }

  const upstreamA: PipelineInput = {
    name: 'up-a',
    tasks: [
      shTask(
        'a',
        "printf from-a > /gantry/outputs/x; head -c 5000 /dev/zero | tr '\\0' y > /gantry/outputs/big",
        {
          outputs: { parameters: [{ name: 'x' }, { name: 'big' }] },
        },
      ),
    ],
  };
  const downstreamB: PipelineInput = {
    name: 'down-b',
    triggers: [{ afterPipeline: 'up-a', status: 'succeeded' }],
    tasks: [
      shTask(
        'echo',
        'printf %s "$X" > /gantry/outputs/x; printf %s "$UP" > /gantry/outputs/up; printf %s ${#BIG} > /gantry/outputs/biglen',
        {
          env: {
            X: '{{ trigger.outputs.a.x }}',
            UP: '{{ trigger.runId }}',
            BIG: '{{ trigger.outputs.a.big }}',
          },
          outputs: { parameters: [{ name: 'x' }, { name: 'up' }, { name: 'biglen' }] },
        },
      ),
    ],
  };

  it('starts the downstream pipeline after the upstream run, with its id and outputs', async () => {
    const view = await register('b-after-a', downstreamB);
    expect(view).toMatchObject({
      id: 'b-after-a',
      pipeline: 'down-b',
      after: downstreamB.triggers,
      fired: 0,
    });

    const upstream = await cluster.run(upstreamA);
    expect(upstream.status).toBe('succeeded');
    const down = await downstreamRun(parse(downstreamB), 'b-after-a', upstream);

    expect(down.status, JSON.stringify(down.tasks)).toBe('succeeded');
    const outputs = down.tasks['echo']!.outputs!;
    expect(await valueOf(cluster, outputs['x']!)).toBe('from-a');
    expect(await valueOf(cluster, outputs['up']!)).toBe(upstream.runId);
    // 5,000 bytes are over the inline limit: the value came through the artifact store.
    expect(upstream.tasks['a']!.outputs!['big']!.kind).toBe('stored');
    expect(await valueOf(cluster, outputs['biglen']!)).toBe('5000');
    expect(down.origin).toEqual({
      kind: 'pipeline',
      triggerId: 'b-after-a',
      upstream: { runId: upstream.runId, pipeline: 'up-a', status: 'succeeded' },
    });
    const { searchAttributes } = await cluster.client.workflow
      .getHandle(runWorkflowId(down.runId))
      .describe();
    expect(searchAttributes[SearchAttribute.Trigger]).toEqual(['pipeline']);
    expect(searchAttributes[SearchAttribute.UpstreamRun]).toEqual([upstream.runId]);
    expect(searchAttributes[SearchAttribute.Pipeline]).toEqual(['down-b']);

    const listed = await waitFor('the registry to count the firing', async () => {
      const views = await listTriggers(cluster.client, cluster.config);
      const mine = views.find((v) => v.id === 'b-after-a');
      return mine?.fired === 1 ? mine : undefined;
    });
    expect(listed.lastRun).toEqual({ runId: down.runId, upstreamRunId: upstream.runId });
  });

  it('fires a `failed` trigger only after a failed run, and fails a task whose upstream output is missing', async () => {
    const upstream: PipelineInput = {
      name: 'flaky',
      params: { code: '0' },
      tasks: [
        shTask('ok', 'printf fine > /gantry/outputs/v', { outputs: { parameters: [{ name: 'v' }] } }),
        shTask('bad', 'exit {{ params.code }}', { dependsOn: ['ok'] }),
      ],
    };
    const onFailure: PipelineInput = {
      name: 'on-failure',
      triggers: [{ afterPipeline: 'flaky', status: 'failed' }],
      tasks: [
        shTask('report', 'printf "%s:%s" "$V" "$UP" > /gantry/outputs/r', {
          env: { V: '{{ trigger.outputs.ok.v }}', UP: '{{ trigger.runId }}' },
          outputs: { parameters: [{ name: 'r' }] },
        }),
        shTask('missing', 'true', { env: { V: '{{ trigger.outputs.bad.v }}' } }),
      ],
    };
    await register('alert', onFailure);

    const good = await cluster.run(upstream);
    expect(good.status).toBe('succeeded');
    const bad = await cluster.run({ ...upstream, params: { code: '1' } });
    expect(bad.status).toBe('failed');

    const down = await downstreamRun(parse(onFailure), 'alert', bad);
    expect(down.origin).toMatchObject({ upstream: { runId: bad.runId, status: 'failed' } });
    expect(await valueOf(cluster, down.tasks['report']!.outputs!['r']!)).toBe(`fine:${bad.runId}`);
    expect(down.tasks['missing']).toMatchObject({
      status: 'failed',
      failureType: FailureType.TemplateError,
      error: expect.stringContaining(
        `{{ trigger.outputs.bad.v }}: upstream run ${bad.runId} has no output "v" of task "bad"`,
      ),
    });
    // Both upstream runs told the registry, in order: the successful one, handled first, started nothing.
    const alert = (await listTriggers(cluster.client, cluster.config)).find((v) => v.id === 'alert');
    expect(alert).toMatchObject({ fired: 1, lastRun: { runId: down.runId, upstreamRunId: bad.runId } });
  });

  it('fires after a cancelled run', async () => {
    const slow: PipelineInput = { name: 'slow', tasks: [shTask('wait', 'sleep 60')] };
    const afterCancel: PipelineInput = {
      name: 'after-cancel',
      triggers: [{ afterPipeline: 'slow', status: 'cancelled' }],
      tasks: [
        shTask('note', 'printf %s "{{ trigger.runId }}" > /gantry/outputs/up', {
          outputs: { parameters: [{ name: 'up' }] },
        }),
      ],
    };
    await register('after-cancel', afterCancel);
    const run = await cluster.start(slow);
    await waitFor('the slow task to run', async () =>
      (await runState(run.handle)).tasks['wait']?.status === 'running' ? true : undefined,
    );
    await run.handle.cancel();
    const cancelled = await waitForRun(run.handle);
    expect(cancelled.status).toBe('cancelled');
    const down = await downstreamRun(parse(afterCancel), 'after-cancel', cancelled);
    expect(down.status).toBe('succeeded');
    expect(await valueOf(cluster, down.tasks['note']!.outputs!['up']!)).toBe(cancelled.runId);
  });

  it('refuses a trigger loop, a pipeline after itself and a duplicate id, and keeps the rest', async () => {
    const after = (name: string, upstream: string): PipelineInput => ({
      name,
      triggers: [{ afterPipeline: upstream, status: 'finished' }],
      tasks: [shTask('t', 'true')],
    });
    await register('x-after-y', after('loop-x', 'loop-y'));
    const refusal = (id: string, input: PipelineInput) =>
      register(id, input).then(
        () => undefined,
        (err: unknown) => err,
      );

    const loop = await refusal('y-after-x', after('loop-y', 'loop-x'));
    expect(loop).toBeInstanceOf(TriggerRejectedError);
    expect((loop as TriggerRejectedError).type).toBe('TriggerLoop');
    expect((loop as Error).message).toBe(
      'cannot register trigger "y-after-x": trigger loop: loop-y → loop-x → loop-y (triggers "x-after-y", "y-after-x")',
    );
    expect(((await refusal('self', after('loop-z', 'loop-z'))) as Error).message).toBe(
      'cannot register trigger "self": trigger loop: loop-z → loop-z (triggers "self")',
    );
    expect(((await refusal('x-after-y', after('other', 'up-a'))) as Error).message).toBe(
      'cannot register trigger "x-after-y": a trigger "x-after-y" already exists (it starts pipeline "loop-x"); delete it first',
    );

    // Two registrations that only together close a loop, sent at once: the registry takes them one by one.
    const both = await Promise.allSettled([
      register('p-after-q', after('loop-p', 'loop-q')),
      register('q-after-p', after('loop-q', 'loop-p')),
    ]);
    expect(both.map((r) => r.status).sort()).toEqual(['fulfilled', 'rejected']);

    const ids = (await listTriggers(cluster.client, cluster.config)).map((v) => v.id);
    expect(ids).toContain('x-after-y');
    expect(ids).not.toContain('y-after-x');
    expect(ids).not.toContain('self');
    expect(ids.filter((id) => id === 'p-after-q' || id === 'q-after-p')).toHaveLength(1);
  });

  it('keeps a registration across a control worker restart and the registry’s continue-as-new', async () => {
    const durableDown: PipelineInput = {
      name: 'durable-down',
      triggers: [{ afterPipeline: 'durable-up', status: 'succeeded' }],
      tasks: [
        shTask('t', 'printf %s "{{ trigger.runId }}" > /gantry/outputs/up', {
          outputs: { parameters: [{ name: 'up' }] },
        }),
      ],
    };
    await register('durable', durableDown);
    // Every open workflow, the registry included, is then replayed from its history by a new worker.
    await cluster.restartControlWorker();

    const upstream = await cluster.run({ name: 'durable-up', tasks: [shTask('t', 'true')] });
    const down = await downstreamRun(parse(durableDown), 'durable', upstream);
    expect(down.status).toBe('succeeded');
    expect(await valueOf(cluster, down.tasks['t']!.outputs!['up']!)).toBe(upstream.runId);

    const registryId = triggerRegistryWorkflowId(cluster.config.controlTaskQueue);
    const executions = await waitFor('the registry’s executions in visibility', async () => {
      const runIds: string[] = [];
      for await (const execution of cluster.client.workflow.list({ query: `WorkflowId = '${registryId}'` }))
        runIds.push(execution.runId);
      return runIds.length >= 2 ? runIds.length : undefined;
    });
    expect(executions).toBeGreaterThanOrEqual(2);
  });

  it('stops firing once deleted', async () => {
    const sentinel: PipelineInput = {
      name: 'sentinel',
      triggers: [{ afterPipeline: 'up-a', status: 'succeeded' }],
      tasks: [shTask('t', 'true')],
    };
    await register('sentinel', sentinel);
    const deleted = await deleteTrigger(cluster.client, cluster.config, 'b-after-a');
    expect(deleted).toMatchObject({ id: 'b-after-a', pipeline: 'down-b', fired: 1 });

    const upstream = await cluster.run(upstreamA);
    // The sentinel fires in the same handler the deleted trigger would have fired in.
    expect((await downstreamRun(parse(sentinel), 'sentinel', upstream)).status).toBe('succeeded');
    const wouldBe = triggeredRunId(
      parse(downstreamB),
      {
        runId: upstream.runId,
        workflowId: runWorkflowId(upstream.runId),
        pipeline: 'up-a',
        status: 'succeeded',
        endedAt: upstream.finishedAt!,
      },
      'b-after-a',
    );
    await expect(cluster.client.workflow.getHandle(runWorkflowId(wouldBe)).describe()).rejects.toBeInstanceOf(
      WorkflowNotFoundError,
    );

    const unknown = await deleteTrigger(cluster.client, cluster.config, 'b-after-a').catch(
      (err: unknown) => err,
    );
    expect(unknown).toBeInstanceOf(TriggerRejectedError);
    expect((unknown as Error).message).toMatch(/^no trigger "b-after-a" \(registered: .*sentinel/);
  });
});
