import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWorkflowId } from '../../common/names.js';
import {
  ClusterQueryFailedError,
  ClusterServiceStuckError,
  ClusterUnavailableError,
} from '../../engine/errors.js';
import { openClusterService } from '../../engine/open-cluster-service.js';
import { recoverClusterService } from '../../engine/recover-cluster.js';
import { clusterSnapshot, runState, waitForRun } from '../../engine/runs.js';
import { explainClusterQueryFailure, workflowHealth } from '../../engine/service-health.js';
import { type TestCluster, shTask, startTestCluster, waitFor } from './harness.js';

describe('a cluster service that ended is restarted from the open runs', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('recover', [{ id: 'n1', cpu: 1, memoryMiB: 256 }]);
  });
  afterAll(() => cluster.stop());

  it('rebuilds the allocation and the queue, and the run finishes with every task run once', async () => {
    // Each task appends its id to the run's workspace; the last one fails if any ran twice or not at all.
    // "long" and "gate" share the node; once "gate" is done, q1 and q2 are asked for and cannot fit beside
    // "long" (signals from one run reach the service in no fixed order, so the order comes from the DAG).
    const half = { cpu: 0.5, memoryMiB: 64 };
    const most = { cpu: 0.75, memoryMiB: 64 };
    const run = await cluster.start({
      name: 'recover-run',
      tasks: [
        shTask('long', 'echo long >> /workspace/trace; sleep 12', { resources: half }),
        shTask('gate', 'echo gate >> /workspace/trace', { resources: half }),
        shTask('q1', 'echo q1 >> /workspace/trace', { resources: most, dependsOn: ['gate'] }),
        shTask('q2', 'echo q2 >> /workspace/trace', { resources: most, dependsOn: ['gate'] }),
        shTask('check', 'sort /workspace/trace | tr "\\n" " " | grep -qx "gate long q1 q2 "', {
          dependsOn: ['long', 'q1', 'q2'],
          resources: { cpu: 0.25, memoryMiB: 32 },
        }),
      ],
    });
    const key = (task: string) => `${run.workflowId}/${task}`;
    await waitFor('"long" running while q1 and q2 wait', async () => {
      const { tasks } = await runState(run.handle);
      return tasks['long']?.status === 'running' &&
        tasks['q1']?.status === 'queued' &&
        tasks['q2']?.status === 'queued'
        ? true
        : undefined;
    });
    // Their requests have reached the service (a run's signal to a service that is gone would fail it).
    await waitFor('q1 and q2 queued in the service', async () =>
      (await clusterSnapshot(cluster.client, cluster.name))?.pending.length === 2 ? true : undefined,
    );

    await cluster.client.workflow.getHandle(clusterWorkflowId(cluster.name)).terminate('test: service lost');
    expect(await workflowHealth(cluster.client, clusterWorkflowId(cluster.name))).toMatchObject({
      kind: 'closed',
      status: 'TERMINATED',
    });
    const opened = await openClusterService(cluster.client, cluster.config);

    expect(opened?.restart).toMatchObject({
      specSource: 'history',
      allocations: 1,
      pending: 2,
      runs: 1,
      unanswered: [],
      dropped: [],
      isStartedHere: true,
    });
    expect(opened?.spec).toEqual(cluster.spec);
    const snapshot = await clusterSnapshot(cluster.client, cluster.name);
    expect(snapshot?.nodes.map((n) => [n.id, n.allocations])).toEqual([['n1', [key('long')]]]);
    expect(snapshot?.pending.map((p) => p.key)).toEqual([key('q1'), key('q2')]);
    // The restart happened while the long task still ran.
    expect((await runState(run.handle)).tasks['long']?.status).toBe('running');

    const state = await waitForRun(run.handle);
    expect(state.status).toBe('succeeded');
    for (const id of ['long', 'gate', 'q1', 'q2', 'check'])
      expect(state.tasks[id], id).toMatchObject({ status: 'succeeded', attempts: 1 });
    const after = await clusterSnapshot(cluster.client, cluster.name);
    expect(after?.nodes[0]?.allocations).toEqual([]);
    expect(after?.pending).toEqual([]);
  });
});

describe('a run whose cluster service is gone for a while', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('outage', [{ id: 'n1', cpu: 1, memoryMiB: 256 }]);
  });
  afterAll(() => cluster.stop());

  it('keeps sending its release and requests until the service is back, and finishes', async () => {
    const run = await cluster.start({
      name: 'outage-run',
      tasks: [
        shTask('a', 'sleep 1; echo a >> /workspace/trace'),
        shTask('b', 'echo b >> /workspace/trace', { dependsOn: ['a'] }),
        shTask('check', 'tr "\\n" " " < /workspace/trace | grep -qx "a b "', { dependsOn: ['b'] }),
      ],
    });
    await waitFor('"a" running', async () =>
      (await runState(run.handle)).tasks['a']?.status === 'running' ? true : undefined,
    );
    await cluster.client.workflow.getHandle(clusterWorkflowId(cluster.name)).terminate('test: outage');
    // "a" ends during the outage: its release and b's request fail and are sent again later.
    await waitFor(
      '"a" to finish while the service is gone',
      async () => ((await runState(run.handle)).tasks['a']?.status === 'succeeded' ? true : undefined),
      20_000,
    );
    await new Promise((resolve) => setTimeout(resolve, 2_000));
    expect((await runState(run.handle)).status).toBe('running');

    const opened = await openClusterService(cluster.client, cluster.config);
    expect(opened?.restart).toMatchObject({ runs: 1, unanswered: [] });
    const state = await waitForRun(run.handle);
    expect(state.status).toBe('succeeded');
    for (const id of ['a', 'b', 'check'])
      expect(state.tasks[id], id).toMatchObject({ status: 'succeeded', attempts: 1 });
    await waitFor('the service to hold nothing of the finished run', async () => {
      const after = await clusterSnapshot(cluster.client, cluster.name);
      return after?.nodes[0]?.allocations.length === 0 && after.pending.length === 0 ? true : undefined;
    });
  });
});

