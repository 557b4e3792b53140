/**
 * A run whose pipeline is in the artifact store (`specRef`): the control worker opens it into the spec,
 * when it fits one workflow, or into a plan of slices (partitioned-run.ts). A slice of such a run loads its
 * own part and the final states of the earlier tasks it needs. Each execution opens it again after a
 * continue-as-new, so no input carries the spec.
 */
import { proxyActivities, setHandler, workflowInfo } from '@temporalio/workflow';
import type { RunPlanActivities } from '../../activities/run-plan.js';
import type { PipelineSpec } from '../../pipeline/schema.js';
import {
  type CarriedPartitionedRun,
  type ReusedTask,
  type RunPipelineInput,
  type RunState,
  type TaskState,
  runStateQuery,
} from '../definitions.js';
import { runDataflow } from './dataflow-run.js';
import { runPartitioned } from './partitioned-run.js';

function planActivities(summary: string) {
  return proxyActivities<RunPlanActivities>({
    taskQueue: workflowInfo().taskQueue,
    startToCloseTimeout: '10m',
    retry: { maximumAttempts: 10 },
    summary,
  });
}

export async function runStoredPipeline(input: RunPipelineInput): Promise<RunState> {
  const specRef = input.specRef;
  if (specRef === undefined) throw new TypeError('runPipeline: the input has neither spec nor specRef');
  // Answers queries while the spec is opened; the run's own handler replaces it once it has the spec.
  const openedAt = Date.now();
  setHandler(runStateQuery, () => ({
    runId: input.runId,
    pipeline: input.pipeline ?? '',
    status: 'running',
    startedAt: openedAt,
    tasks: {},
    dependsOn: {},
  }));
  const carried = input.carried as CarriedPartitionedRun | undefined;
  if (carried?.version === 3) return runPartitioned(input, carried.plan, carried);
  if (input.slice) {
    const loaded = await planActivities(
      `load slice ${input.slice.index + 1} of ${input.slice.of} of run ${input.runId}`,
    ).loadSlice({ slice: specRef, upstream: input.slice.upstream });
    return runDataflow(
      input,
      loaded.spec as PipelineSpec,
      loaded.external as Readonly<Record<string, TaskState>>,
      loaded.reuse as Readonly<Record<string, ReusedTask>> | undefined,
    );
  }
  const opened = await planActivities(`open pipeline ${input.pipeline ?? specRef.digest}`).openRunSpec({
    spec: specRef,
    ...(input.reuseRef === undefined ? {} : { reuse: input.reuseRef }),
    ...(input.maxSliceTasks === undefined ? {} : { maxSliceTasks: input.maxSliceTasks }),
  });
  return opened.kind === 'whole'
    ? runDataflow(
        input,
        opened.spec as PipelineSpec,
        {},
        opened.reuse as Readonly<Record<string, ReusedTask>> | undefined,
      )
    : runPartitioned(input, opened.plan);
}
