/**
 * Partitioned runs on the real stack: a run above its slice size runs as one child workflow per slice of
 * its DAG (workflows/run/partitioned-run.ts). The slice size is lowered here so that a dozen real
 * containers exercise what a 100,000-task run does: values, trigger rules and skips that cross slices, a
 * failure's summary, cancellation, and the CLI's view of the result.
 */
import { WorkflowFailedError } from '@temporalio/client';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Label } from '../../common/names.js';
import { partitionedTaskStates, withPartitionedTasks } from '../../engine/partitioned-state.js';
import { fetchRunInput, selectReuse } from '../../engine/rerun.js';
import { getRunState, runState, waitForRun } from '../../engine/runs.js';
import { configStore } from '../../engine/stored-spec.js';
import { buildRunSummary } from '../../engine/run-summary.js';
import { formatRunSummary } from '../../cli/format.js';
import { sliceWorkflowId } from '../../workflows/run/partitioned-run.js';
import { type TestCluster, docker, shTask, startTestCluster, waitFor } from './harness.js';

describe('a partitioned run', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('partitioned', [{ id: 'p1', cpu: 4, memoryMiB: 4_096 }]);
  });
  afterAll(() => cluster?.stop());

  it('passes values, trigger rules and skips across slices, and reports its counts', async () => {
    const pipeline = {
      name: 'partitioned-dataflow',
      tasks: [
        shTask('make', 'echo 7 > /gantry/outputs/n', { outputs: { parameters: [{ name: 'n' }] } }),
        shTask('a1', 'true', { dependsOn: ['make'] }),
        shTask('boom', 'exit 3', { dependsOn: ['make'] }),
        shTask('a2', 'true', { dependsOn: ['a1'] }),
        shTask('after-boom', 'true', { dependsOn: ['boom'] }),
        shTask('cleanup', 'true', { dependsOn: ['boom'], trigger: 'allDone' }),
        // Three slices downstream of `make`, it still reads make's output.
        shTask('use', 'echo "got {{ tasks.make.outputs.n }}" > /gantry/outputs/said', {
          dependsOn: ['a2'],
          outputs: { parameters: [{ name: 'said' }] },
        }),
      ],
    };
    const started = await cluster.start(pipeline, { maxSliceTasks: 2 });
    const failure = await started.handle.result().catch((err: unknown) => err);
    expect(failure).toBeInstanceOf(WorkflowFailedError);
    expect((failure as WorkflowFailedError).cause?.message).toMatch(
      /pipeline "partitioned-dataflow" failed: 1 task\(s\) failed, among them "boom"/,
    );
    const state = await waitForRun(started.handle);
    expect(state.status).toBe('failed');
    expect(state.tasks).toEqual({});
    expect(state.partition).toMatchObject({
      taskCount: 7,
      slices: 4,
      slicesDone: 4,
      counts: { succeeded: 5, failed: 1, skipped: 1 },
      failedTasks: ['boom'],
    });

    const tasks = (await partitionedTaskStates(state, configStore(cluster.config)))!;
    expect(Object.keys(tasks).sort()).toEqual(pipeline.tasks.map((t) => t.id).sort());
    expect(tasks['after-boom']).toMatchObject({
      status: 'skipped',
      error: 'skipped: upstream task "boom" failed',
    });
    expect(tasks['cleanup']!.status).toBe('succeeded');
    expect(tasks['use']!.outputs).toEqual({ said: { kind: 'inline', value: 'got 7' } });

    // Each slice is a child workflow of the run, which shows nothing of it in `gantry list`.
    const slice = await cluster.client.workflow.getHandle(sliceWorkflowId(started.workflowId, 3)).describe();
    expect(slice.parentExecution?.workflowId).toBe(started.workflowId);
    expect(slice.searchAttributes['GantryPipeline']).toBeUndefined();

    // The CLI's view: counts, then the tasks read back from the store.
    const shown = formatRunSummary(buildRunSummary(state));
    expect(shown).toContain('7 tasks in 4 slices (4 done, 0 running): 5 succeeded, 1 failed, 1 skipped');
    expect(await docker.findContainers({ [Label.Run]: started.runId })).toEqual([]);
  }, 180_000);

  it('reruns a partitioned run: the tasks that succeeded are taken from it, slice by slice', async () => {
    const pipeline = {
      name: 'partitioned-rerun',
      tasks: [
        // Retried, so that a loaded machine's platform fault (issue #11) cannot fail what is not under test.
        shTask('a', 'echo 1 > /gantry/outputs/v', {
          outputs: { parameters: [{ name: 'v' }] },
          retry: { maxAttempts: 3 },
        }),
        shTask('c', 'true', { retry: { maxAttempts: 3 } }),
        shTask('b', 'exit 3', { dependsOn: ['a'] }),
      ],
    };
    const first = await cluster.start(pipeline, { maxSliceTasks: 1 });
    const ended = await waitForRun(first.handle);
    const store = configStore(cluster.config);
    // On a mismatch the message carries each task's state (a loaded CI run once failed here unexplained).
    const firstTasks = JSON.stringify(await partitionedTaskStates(ended, store));
    expect(ended.partition?.counts, firstTasks).toEqual({ succeeded: 2, failed: 1 });
    const input = await fetchRunInput(cluster.client, first.handle, store);
    expect(input.spec.tasks.map((t) => t.id)).toEqual(['a', 'c', 'b']);
    const reuse = selectReuse(input.spec, await withPartitionedTasks(ended, store, Infinity));
    expect(Object.keys(reuse).sort()).toEqual(['a', 'c']);

    const again = await cluster.start(pipeline, { maxSliceTasks: 1, reuse });
    const state = await waitForRun(again.handle);
    const tasks = (await partitionedTaskStates(state, store))!;
    expect(state.partition?.counts, JSON.stringify(tasks)).toEqual({ cached: 2, failed: 1 });
    expect(tasks['a']).toMatchObject({ status: 'cached', cachedFrom: first.runId });
    expect(tasks['b']).toMatchObject({ status: 'failed', attempts: 1 });
  }, 180_000);

  it('cancels every running slice and leaves no container', async () => {
    const started = await cluster.start(
      {
        name: 'partitioned-cancel',
        tasks: Array.from({ length: 6 }, (_, i) => shTask(`s${i}`, 'sleep 600')),
      },
      { maxSliceTasks: 2 },
    );
    await waitFor('a slice to run a task', async () => {
      const running = await docker.findContainers({ [Label.Run]: started.runId });
      return running.length > 0 ? true : undefined;
    });
    // While it runs, its state counts only ended slices; the viewers' state adds the running ones'.
    await waitFor('the running slices to report running tasks', async () => {
      const live = await getRunState(started.handle);
      expect(live.partition?.running?.length).toBeGreaterThan(0);
      return (live.partition?.counts.running ?? 0) > 0 ? true : undefined;
    });
    await started.handle.cancel();
    const state = await waitForRun(started.handle);
    expect(state.status).toBe('cancelled');
    expect((await runState(started.handle)).partition?.slices).toBe(3);
    expect(await docker.findContainers({ [Label.Run]: started.runId })).toEqual([]);
  }, 120_000);
});
