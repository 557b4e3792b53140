/**
 * The zero-configuration path of `gantry run`: when no worker polls the control queue or a node's queue,
 * run one in this process for as long as the command lives.
 */
import type { Client } from '@temporalio/client';
import type { NativeConnection, Worker } from '@temporalio/worker';
import type { ClusterSpec } from '../common/cluster-spec.js';
import { containerPolicyOf } from '../common/container-policy.js';
import { nodeTaskQueue } from '../common/names.js';
import { ensureWorkflowBundle } from './bundle.js';
import { type GantryConfig, secretAccessOf } from './config.js';
import { loadDataConverter } from './codec/data-converter.js';
import { connectWorker } from './connection.js';
import { keepPruningRunLogs } from './log-retention.js';
import { type Heartbeats, keepHeartbeating } from './node-heartbeat.js';
import { hasPollers } from './pollers.js';
import { createControlWorker, createNodeWorker } from './workers.js';
import path from 'node:path';

export interface EmbeddedWorkers {
  /** What was started here, e.g. ["control", "node local"]; empty when external workers serve everything. */
  readonly started: readonly string[];
  readonly cluster: ClusterSpec;
  stop(): Promise<void>;
}

/**
 * Starts what is missing, in order: the control worker first, because the cluster's inventory is only
 * known by querying its service, and a query needs a worker; then a worker for each node nobody serves.
 */
export async function startEmbeddedWorkers(
  client: Client,
  config: GantryConfig,
  resolveCluster: () => Promise<ClusterSpec>,
): Promise<EmbeddedWorkers> {
  const workers: { name: string; worker: Worker; running: Promise<void> }[] = [];
  let connection: NativeConnection | undefined;
  const dataConverter = await loadDataConverter(config.codecKeys);
  const add = async (name: string, create: (c: NativeConnection) => Promise<Worker>) => {
    connection ??= await connectWorker(config);
    const worker = await create(connection);
    workers.push({ name, worker, running: worker.run() });
  };
  let stopPruning = (): void => undefined;
  let heartbeats: Heartbeats | undefined;
  const stop = async () => {
    stopPruning();
    await heartbeats?.stop();
    for (const { worker } of workers) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.allSettled(workers.map((w) => w.running));
    await connection?.close();
  };
  try {
    if (!(await hasPollers(client, config.namespace, config.controlTaskQueue, true))) {
      const bundlePath = await ensureWorkflowBundle(path.join(config.home, 'bundles'));
      await add('control', (c) =>
        createControlWorker({
          connection: c,
          artifactDir: config.artifactDir,
          namespace: config.namespace,
          taskQueue: config.controlTaskQueue,
          bundlePath,
          dataConverter,
        }),
      );
    }
    const cluster = await resolveCluster();
    const served: ClusterSpec['nodes'][number][] = [];
    for (const node of cluster.nodes) {
      if (await hasPollers(client, config.namespace, nodeTaskQueue(cluster.name, node.id), false)) continue;
      await add(`node ${node.id}`, (c) =>
        createNodeWorker({
          connection: c,
          artifactDir: config.artifactDir,
          namespace: config.namespace,
          clusterName: cluster.name,
          node,
          logDir: config.logDir,
          hostMountAllowlist: config.hostMountAllowlist,
          hostMountWritableAllowlist: config.hostMountWritableAllowlist,
          secretAccess: secretAccessOf(config),
          logLimitBytes: config.logLimitBytes,
          policy: containerPolicyOf(cluster),
          dataConverter,
        }),
      );
      served.push(node);
    }
    if (served.length > 0) {
      // While this command lives its nodes are watched like any other; it says when it leaves.
      heartbeats = keepHeartbeating({
        client,
        clusterName: cluster.name,
        nodes: served,
        ...(cluster.nodeLostAfterSeconds === undefined
          ? {}
          : { lostAfterSeconds: cluster.nodeLostAfterSeconds }),
      });
    }
    if (workers.some((w) => w.name.startsWith('node '))) {
      // Failures are not worth failing the run for: the logs stay until the next prune.
      stopPruning = keepPruningRunLogs(config.logDir, config.logRetentionDays, () => undefined);
    }
    return { started: workers.map((w) => w.name), cluster, stop };
  } catch (err) {
    await stop();
    throw err;
  }
}
