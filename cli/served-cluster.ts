/**
 * Runs that start with no CLI watching (triggered, scheduled) need workers that outlive the command. When
 * the control queue or a node of the cluster has none, the background worker (`gantry worker --detach`,
 * one per cluster and control queue) is started. Commands that only read or change the registry for the
 * moment use an in-process control worker instead (`withControlWorker`).
 */
import { withLocalAdmin } from '../engine/admin-key.js';
import type { Client } from '@temporalio/client';
import path from 'node:path';
import type { ClusterSpec } from '../common/cluster-spec.js';
import { nodeTaskQueue } from '../common/names.js';
import { ensureWorkflowBundle } from '../engine/bundle.js';
import type { GantryConfig } from '../engine/config.js';
import { loadDataConverter } from '../engine/codec/data-converter.js';
import { connectWorker } from '../engine/connection.js';
import { defaultClusterSpec } from '../engine/default-cluster.js';
import { openClusterService } from '../engine/open-cluster-service.js';
import { hasPollers } from '../engine/pollers.js';
import { createControlWorker } from '../engine/workers.js';
import { formatServiceRestart } from './format.js';
import { startWorkerDaemon } from './worker-daemon.js';

/**
 * Makes sure a worker serves the control queue and every node (starting the background worker if one has
 * none), and returns the cluster's inventory from its service (started if missing, restarted if it ended).
 * `what` names the runs in the message, e.g. "triggered runs".
 */
export async function ensureServedCluster(
  client: Client,
  config: GantryConfig,
  what: string,
): Promise<ClusterSpec> {
  let daemon: Awaited<ReturnType<typeof startWorkerDaemon>> | undefined;
  const startDaemon = async () => {
    daemon ??= await startWorkerDaemon(config, []);
  };
  if (!(await hasPollers(client, config.namespace, config.controlTaskQueue, true))) await startDaemon();
  const service = await openClusterService(client, config, {
    fallbackSpec: async () => withLocalAdmin(await defaultClusterSpec(config.clusterName), config),
  });
  if (service?.restart)
    process.stderr.write(
      `gantry: ${formatServiceRestart(config.clusterName, service.endedAs, service.restart)}\n`,
    );
  const cluster = service!.spec;
  for (const node of cluster.nodes) {
    if (daemon || (await hasPollers(client, config.namespace, nodeTaskQueue(cluster.name, node.id), false)))
      continue;
    await startDaemon();
  }
  if (daemon) {
    process.stderr.write(
      daemon.isNew
        ? `gantry: started a background worker for the ${what} (pid ${daemon.pid}); log: ${daemon.logFile}; stop it with \`gantry worker --stop\`\n`
        : `gantry: the background worker (pid ${daemon.pid}) serves the ${what}; log: ${daemon.logFile}\n`,
    );
  }
  return cluster;
}

/** Runs `act` with a control worker in this process when no worker polls the control queue. */
export async function withControlWorker<T>(
  client: Client,
  config: GantryConfig,
  act: () => Promise<T>,
): Promise<T> {
  if (await hasPollers(client, config.namespace, config.controlTaskQueue, true)) return act();
  const connection = await connectWorker(config);
  try {
    const worker = await createControlWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.controlTaskQueue,
      bundlePath: await ensureWorkflowBundle(path.join(config.home, 'bundles')),
      artifactDir: config.artifactDir,
      dataConverter: await loadDataConverter(config.codecKeys),
    });
    return await worker.runUntil(act());
  } finally {
    await connection.close();
  }
}
