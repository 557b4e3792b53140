/**
 * `gantry rerun RUN [--from TASK]`: the same pipeline with the same params as RUN, taking from RUN every
 * task that succeeded or was cached there (unless it is TASK or downstream of it); the rest run again.
 * Watched and reported like `gantry run`.
 */
import type { GantryConfig } from '../../engine/config.js';
import { withPartitionedTasks } from '../../engine/partitioned-state.js';
import { configStore } from '../../engine/stored-spec.js';
import { fetchRunInput, scheduledTimeOf, selectReuse, upstreamOf } from '../../engine/rerun.js';
import { findRun, startRun, waitForRun } from '../../engine/runs.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { clusterParseOptions } from '../cluster-parse-options.js';
import { RunStillOpenError, UnknownTaskError } from '../errors.js';
import { type SessionOptions, startAndReport } from '../run-session.js';
import { connectOrBringUp } from '../stack.js';

export interface RerunOptions extends SessionOptions {
  /** Run this task and everything downstream of it again, even where RUN succeeded. */
  readonly from?: string;
  /** `--no-cache`: the tasks that run again reuse no earlier result from the task cache. */
  readonly isCacheDisabled?: boolean;
}

export async function rerunCommand(
  run: string,
  options: RerunOptions,
  config: GantryConfig,
): Promise<number> {
  // RUN's history says which images it needs only once connected; a stack brought up here for a run it
  // no longer holds would have nothing to rerun anyway.
  const client = await connectOrBringUp(config, []);
  try {
    const handle = await findRun(client, run);
    const { status } = await handle.describe();
    if (status.name === 'RUNNING') throw new RunStillOpenError(run);
    const store = configStore(config);
    const [input, ended] = await Promise.all([fetchRunInput(client, handle, store), waitForRun(handle)]);
    // A partitioned run's task states are in the store, one document per slice.
    const finalState = await withPartitionedTasks(ended, store, Infinity);
    const { spec } = input;
    if (options.from !== undefined && !spec.tasks.some((t) => t.id === options.from)) {
      throw new UnknownTaskError(
        options.from,
        finalState.runId,
        spec.tasks.map((t) => t.id),
      );
    }
    const reuse = selectReuse(spec, finalState, options.from);
    const upstream = upstreamOf(input.origin);
    const scheduledTime = await scheduledTimeOf(handle, input, finalState);
    const reused = Object.keys(reuse);
    const again = spec.tasks.map((t) => t.id).filter((id) => !(id in reuse));
    process.stderr.write(
      `gantry: rerun of ${finalState.runId}: ${reused.length > 0 ? `reusing ${reused.join(', ')}` : 'reusing no task'}; ${again.length > 0 ? `running ${again.join(', ')}` : 'running no task'}\n`,
    );
    return await startAndReport(client, config, options, (cluster) =>
      startRun(
        client,
        config,
        // The same checks as `gantry run`'s second pass: the cluster may have changed since RUN.
        parsePipeline(spec, { ...clusterParseOptions(cluster), source: `run ${finalState.runId}` }),
        {
          reuse,
          origin: {
            kind: 'rerun',
            fromRun: finalState.runId,
            ...(upstream === undefined ? {} : { upstream }),
          },
          scheduledTime,
          ...(options.isCacheDisabled ? { isCacheDisabled: true } : {}),
          ...(input.maxHistoryEvents === undefined ? {} : { maxHistoryEvents: input.maxHistoryEvents }),
        },
      ),
    );
  } finally {
    await client.connection.close();
  }
}
