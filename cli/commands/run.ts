/** `gantry run FILE`: validate, make sure a stack and workers exist, start the run, watch it, report. */
import type { GantryConfig } from '../../engine/config.js';
import { startRun } from '../../engine/runs.js';
import { applyParamOverrides } from '../../pipeline/apply-params.js';
import type { PipelineSpec } from '../../pipeline/schema.js';
import { firstTriggerReference } from '../../pipeline/trigger-refs.js';
import { NeedsUpstreamRunError } from '../errors.js';
import { clusterParseOptions } from '../cluster-parse-options.js';
import { loadPipelineFile } from '../load-pipeline.js';
import { localImagesOf } from '../local-images.js';
import { type SessionOptions, startAndReport } from '../run-session.js';
import { connectOrBringUp } from '../stack.js';

export interface RunOptions extends SessionOptions {
  /** `--param NAME=VALUE` overrides of the pipeline's params. */
  readonly params?: Readonly<Record<string, string>>;
  /** `--no-cache`: run every task, reusing no earlier result. */
  readonly isCacheDisabled?: boolean;
}

export async function runCommand(file: string, options: RunOptions, config: GantryConfig): Promise<number> {
  const params = options.params ?? {};
  // Syntax, schema and params first: bad input is reported before anything is started.
  const draft: PipelineSpec = applyParamOverrides(await loadPipelineFile(file), params);
  const upstreamUse = firstTriggerReference(draft);
  if (upstreamUse !== undefined) throw new NeedsUpstreamRunError(file, upstreamUse);
  const client = await connectOrBringUp(config, localImagesOf(draft));
  try {
    return await startAndReport(client, config, options, async (cluster) => {
      // Second pass with the cluster's nodes: a task no node can hold is bad input too, and nothing starts.
      const spec = applyParamOverrides(await loadPipelineFile(file, clusterParseOptions(cluster)), params);
      return startRun(client, config, spec, options.isCacheDisabled ? { isCacheDisabled: true } : {});
    });
  } finally {
    await client.connection.close();
  }
}
