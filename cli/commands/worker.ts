/**
 * `gantry worker`: a long-running worker process. By default it serves the control queue (workflows) and
 * every node of the cluster; `--node` and `--control` narrow it to what one host should run.
 */
import { withLocalAdmin } from '../../engine/admin-key.js';
import type { Worker } from '@temporalio/worker';
import path from 'node:path';
import { ClusterSpecSchema, type ClusterSpec } from '../../common/cluster-spec.js';
import { containerPolicyOf } from '../../common/container-policy.js';
import { ensureWorkflowBundle } from '../../engine/bundle.js';
import { type GantryConfig, secretAccessOf } from '../../engine/config.js';
import { createDockerRuntime } from '../../activities/docker-runtime.js';
import { loadDataConverter } from '../../engine/codec/data-converter.js';
import { connectClient, connectWorker } from '../../engine/connection.js';
import { keepSweeping } from '../../engine/container-sweeper.js';
import { keepHeartbeating } from '../../engine/node-heartbeat.js';
import { defaultClusterSpec } from '../../engine/default-cluster.js';
import { keepPruningRunLogs } from '../../engine/log-retention.js';
import { ClusterServiceStuckError } from '../../engine/errors.js';
import { applyClusterSpec, openClusterService } from '../../engine/open-cluster-service.js';
import { lastServiceSpec } from '../../engine/recover-cluster.js';
import { specFromSnapshot } from '../../engine/runs.js';
import { createControlWorker, createNodeWorker } from '../../engine/workers.js';
import { GantryCliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatServiceRestart } from '../format.js';
import { readClusterFile } from '../read-cluster-file.js';
import { connectOrBringUp } from '../stack.js';

export interface WorkerOptions {
  readonly nodes: readonly string[];
  readonly isControlOnly: boolean;
  readonly clusterFile?: string;
}

async function resolveCluster(
  options: WorkerOptions,
  config: GantryConfig,
  client: Awaited<ReturnType<typeof connectOrBringUp>>,
): Promise<ClusterSpec> {
  const file = options.clusterFile ? await readClusterFile(options.clusterFile) : undefined;
  const fallbackSpec = async () =>
    withLocalAdmin(ClusterSpecSchema.parse(await defaultClusterSpec(config.clusterName)), config);
  try {
    if (file) {
      const applied = await applyClusterSpec(client, config, file);
      if (applied.restart) {
        process.stderr.write(
          `gantry worker: ${formatServiceRestart(file.name, applied.endedAs, applied.restart)}\n`,
        );
      }
      return specFromSnapshot(applied.snapshot);
    }
    const service = await openClusterService(client, config, { fallbackSpec });
    if (service?.restart) {
      process.stderr.write(
        `gantry worker: ${formatServiceRestart(config.clusterName, service.endedAs, service.restart)}\n`,
      );
    }
    return service!.spec;
  } catch (err) {
    // A stuck service is no reason not to serve: this worker may be the one whose code unwedges it.
    if (!(err instanceof ClusterServiceStuckError)) throw err;
    process.stderr.write(`gantry worker: ${err.message}\n`);
    return file ?? (await lastServiceSpec(client, config.clusterName)) ?? fallbackSpec();
  }
}

