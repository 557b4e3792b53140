/**
 * The integration runs whose histories record-histories.ts keeps for the replay test. Each scenario drives
 * its own private test cluster on the real stack, checks that the run really did what the scenario is
 * named after (a history of a preemption that never happened guards nothing), and returns the workflow
 * ids of the runs it started. Tasks are tiny busybox commands so that every history stays small.
 */
import assert from 'node:assert/strict';
import { Label, clusterWorkflowId } from '../../common/names.js';
import { openClusterService } from '../../engine/open-cluster-service.js';
import { runState, waitForRun } from '../../engine/runs.js';
import type { PipelineInput } from '../../pipeline/schema.js';
import type { RunState } from '../../workflows/definitions.js';
import {
  type TestCluster,
  type TestClusterOptions,
  type TestNode,
  docker,
  shTask,
  waitFor,
} from '../integration/harness.js';
import { nodeProcess } from '../integration/node-process.js';
import {
  placementBatchesScenario,
  placementChangesScenario,
  placementHandOffScenario,
} from './batches-scenario.js';
import { nodeLossScenario } from './node-loss-scenario.js';
import { partitionedRunScenario } from './partitioned-scenario.js';
import { pipelineTriggersScenario } from './trigger-scenario.js';
import { offPeakWindowsScenario } from './window-scenario.js';

export interface Scenario {
  /** Kebab-case; the prefix of its history files. */
  readonly name: string;
  readonly covers: string;
  readonly nodes: readonly TestNode[];
  readonly options?: Omit<TestClusterOptions, 'bundlePath'>;
  /** The cluster service must have continued as new into at least this many executions. */
  readonly minClusterExecutions?: number;
  drive(cluster: TestCluster): Promise<readonly string[]>;
}

const small = { cpu: 0.25, memoryMiB: 32 } as const;
const oneNode: readonly TestNode[] = [{ id: 'n1', cpu: 1, memoryMiB: 256 }];

function assertStatus(state: RunState, status: RunState['status']): void {
  assert.equal(state.status, status, `run ${state.runId}: ${JSON.stringify(state.tasks)}`);
}

async function runningContainers(runId: string, count: number): Promise<void> {
  await waitFor(`${count} running container(s) of ${runId}`, async () =>
    (await docker.findContainers({ [Label.Run]: runId })).filter((c) => c.isRunning).length >= count
      ? true
      : undefined,
  );
}

/** `runs` pipelines of `tasks` flat tasks each, started together on one cluster. */
async function concurrentRuns(
  cluster: TestCluster,
  prefix: string,
  runs: number,
  tasks: number,
  script: string,
  resources: PipelineInput['tasks'][number]['resources'],
): Promise<readonly string[]> {
  const pipeline = (i: number): PipelineInput => ({
    name: `${prefix}-${i}`,
    tasks: Array.from({ length: tasks }, (_, t) => shTask(`t${t}`, script, { resources })),
  });
  const states = await Promise.all(Array.from({ length: runs }, (_, i) => cluster.run(pipeline(i))));
  for (const state of states) assertStatus(state, 'succeeded');
  return states.map((s) => s.workflowId);
}

