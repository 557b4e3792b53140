/**
 * One workflow per pipeline run (Meson-style). Runs started by this code pass their pipeline by digest
 * (run/stored-run.ts: one workflow, or slices of a partitioned run). Runs with an inline spec that carry
 * the `gantry-run-dataflow` marker run run/dataflow-run.ts (data between tasks, foreach, trigger rules, `when`, caching,
 * sub-pipelines). Histories without it replay through the frozen run/legacy-run.ts, and so does a legacy
 * run's later execution (its carried state has no `version`).
 */
import { patched, workflowInfo } from '@temporalio/workflow';
import { runIdFromWorkflowId } from '../common/names.js';
import type { RunPipelineInput, RunState } from './definitions.js';
import { runDataflow } from './run/dataflow-run.js';
import { legacyRunPipeline } from './run/legacy-run.js';
import { runStoredPipeline } from './run/stored-run.js';

export const DATAFLOW_RUN_PATCH = 'gantry-run-dataflow';

export async function runPipeline(given: RunPipelineInput): Promise<RunState> {
  const input = resolveRunInput(given);
  // Runs of newer code pass their pipeline by digest; only they can be sliced or partitioned.
  if (input.spec === undefined) return runStoredPipeline(input);
  const isDataflow = patched(DATAFLOW_RUN_PATCH);
  const isLegacyCarried = input.carried !== undefined && !('version' in input.carried);
  const inline = { ...input, spec: input.spec };
  return isDataflow && !isLegacyCarried ? runDataflow(input, input.spec) : legacyRunPipeline(inline);
}

/**
 * A schedule's action holds one static input for all its firings: each takes its run id from its workflow
 * id and its nominal time from the `TemporalScheduledStartTime` search attribute Temporal sets on it. Both
 * come from the start event, so replay sees the same values.
 */
function resolveRunInput(input: RunPipelineInput): RunPipelineInput {
  if (input.runId !== '' && input.scheduledTime !== undefined) return input;
  const info = workflowInfo();
  const nominal = info.searchAttributes?.['TemporalScheduledStartTime']?.[0];
  const scheduledTime =
    input.scheduledTime ??
    (nominal instanceof Date ? nominal.toISOString() : typeof nominal === 'string' ? nominal : undefined);
  return {
    ...input,
    runId: input.runId === '' ? runIdFromWorkflowId(info.workflowId) : input.runId,
    ...(scheduledTime === undefined ? {} : { scheduledTime }),
  };
}
