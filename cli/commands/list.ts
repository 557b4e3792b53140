/** `gantry list`: recent runs, newest first, filtered by the search attributes runs carry. */
import { InvalidArgumentError } from 'commander';
import type { GantryConfig } from '../../engine/config.js';
import { connectClient } from '../../engine/connection.js';
import { type ListedRun, type RunFilters, isSafeQueryValue, listRuns } from '../../engine/list-runs.js';
import { ExitCode } from '../exit-codes.js';

/** Commander's parser for `--pipeline` and `--schedule`: the value goes into a visibility query. */
export function queryValue(value: string): string {
  if (!isSafeQueryValue(value))
    throw new InvalidArgumentError(`expected a name without quotes or backslashes, got "${value}"`);
  return value;
}

function describeTrigger(run: ListedRun): string {
  if (run.trigger === 'schedule' && run.schedule) return `schedule ${run.schedule}`;
  if (run.trigger === 'pipeline' && run.upstreamRun) return `after ${run.upstreamRun}`;
  return run.trigger ?? '-';
}

export async function listCommand(
  options: RunFilters & { limit: number; json: boolean },
  config: GantryConfig,
): Promise<number> {
  const client = await connectClient(config);
  try {
    const runs = await listRuns(client, options, options.limit);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(runs)}\n`);
      return ExitCode.Ok;
    }
    for (const run of runs) {
      process.stdout.write(
        `${run.runId.padEnd(50)} ${run.status.padEnd(10)} ${run.startedAt}  ${describeTrigger(run)}\n`,
      );
    }
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}
