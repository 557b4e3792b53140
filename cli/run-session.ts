/**
 * What `gantry run` and `gantry rerun` share once the pipeline is known: embedded workers when none serve
 * the cluster, the start, then (unless detached) live progress, Ctrl-C as a cancel, the summary and the
 * `--json` line, and the exit code.
 */
import { withLocalAdmin } from '../engine/admin-key.js';
import type { Client } from '@temporalio/client';
import type { ClusterSpec } from '../common/cluster-spec.js';
import type { GantryConfig } from '../engine/config.js';
import { defaultClusterSpec } from '../engine/default-cluster.js';
import { startEmbeddedWorkers } from '../engine/embedded.js';
import { openClusterService } from '../engine/open-cluster-service.js';
import { summarizeRunLocally } from '../engine/run-summary.js';
import {
  type StartedRun,
  clusterSnapshot,
  runState,
  waitForRun,
  withLiveSliceCounts,
} from '../engine/runs.js';
import { type HealthNews, watchHealth } from '../engine/watch-health.js';
import type { RunState } from '../workflows/definitions.js';
import { ExitCode } from './exit-codes.js';
import { formatRunSummary, formatServiceRestart, toJsonResult } from './format.js';
import { createProgressView } from './progress.js';

export interface SessionOptions {
  readonly json: boolean;
  readonly detach: boolean;
}

async function watch(
  client: Client,
  config: GantryConfig,
  run: StartedRun,
  startedAt: number,
): Promise<RunState> {
  const view = createProgressView(process.stderr, startedAt);
  let isDone = false;
  const final = waitForRun(run.handle).finally(() => (isDone = true));
  const poll = async () => {
    while (!isDone) {
      try {
        const [state, cluster] = await Promise.all([
          runState(run.handle).then((state) => withLiveSliceCounts(run.handle, state)),
          clusterSnapshot(client, config.clusterName),
        ]);
        const prefix = `${run.workflowId}/`;
        const reasons = new Map(
          (cluster?.pending ?? [])
            .filter((p) => p.key.startsWith(prefix))
            .map((p) => [p.key.slice(prefix.length), p.reason]),
        );
        if (!isDone) view.update(state, reasons);
      } catch {
        // A query can fail while the workflow task is being retried; the next poll catches up.
      }
      await new Promise((resolve) => setTimeout(resolve, 300));
    }
  };
  const polling = poll();
  const health = watchHealth(client, config, run.workflowId, (news) => view.note(describeNews(config, news)));
  try {
    const state = await final;
    view.update(state, new Map());
    return state;
  } finally {
    await Promise.all([polling, health.stop()]);
    view.done();
  }
}

function describeNews(config: GantryConfig, news: HealthNews): string {
  switch (news.kind) {
    case 'stuck':
      return `gantry: ${news.error.message}`;
    case 'restarted':
      return `gantry: ${formatServiceRestart(config.clusterName, news.status, news.restart)}`;
    case 'failed':
      return `gantry: checking the run and its cluster service failed: ${news.error instanceof Error ? news.error.message : String(news.error)}`;
  }
}

/**
 * Starts workers for what nobody serves (not when detached), then the run through `start`, which gets the
 * cluster's inventory (for checks that need nodes) and may still reject bad input before anything runs.
 */
export async function startAndReport(
  client: Client,
  config: GantryConfig,
  options: SessionOptions,
  start: (cluster: ClusterSpec) => Promise<StartedRun>,
): Promise<number> {
  // The cluster's nodes come from its service if it runs (restarted from its open runs if it ended),
  // else from the local Docker engine. A stuck service stops the command before the run starts.
  const resolveCluster = async () => {
    const service = await openClusterService(client, config, {
      fallbackSpec: async () => withLocalAdmin(await defaultClusterSpec(config.clusterName), config),
    });
    if (service?.restart) {
      process.stderr.write(
        `gantry: ${formatServiceRestart(config.clusterName, service.endedAs, service.restart)}\n`,
      );
    }
    return service!.spec;
  };
  const workers = options.detach
    ? { started: [] as string[], cluster: await resolveCluster(), stop: async () => {} }
    : await startEmbeddedWorkers(client, config, resolveCluster);
  let run: StartedRun;
  try {
    run = await start(workers.cluster);
  } catch (err) {
    await workers.stop();
    throw err;
  }
  const startedAt = Date.now();
  process.stderr.write(
    `gantry: started run ${run.runId} (workflow ${run.workflowId})${workers.started.length ? `; workers in this process: ${workers.started.join(', ')}` : ''}\n`,
  );
  process.stderr.write(
    `gantry: watch it at ${config.uiUrl}/namespaces/${config.namespace}/workflows/${run.workflowId}\n`,
  );
  if (options.detach) {
    process.stdout.write(
      options.json
        ? `${JSON.stringify({ runId: run.runId, workflowId: run.workflowId })}\n`
        : `${run.runId}\n`,
    );
    return ExitCode.Ok;
  }

  let interrupts = 0;
  const onSigint = () => {
    interrupts += 1;
    if (interrupts > 1) process.exit(ExitCode.Interrupted);
    process.stderr.write('\ngantry: cancelling the run (Ctrl-C again to leave it running)\n');
    void run.handle.cancel();
  };
  process.on('SIGINT', onSigint);
  try {
    const state = await watch(client, config, run, startedAt);
    const summary = await summarizeRunLocally(state, config);
    process.stdout.write(`${formatRunSummary(summary)}\n`);
    if (options.json) process.stdout.write(`${JSON.stringify(toJsonResult(summary))}\n`);
    return state.status === 'succeeded' ? ExitCode.Ok : ExitCode.RunFailed;
  } finally {
    process.off('SIGINT', onSigint);
    await workers.stop();
  }
}
