/**
 * A private cluster for one test file: its own cluster service, control queue and node workers, all on the
 * real Temporal server and the real local Docker engine. Files run in parallel without sharing capacity.
 */
import type { SecretAccess } from '../../activities/secrets.js';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { DefaultLogger, Runtime, type NativeConnection, type Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { inject } from 'vitest';
import { createDockerRuntime } from '../../activities/docker-runtime.js';
import {
  ClusterSpecSchema,
  type ClusterSpec,
  type DockerEndpoint,
  type NodeRuntime,
} from '../../common/cluster-spec.js';
import { Label, clusterWorkflowId, runWorkflowId } from '../../common/names.js';
import { type GantryConfig, loadConfig } from '../../engine/config.js';
import { loadDataConverter } from '../../engine/codec/data-converter.js';
import { connectClient, connectWorker } from '../../engine/connection.js';
import { localDockerEndpoint } from '../../engine/default-cluster.js';
import { type StartRunOptions, ensureClusterService, startRun, waitForRun } from '../../engine/runs.js';
import { createControlWorker, createNodeWorker } from '../../engine/workers.js';
import { keepHeartbeating } from '../../engine/node-heartbeat.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { type ContainerPolicy, containerPolicyOf } from '../../common/container-policy.js';
import type { PipelineInput } from '../../pipeline/schema.js';
import type { RunState } from '../../workflows/definitions.js';

let isRuntimeInstalled = false;

export const docker = createDockerRuntime(localDockerEndpoint());

export interface TestCluster {
  readonly name: string;
  readonly config: GantryConfig;
  readonly client: Client;
  readonly spec: ClusterSpec;
  start(pipeline: PipelineInput, options?: StartRunOptions): Promise<Awaited<ReturnType<typeof startRun>>>;
  run(pipeline: PipelineInput, options?: StartRunOptions): Promise<RunState & { workflowId: string }>;
  /** Replaces the workflow worker with a fresh one: every open workflow is then replayed from its history. */
  restartControlWorker(): Promise<void>;
  stop(): Promise<void>;
}

export interface TestNode {
  readonly id: string;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly gpu?: number;
  readonly attributes?: Record<string, string>;
  /** `simulated`: the node runs no container (activities/simulated-runtime.ts). Docker when absent. */
  readonly runtime?: NodeRuntime;
  /** The node's own Docker engine (scripts/ensure-nodes.sh); the local one when absent. */
  readonly docker?: DockerEndpoint;
}

export interface TestClusterOptions {
  /** The cluster spec's scheduling block. */
  readonly scheduling?: Record<string, unknown>;
  /** The node workers' log cap. */
  readonly logLimitBytes?: number;
  /** The workflow bundle; by default the one vitest's global setup provides (needed outside vitest). */
  readonly bundlePath?: string;
  /** The cluster service continues as new past this many history events (its default when absent). */
  readonly clusterMaxHistoryEvents?: number;
  /** The cluster spec's reconcileIntervalSeconds (the service's default when absent). */
  readonly reconcileIntervalSeconds?: number;
  /** Nodes whose workers the test runs itself (a `gantry worker --node` process it can kill). */
  readonly externalNodes?: readonly string[];
  /** The cluster spec's nodeLostAfterSeconds (the service's default when absent). */
  readonly nodeLostAfterSeconds?: number;
  /** The cluster spec's container policy (images, security, runtimeClasses); none (all off) when absent. */
  readonly policy?: ContainerPolicy;
  /** What the node workers let pipelines read as secrets; nothing by default. */
  readonly secretAccess?: SecretAccess;
}

export async function startTestCluster(
  prefix: string,
  nodes: readonly TestNode[],
  options: TestClusterOptions = {},
): Promise<TestCluster> {
  const { scheduling, logLimitBytes, clusterMaxHistoryEvents } = options;
  const bundlePath = options.bundlePath ?? inject('bundlePath');
  if (!isRuntimeInstalled) {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // A forked test process that ran another file already has the runtime; that one is fine.
    }
    isRuntimeInstalled = true;
  }
  const name = `${prefix}-${randomBytes(3).toString('hex')}`;
  const config: GantryConfig = {
    ...loadConfig(),
    clusterName: name,
    controlTaskQueue: `gantry-test-${name}`,
    logDir: path.join(os.tmpdir(), 'gantry-test-logs'),
  };
  const spec = ClusterSpecSchema.parse({
    name,
    nodes: nodes.map((n) => ({
      id: n.id,
      capacity: { cpu: n.cpu, memoryMiB: n.memoryMiB, ...(n.gpu ? { gpu: n.gpu } : {}) },
      attributes: n.attributes ?? {},
      docker: n.docker ?? localDockerEndpoint(),
      ...(n.runtime ? { runtime: n.runtime } : {}),
    })),
    ...(scheduling ? { scheduling } : {}),
    ...(options.reconcileIntervalSeconds
      ? { reconcileIntervalSeconds: options.reconcileIntervalSeconds }
      : {}),
    ...(options.nodeLostAfterSeconds ? { nodeLostAfterSeconds: options.nodeLostAfterSeconds } : {}),
    ...containerPolicyOf(options.policy ?? {}),
  });
  const client = await connectClient(config);
  const connection: NativeConnection = await connectWorker(config);
  const dataConverter = await loadDataConverter(config.codecKeys);
  const newControlWorker = () =>
    createControlWorker({
      connection,
      namespace: config.namespace,
      taskQueue: config.controlTaskQueue,
      bundlePath,
      artifactDir: config.artifactDir,
      dataConverter,
    });
  const workers: Worker[] = [
    await newControlWorker(),
    ...(await Promise.all(
      spec.nodes
        .filter((node) => !options.externalNodes?.includes(node.id))
        .map((node) =>
          createNodeWorker({
            connection,
            namespace: config.namespace,
            clusterName: name,
            node,
            logDir: config.logDir,
            artifactDir: config.artifactDir,
            hostMountAllowlist: [],
            dataConverter,
            ...(options.secretAccess === undefined ? {} : { secretAccess: options.secretAccess }),
            policy: containerPolicyOf(spec),
            ...(logLimitBytes === undefined ? {} : { logLimitBytes }),
          }),
        ),
    )),
  ];
  const running = workers.map((w) => w.run());
  if (clusterMaxHistoryEvents === undefined) await ensureClusterService(client, config, spec);
  else
    await client.workflow.start('clusterService', {
      workflowId: clusterWorkflowId(name),
      taskQueue: config.controlTaskQueue,
      args: [{ spec, maxHistoryEvents: clusterMaxHistoryEvents }],
    });
  // The in-process node workers send heartbeats like `gantry worker` does.
  const heartbeats = keepHeartbeating({
    client,
    clusterName: name,
    nodes: spec.nodes.filter((node) => !options.externalNodes?.includes(node.id)),
    ...(options.nodeLostAfterSeconds ? { lostAfterSeconds: options.nodeLostAfterSeconds } : {}),
  });
  const runIds: string[] = [];

  const start = async (pipeline: PipelineInput, options?: StartRunOptions) => {
    const started = await startRun(client, config, parsePipeline(pipeline, { nodes: spec.nodes }), options);
    runIds.push(started.runId);
    return started;
  };
  return {
    name,
    config,
    client,
    spec,
    start,
    async run(pipeline, options) {
      const started = await start(pipeline, options);
      return { ...(await waitForRun(started.handle)), workflowId: started.workflowId };
    },
    async restartControlWorker() {
      workers[0]!.shutdown();
      await running[0];
      workers[0] = await newControlWorker();
      running[0] = workers[0].run();
    },
    async stop() {
      await heartbeats.stop();
      // A test that failed half-way can leave a run open; with its cluster gone it would stay open for ever.
      for (const runId of runIds) {
        const handle = client.workflow.getHandle(runWorkflowId(runId));
        if ((await handle.describe()).status.name === 'RUNNING') await handle.terminate('test finished');
      }
      // Its child workflows too (foreach slices, sub-pipeline runs): their ids start with the run's.
      for (const runId of runIds) {
        const query = `WorkflowId STARTS_WITH '${runWorkflowId(runId)}' AND ExecutionStatus = 'Running'`;
        for await (const open of client.workflow.list({ query }))
          await client.workflow
            .getHandle(open.workflowId)
            .terminate('test finished')
            .catch(() => undefined);
      }
      try {
        await client.workflow.getHandle(clusterWorkflowId(name)).terminate('test finished');
      } catch (err) {
        if (!(err instanceof WorkflowNotFoundError)) throw err;
      }
      for (const w of workers) if (w.getState() === 'RUNNING') w.shutdown();
      await Promise.allSettled(running);
      await connection.close();
      await client.connection.close();
      // Every run must have cleaned up after itself; a leftover container is a bug, so fail loudly.
      const leftovers = (
        await Promise.all(runIds.map((id) => docker.findContainers({ [Label.Run]: id })))
      ).flat();
      for (const c of leftovers) await docker.removeContainer(c.id);
      if (leftovers.length > 0)
        throw new Error(`containers left behind: ${leftovers.map((c) => c.name).join(', ')}`);
    },
  };
}

/** A busybox task with small defaults; tests override what they exercise. */
export function shTask(
  id: string,
  script: string,
  overrides: Partial<PipelineInput['tasks'][number]> = {},
): PipelineInput['tasks'][number] {
  return {
    id,
    image: 'gantry/busybox',
    command: ['sh', '-c', script],
    resources: { cpu: 0.25, memoryMiB: 64 },
    retry: { maxAttempts: 1 },
    ...overrides,
  };
}

export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | undefined>,
  timeoutMs = 30_000,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const value = await probe();
    if (value !== undefined) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}