export const SCENARIOS: readonly Scenario[] = [
  {
    name: 'diamond',
    covers: 'a diamond DAG (a → b, c → d) on two nodes that succeeds',
    nodes: [
      { id: 'n1', cpu: 1, memoryMiB: 256 },
      { id: 'n2', cpu: 1, memoryMiB: 256 },
    ],
    async drive(cluster) {
      const state = await cluster.run({
        name: 'diamond',
        tasks: [
          shTask('a', 'true', { resources: small }),
          shTask('b', 'sleep 1', { resources: small, dependsOn: ['a'] }),
          shTask('c', 'sleep 1', { resources: small, dependsOn: ['a'] }),
          shTask('d', 'true', { resources: small, dependsOn: ['b', 'c'] }),
        ],
      });
      assertStatus(state, 'succeeded');
      return [state.workflowId];
    },
  },
  {
    name: 'failure-retry-skip',
    covers: 'a task that exits 3 on both of its attempts (a retry with backoff), its downstream skipped',
    nodes: oneNode,
    async drive(cluster) {
      const state = await cluster.run({
        name: 'failing',
        tasks: [
          shTask('prepare', 'true', { resources: small }),
          shTask('flaky', 'exit 3', {
            resources: small,
            dependsOn: ['prepare'],
            retry: { maxAttempts: 2, initialIntervalSeconds: 1 },
          }),
          shTask('sibling', 'true', { resources: small, dependsOn: ['prepare'] }),
          shTask('report', 'true', { resources: small, dependsOn: ['flaky', 'sibling'] }),
        ],
      });
      assertStatus(state, 'failed');
      assert.deepEqual(
        [state.tasks['flaky']?.status, state.tasks['flaky']?.attempts, state.tasks['flaky']?.exitCode],
        ['failed', 2, 3],
      );
      assert.equal(state.tasks['sibling']?.status, 'succeeded');
      assert.equal(state.tasks['report']?.status, 'skipped');
      return [state.workflowId];
    },
  },
  {
    name: 'cancellation',
    covers: 'a run cancelled while two containers run: both are killed, the downstream task is cancelled',
    nodes: oneNode,
    async drive(cluster) {
      const run = await cluster.start({
        name: 'to-cancel',
        tasks: [
          shTask('long-a', 'sleep 300', { resources: small }),
          shTask('long-b', 'sleep 300', { resources: small }),
          shTask('after', 'true', { resources: small, dependsOn: ['long-a'] }),
        ],
      });
      await runningContainers(run.runId, 2);
      await run.handle.cancel();
      const state = await waitForRun(run.handle);
      assertStatus(state, 'cancelled');
      for (const id of ['long-a', 'long-b', 'after']) assert.equal(state.tasks[id]?.status, 'cancelled');
      return [run.workflowId];
    },
  },
  {
    name: 'preemption',
    covers: 'a flex task evicted for a critical one, then re-queued and run again',
    nodes: [{ id: 'n1', cpu: 1, memoryMiB: 256 }],
    async drive(cluster) {
      // The first placement marks the run's workspace and would sleep for a minute; the re-run finds the mark.
      const flex = await cluster.start({
        name: 'preempt-flex',
        tasks: [
          shTask('batch', 'if [ -f /workspace/mark ]; then exit 0; fi; touch /workspace/mark; sleep 60', {
            resources: { cpu: 1, memoryMiB: 32 },
            tier: 'flex',
          }),
        ],
      });
      await runningContainers(flex.runId, 1);
      const critical = await cluster.run({
        name: 'preempt-critical',
        tasks: [shTask('urgent', 'true', { resources: { cpu: 1, memoryMiB: 32 }, tier: 'critical' })],
      });
      assertStatus(critical, 'succeeded');
      const state = await waitForRun(flex.handle);
      assertStatus(state, 'succeeded');
      assert.equal(state.tasks['batch']?.preemptions, 1);
      return [flex.workflowId, critical.workflowId];
    },
  },
  {
    name: 'run-continue-as-new',
    covers: 'a fan-out run forced to continue as new (maxHistoryEvents 30) that finishes every task once',
    nodes: oneNode,
    async drive(cluster) {
      const fan = Array.from({ length: 6 }, (_, i) => `f${i}`);
      const run = await cluster.start(
        {
          name: 'long-history',
          tasks: [
            shTask('start', 'true', { resources: small }),
            ...fan.map((id) => shTask(id, 'true', { resources: small, dependsOn: ['start'] })),
            shTask('end', 'true', { resources: small, dependsOn: fan }),
          ],
        },
        { maxHistoryEvents: 30 },
      );
      const state = await waitForRun(run.handle);
      assertStatus(state, 'succeeded');
      assert.ok((state.continuations ?? 0) >= 1, `continuations: ${state.continuations}`);
      for (const [id, task] of Object.entries(state.tasks)) assert.equal(task.attempts, 1, id);
      return [run.workflowId];
    },
  },
  {
    name: 'concurrent-queueing',
    covers: 'four runs of three tasks sharing one node that holds two tasks at a time, so tasks queue',
    nodes: oneNode,
    drive: (cluster) => concurrentRuns(cluster, 'queued', 4, 3, 'sleep 1', { cpu: 0.5, memoryMiB: 32 }),
  },
  {
    name: 'worker-restart',
    covers: 'a two-task run whose control worker is replaced mid-run, so it is replayed from history',
    nodes: oneNode,
    async drive(cluster) {
      const run = await cluster.start({
        name: 'survivor',
        tasks: [
          shTask('first', 'sleep 2', { resources: small }),
          shTask('second', 'true', { resources: small, dependsOn: ['first'] }),
        ],
      });
      await runningContainers(run.runId, 1);
      await cluster.restartControlWorker();
      const state = await waitForRun(run.handle);
      assertStatus(state, 'succeeded');
      return [run.workflowId];
    },
  },
  {
    name: 'service-outage',
    covers:
      'a run whose cluster service is terminated mid-run: its release and request fail and are sent again until the service is restarted from the open runs',
    nodes: oneNode,
    async drive(cluster) {
      const run = await cluster.start({
        name: 'outage',
        tasks: [
          shTask('a', 'sleep 1', { resources: small }),
          shTask('b', 'true', { resources: small, dependsOn: ['a'] }),
        ],
      });
      await runningContainers(run.runId, 1);
      await cluster.client.workflow
        .getHandle(clusterWorkflowId(cluster.name))
        .terminate('recording an outage');
      await waitFor('"a" to finish during the outage', async () =>
        (await runState(run.handle)).tasks['a']?.status === 'succeeded' ? true : undefined,
      );
      await new Promise((resolve) => setTimeout(resolve, 2_000));
      const opened = await openClusterService(cluster.client, cluster.config);
      assert.ok(opened?.restart, 'the service was not restarted');
      const state = await waitForRun(run.handle);
      assertStatus(state, 'succeeded');
      return [run.workflowId];
    },
  },
  {
    name: 'cluster-continue-as-new',
    covers:
      'the cluster service continuing as new (maxHistoryEvents 200) at least twice under four runs of 24 tasks',
    nodes: [
      { id: 'n1', cpu: 1, memoryMiB: 256 },
      { id: 'n2', cpu: 1, memoryMiB: 256 },
    ],
    options: { clusterMaxHistoryEvents: 200 },
    minClusterExecutions: 3,
    drive: (cluster) => concurrentRuns(cluster, 'churn', 4, 24, 'true', { cpu: 0.1, memoryMiB: 32 }),
  },
  {
    name: 'dataflow',
    covers:
      'outputs, artifacts, templates, trigger rules, a false when, a cached task and a sub-pipeline child run',
    nodes: oneNode,
    async drive(cluster) {
      const child: PipelineInput = {
        name: 'child',
        params: { base: '1' },
        tasks: [
          shTask('double', 'echo $((B * 2)) > /gantry/outputs/v', {
            resources: small,
            env: { B: '{{ params.base }}' },
            outputs: { parameters: [{ name: 'v' }] },
          }),
        ],
      };
      const pipeline: PipelineInput = {
        name: 'dataflow',
        params: { greeting: 'hi' },
        tasks: [
          shTask('make', 'echo "$G" > /gantry/outputs/msg; mkdir -p /o && echo x > /o/f', {
            resources: small,
            env: { G: '{{ params.greeting }}' },
            cache: { version: `${Date.now()}` },
            outputs: { parameters: [{ name: 'msg' }], artifacts: [{ name: 'o', path: '/o' }] },
          }),
          shTask('use', 'cat /in/f > /gantry/outputs/w', {
            resources: small,
            dependsOn: ['make'],
            inputs: { artifacts: [{ from: '{{ tasks.make.outputs.artifacts.o }}', path: '/in' }] },
            outputs: { parameters: [{ name: 'w' }] },
          }),
          shTask('bad', 'exit 3', { resources: small, dependsOn: ['make'] }),
          shTask('after-bad', 'true', { resources: small, dependsOn: ['bad'] }),
          shTask('report', 'true', { resources: small, dependsOn: ['use', 'bad'], trigger: 'allDone' }),
          shTask('never', 'true', {
            resources: small,
            dependsOn: ['use'],
            when: "tasks.use.outputs.w == 'nope'",
          }),
          {
            id: 'sub',
            dependsOn: ['make'],
            pipelineSpec: child,
            params: { base: '21' },
            outputs: { parameters: [{ name: 'v', from: '{{ tasks.double.outputs.v }}' }] },
          },
        ],
      };
      const first = await cluster.run(pipeline);
      assertStatus(first, 'failed');
      assert.equal(first.tasks['report']?.status, 'succeeded');
      assert.equal(first.tasks['after-bad']?.status, 'skipped');
      assert.equal(first.tasks['never']?.status, 'skipped');
      assert.equal(first.tasks['sub']?.status, 'succeeded');
      const second = await cluster.run(pipeline);
      assert.equal(second.tasks['make']?.status, 'cached');
      return [first.workflowId, `${first.workflowId}--sub`, second.workflowId, `${second.workflowId}--sub`];
    },
  },
  {
    name: 'foreach',
    covers:
      'a foreach over an upstream list in two slices (maxParallel 3), one item failing, gathered outputs',
    nodes: oneNode,
    async drive(cluster) {
      const state = await cluster.run({
        name: 'foreach',
        tasks: [
          shTask('list', 'seq 0 119 | tr "\\n" , | sed "s/,$//; s/^/[/; s/$/]/" > /gantry/outputs/items', {
            resources: small,
            outputs: { parameters: [{ name: 'items' }] },
          }),
          shTask('each', '[ "$V" != 7 ] && echo $V > /gantry/outputs/v', {
            resources: { cpu: 0.1, memoryMiB: 16 },
            dependsOn: ['list'],
            foreach: '{{ tasks.list.outputs.items }}',
            maxParallel: 3,
            env: { V: '{{ item }}' },
            outputs: { parameters: [{ name: 'v' }] },
          }),
          shTask('gather', 'echo "$ALL" > /gantry/outputs/all', {
            resources: small,
            dependsOn: ['each'],
            trigger: 'allDone',
            env: { ALL: '{{ tasks.each.outputs.v }}' },
            outputs: { parameters: [{ name: 'all' }] },
          }),
        ],
      });
      assertStatus(state, 'failed');
      assert.equal(state.tasks['each']?.foreach?.failed, 1);
      assert.equal(state.tasks['gather']?.status, 'succeeded');
      return [state.workflowId, `${state.workflowId}--each--slice-0`, `${state.workflowId}--each--slice-1`];
    },
  },
  {
    name: 'cluster-search-budget',
    covers:
      'the cluster service deciding under the gantry-cluster-search-budget patch (maxSearchWork): four tasks heavy in cpu or memory, ready together, on three nodes',
    nodes: [
      { id: 'n1', cpu: 1, memoryMiB: 256 },
      { id: 'n2', cpu: 1, memoryMiB: 256 },
      { id: 'n3', cpu: 1, memoryMiB: 256 },
    ],
    async drive(cluster) {
      const heavy = [
        { cpu: 0.7, memoryMiB: 48 },
        { cpu: 0.2, memoryMiB: 192 },
        { cpu: 0.6, memoryMiB: 64 },
        { cpu: 0.3, memoryMiB: 160 },
      ] as const;
      const state = await cluster.run({
        name: 'search-budget',
        tasks: heavy.map((resources, t) => shTask(`t${t}`, 'true', { resources })),
      });
      assertStatus(state, 'succeeded');
      return [state.workflowId];
    },
  },
  {
    name: 'counted-attempts',
    covers:
      'attempts counted by the run (gantry-counted-attempts): a task that fails both of its attempts with backoff, and one whose node worker is stopped mid-task, so its attempt is a platform retry that adopts the container',
    nodes: oneNode,
    options: { externalNodes: ['n1'] },
    async drive(cluster) {
      const worker = nodeProcess(cluster, 'n1');
      await worker.start();
      try {
        const run = await cluster.start({
          name: 'counted',
          tasks: [
            shTask('flaky', 'exit 3', {
              resources: small,
              retry: { maxAttempts: 2, initialIntervalSeconds: 1 },
            }),
            shTask('long', 'sleep 8', { resources: small }),
          ],
        });
        // The worker goes only once "flaky" is done, so that only "long" is caught by it.
        await waitFor('"flaky" to fail and "long" to run', async () => {
          const flaky = (await runState(run.handle)).tasks['flaky'];
          const running = await docker.findContainers({ [Label.Run]: run.runId, [Label.Task]: 'long' });
          return flaky?.status === 'failed' && running.some((c) => c.isRunning) ? true : undefined;
        });
        await worker.stop('SIGTERM');
        await worker.start();
        const state = await waitForRun(run.handle);
        assertStatus(state, 'failed');
        assert.deepEqual([state.tasks['flaky']?.attempts, state.tasks['flaky']?.platformRetries], [2, 0]);
        assert.deepEqual(
          [state.tasks['long']?.status, state.tasks['long']?.attempts, state.tasks['long']?.platformRetries],
          ['succeeded', 1, 1],
        );
        return [run.workflowId];
      } finally {
        await worker.stop('SIGTERM');
      }
    },
  },
  {
    name: 'cluster-reconcile',
    covers:
      'the cluster service reconciling (gantry-cluster-reconcile): a run terminated from outside never releases its room, and a round of the timer finds it closed and frees it for the next run',
    nodes: oneNode,
    options: { reconcileIntervalSeconds: 2 },
    async drive(cluster) {
      const doomed = await cluster.start({
        name: 'doomed',
        tasks: [shTask('long', 'sleep 30', { resources: { cpu: 0.75, memoryMiB: 32 } })],
      });
      await runningContainers(doomed.runId, 1);
      await doomed.handle.terminate('recording reconciliation');
      const state = await cluster.run({
        name: 'after-reconcile',
        tasks: [shTask('big', 'true', { resources: { cpu: 0.75, memoryMiB: 32 } })],
      });
      assertStatus(state, 'succeeded');
      await waitFor('the doomed container to go', async () =>
        (await docker.findContainers({ [Label.Run]: doomed.runId })).length === 0 ? true : undefined,
      );
      return [state.workflowId];
    },
  },
  offPeakWindowsScenario,
  pipelineTriggersScenario,
  placementBatchesScenario,
  placementChangesScenario,
  placementHandOffScenario,
  partitionedRunScenario,
  nodeLossScenario,
];