describe('a wedged service is seen and recovered', () => {
  let cluster: TestCluster;
  const started: string[] = [];
  beforeAll(async () => {
    cluster = await startTestCluster('wedged', [{ id: 'n1', cpu: 1, memoryMiB: 256 }]);
  });
  afterAll(async () => {
    for (const workflowId of started) {
      await cluster.client.workflow
        .getHandle(workflowId)
        .terminate('test finished')
        .catch(() => undefined);
    }
    await cluster.stop();
  });

  /** Starts a workflow whose code throws on every attempt: it has no input at all. */
  async function startWedged(type: 'clusterService' | 'runPipeline', workflowId: string): Promise<string> {
    const handle = await cluster.client.workflow.start(type, {
      workflowId,
      taskQueue: cluster.config.controlTaskQueue,
      args: [],
    });
    started.push(workflowId);
    return handle.firstExecutionRunId;
  }

  it('names the cause when the service’s workflow task keeps failing, and recover restarts it', async () => {
    const config = { ...cluster.config, clusterName: `${cluster.name}-w` };
    const workflowId = clusterWorkflowId(config.clusterName);
    const wedgedRunId = await startWedged('clusterService', workflowId);

    const health = await waitFor('the service to be seen stuck', async () => {
      const h = await workflowHealth(cluster.client, workflowId);
      return h.kind === 'stuck' ? h : undefined;
    });
    expect(health.problem).toMatchObject({
      cause: 'WorkflowWorkerUnhandledFailure',
      // The code reads its (missing) input: the engine's TypeError names `undefined`.
      message: expect.stringContaining('undefined'),
    });
    const opening = openClusterService(cluster.client, config);
    await expect(opening).rejects.toBeInstanceOf(ClusterServiceStuckError);
    await expect(opening).rejects.toThrow(
      new RegExp(
        `^the cluster service "${config.clusterName}" is stuck: its workflow task fails \\(WorkflowWorkerUnhandledFailure: .*undefined.*\\); run \`gantry cluster recover\`$`,
      ),
    );
    // A failed query is put down to the wedge, not to a missing worker.
    expect(
      await explainClusterQueryFailure(cluster.client, config.clusterName, new Error('query failed')),
    ).toBeInstanceOf(ClusterServiceStuckError);

    const fallback = { ...cluster.spec, name: config.clusterName };
    const recovery = await recoverClusterService(cluster.client, config, {
      fallbackSpec: () => Promise.resolve(fallback),
    });
    expect(recovery).toMatchObject({
      kind: 'restarted',
      previous: { kind: 'stuck', problem: { cause: 'WorkflowWorkerUnhandledFailure' } },
      restart: { specSource: 'fallback', allocations: 0, pending: 0, runs: 0 },
    });
    const wedged = await cluster.client.workflow.getHandle(workflowId, wedgedRunId).describe();
    expect(wedged.status.name).toBe('TERMINATED');
    expect((await clusterSnapshot(cluster.client, config.clusterName))?.name).toBe(config.clusterName);
    expect((await workflowHealth(cluster.client, workflowId)).kind).toBe('running');
    expect((await recoverClusterService(cluster.client, config)).kind).toBe('healthy');
  });

  it('names the cause when a run’s workflow task keeps failing', async () => {
    const workflowId = `gantry-run-${cluster.name}-wedged`;
    await startWedged('runPipeline', workflowId);
    const health = await waitFor('the run to be seen stuck', async () => {
      const h = await workflowHealth(cluster.client, workflowId);
      return h.kind === 'stuck' ? h : undefined;
    });
    expect(health.problem.cause).toBe('WorkflowWorkerUnhandledFailure');
    expect(health.problem.attempts).toBeGreaterThanOrEqual(2);
  });

  it('says no worker answers only when none polls the service’s queue', async () => {
    const healthy = await explainClusterQueryFailure(cluster.client, cluster.name, new Error('query failed'));
    expect(healthy).toBeInstanceOf(ClusterQueryFailedError);
    expect(healthy.message).toBe(
      `the service of cluster "${cluster.name}" did not answer a query: query failed`,
    );

    const orphan = `${cluster.name}-o`;
    await cluster.client.workflow.start('clusterService', {
      workflowId: clusterWorkflowId(orphan),
      taskQueue: `${cluster.config.controlTaskQueue}-nobody`,
      args: [{ spec: { ...cluster.spec, name: orphan } }],
    });
    started.push(clusterWorkflowId(orphan));
    const unserved = await explainClusterQueryFailure(cluster.client, orphan, new Error('query failed'));
    expect(unserved).toBeInstanceOf(ClusterUnavailableError);
  });
});
