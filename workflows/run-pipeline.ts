/**
 * One workflow per pipeline run (Meson-style). Runs started by this code carry the `gantry-run-dataflow`
 * marker and run run/dataflow-run.ts (data between tasks, foreach, trigger rules, `when`, caching,
 * sub-pipelines). Histories without it replay through the frozen run/legacy-run.ts, and so does a legacy
 * run's later execution (its carried state has no `version`).
 */
import { patched } from '@temporalio/workflow';
import type { RunPipelineInput, RunState } from './definitions.js';
import { runDataflow } from './run/dataflow-run.js';
import { legacyRunPipeline } from './run/legacy-run.js';

export const DATAFLOW_RUN_PATCH = 'gantry-run-dataflow';

export async function runPipeline(input: RunPipelineInput): Promise<RunState> {
  const isDataflow = patched(DATAFLOW_RUN_PATCH);
  const isLegacyCarried = input.carried !== undefined && !('version' in input.carried);
  return isDataflow && !isLegacyCarried ? runDataflow(input) : legacyRunPipeline(input);
}