export async function workerCommand(options: WorkerOptions, config: GantryConfig): Promise<number> {
  const client = await connectOrBringUp(config, []);
  const connection = await connectWorker(config);
  const dataConverter = await loadDataConverter(config.codecKeys);
  const workers: { name: string; worker: Worker; running: Promise<void> }[] = [];
  const add = (name: string, worker: Worker) => workers.push({ name, worker, running: worker.run() });
  const stop = () => workers.forEach(({ worker }) => worker.getState() === 'RUNNING' && worker.shutdown());
  let nodes: ClusterSpec['nodes'] = [];
  let clusterName = config.clusterName;
  let lostAfterSeconds: number | undefined;
  try {
    // The control worker first: the cluster's inventory is read by querying its service, which needs it.
    if (options.isControlOnly || options.nodes.length === 0) {
      const bundlePath = await ensureWorkflowBundle(path.join(config.home, 'bundles'));
      add(
        `control (${config.controlTaskQueue})`,
        await createControlWorker({
          connection,
          namespace: config.namespace,
          taskQueue: config.controlTaskQueue,
          bundlePath,
          artifactDir: config.artifactDir,
          dataConverter,
        }),
      );
    }
    const cluster = await resolveCluster(options, config, client);
    clusterName = cluster.name;
    lostAfterSeconds = cluster.nodeLostAfterSeconds;
    const unknown = options.nodes.filter((id) => !cluster.nodes.some((n) => n.id === id));
    if (unknown.length > 0) {
      throw new GantryCliError(
        `--node ${unknown[0]}: no such node in cluster "${cluster.name}" (nodes: ${cluster.nodes.map((n) => n.id).join(', ')})`,
      );
    }
    nodes = options.isControlOnly
      ? []
      : cluster.nodes.filter((n) => options.nodes.length === 0 || options.nodes.includes(n.id));
    for (const node of nodes) {
      add(
        node.runtime === 'simulated'
          ? `node ${node.id} (SIMULATED: no containers; tasks succeed after expectedDurationSeconds)`
          : `node ${node.id}`,
        await createNodeWorker({
          connection,
          namespace: config.namespace,
          clusterName: cluster.name,
          node,
          logDir: config.logDir,
          artifactDir: config.artifactDir,
          hostMountAllowlist: config.hostMountAllowlist,
          hostMountWritableAllowlist: config.hostMountWritableAllowlist,
          secretAccess: secretAccessOf(config),
          logLimitBytes: config.logLimitBytes,
          policy: containerPolicyOf(cluster),
          dataConverter,
        }),
      );
    }
  } catch (err) {
    stop();
    await Promise.allSettled(workers.map((w) => w.running));
    await connection.close();
    throw err;
  } finally {
    await client.connection.close();
  }
  process.stderr.write(
    `gantry worker: serving ${workers.map((w) => w.name).join(', ')} on ${config.temporalAddress}; Ctrl-C stops\n`,
  );
  const nodeClient = nodes.length > 0 ? await connectClient(config) : undefined;
  // Heartbeats for the nodes this process serves: the cluster service takes a silent node for lost.
  const heartbeats =
    nodeClient &&
    keepHeartbeating({
      client: nodeClient,
      clusterName,
      nodes,
      ...(lostAfterSeconds === undefined ? {} : { lostAfterSeconds }),
      onError: (err) =>
        process.stderr.write(
          `gantry worker: sending node heartbeats failed (trying again): ${String(err)}\n`,
        ),
    });
  // Reconciliation on each Docker node this process serves: containers of runs that are closed go.
  const stopSweeping = nodes
    .filter((n) => n.runtime === 'docker' && nodeClient !== undefined)
    .map((node) =>
      keepSweeping({
        runtime: createDockerRuntime(node.docker),
        client: nodeClient!,
        nodeId: node.id,
        onRemoved: (names) =>
          process.stderr.write(
            `gantry worker: node ${node.id}: removed ${names.length} container(s) of closed runs: ${names.join(', ')}\n`,
          ),
        onError: (err) =>
          process.stderr.write(
            `gantry worker: node ${node.id}: sweeping containers failed: ${String(err)}\n`,
          ),
      }),
    );
  // A stop on purpose says so: the service does not take these nodes for lost.
  let leaving: Promise<void> | undefined;
  const stopAll = () => {
    leaving ??= heartbeats?.stop();
    stop();
  };
  process.once('SIGINT', stopAll);
  process.once('SIGTERM', stopAll);
  const stopPruning = options.isControlOnly
    ? () => undefined
    : keepPruningRunLogs(config.logDir, config.logRetentionDays, (err) =>
        process.stderr.write(`gantry worker: pruning old logs in ${config.logDir} failed: ${String(err)}\n`),
      );
  await Promise.all(workers.map((w) => w.running));
  for (const stopOne of stopSweeping) stopOne();
  await (leaving ?? heartbeats?.stop());
  await nodeClient?.connection.close();
  stopPruning();
  await connection.close();
  return ExitCode.Ok;
}
