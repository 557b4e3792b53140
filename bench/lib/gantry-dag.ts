/**
 * Gantry's side of the engine bench: a private one-node cluster on the real Temporal server and Docker
 * engine (its own cluster service, control worker and node worker in this process, as the integration
 * tests run them), sized so `concurrency` bench tasks fit at once; then the bench DAG as a pipeline run.
 */
import type { Client, WorkflowHandle } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { ClusterSpecSchema } from '../../common/cluster-spec.js';
import { clusterWorkflowId } from '../../common/names.js';
import { ensureWorkflowBundle } from '../../engine/bundle.js';
import { type GantryConfig, loadConfig } from '../../engine/config.js';
import { loadDataConverter } from '../../engine/codec/data-converter.js';
import { connectClient, connectWorker } from '../../engine/connection.js';
import { localDockerEndpoint } from '../../engine/default-cluster.js';
import { ensureClusterService, startRun, waitForRun } from '../../engine/runs.js';
import { createControlWorker, createNodeWorker } from '../../engine/workers.js';
import { parsePipeline } from '../../pipeline/parse.js';
import type { RunState } from '../../workflows/definitions.js';
import { type LayeredDag, dagPipeline } from './layered-dag.js';

export interface GantryRun {
  readonly state: RunState;
  /** From the client's start call to its result, as a CLI user waits. */
  readonly wallMs: number;
  readonly historyEvents: number;
}

export interface GantryBench {
  run(dag: LayeredDag): Promise<GantryRun>;
  stop(): Promise<void>;
}

export async function startGantryBench(concurrency: number, sizing: LayeredDag): Promise<GantryBench> {
  try {
    Runtime.install({ logger: new DefaultLogger('ERROR') });
  } catch {
    // Already installed in this process.
  }
  const name = `bench-engine-${randomBytes(3).toString('hex')}`;
  const base = loadConfig();
  const config: GantryConfig = {
    ...base,
    clusterName: name,
    controlTaskQueue: `gantry-bench-${name}`,
    logDir: path.join(os.tmpdir(), 'gantry-bench-logs'),
  };
  const spec = ClusterSpecSchema.parse({
    name,
    nodes: [
      {
        id: 'bench',
        // CPU is the binding limit: exactly `concurrency` tasks fit; memory has room to spare.
        capacity: { cpu: concurrency * sizing.cpu, memoryMiB: concurrency * sizing.memoryMiB * 2 },
        attributes: {},
        docker: localDockerEndpoint(),
      },
    ],
  });
  const bundlePath = await ensureWorkflowBundle(path.join(config.home, 'bundles'));
  const client: Client = await connectClient(config);
  const connection: NativeConnection = await connectWorker(config);
  const dataConverter = await loadDataConverter(config.codecKeys);
  const workers: Worker[] = [
    await createControlWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.controlTaskQueue,
      bundlePath,
      artifactDir: config.artifactDir,
      dataConverter,
    }),
    await createNodeWorker({
      connection,
      namespace: config.namespace,
      clusterName: name,
      node: spec.nodes[0]!,
      logDir: config.logDir,
      artifactDir: config.artifactDir,
      hostMountAllowlist: [],
      dataConverter,
    }),
  ];
  const running = workers.map((w) => w.run());
  await ensureClusterService(client, config, spec);

  return {
    async run(dag) {
      const pipeline = parsePipeline(dagPipeline(dag), { nodes: spec.nodes });
      const t0 = Date.now();
      const started = await startRun(client, config, pipeline, { isCacheDisabled: true });
      const state = await waitForRun(started.handle);
      const wallMs = Date.now() - t0;
      const historyEvents = await countEvents(started.handle);
      return { state, wallMs, historyEvents };
    },
    async stop() {
      await client.workflow
        .getHandle(clusterWorkflowId(name))
        .terminate('bench finished')
        .catch(() => undefined);
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
      await connection.close();
      await client.connection.close();
    },
  };
}

/** Events in the run's first execution (all of it unless the state reports continuations). */
async function countEvents(handle: WorkflowHandle): Promise<number> {
  return (await handle.fetchHistory()).events?.length ?? 0;
}
