/**
 * Worker processes' building blocks. The control worker runs workflows (cluster service, runs, trigger
 * registry) and the activities they need on the control queue (the artifact store's, and starting triggered
 * runs with the worker's own client); each node's worker runs the container activities on that node's own
 * task queue and Docker endpoint (a node declared `runtime: simulated` completes its tasks without one). Both
 * reach the same artifact store, `artifactDir` (one host today).
 */
import type { SecretAccess } from '../activities/secrets.js';
import type { DataConverter } from '@temporalio/common';
import { type NativeConnection, Worker } from '@temporalio/worker';
import { createActivities } from '../activities/index.js';
import { createDockerRuntime } from '../activities/docker-runtime.js';
import { createFsArtifactStore } from '../activities/fs-artifact-store.js';
import { createRunPlanActivities } from '../activities/run-plan.js';
import { createSimulatedActivities } from '../activities/simulated-runtime.js';
import { createStoreActivities } from '../activities/store-activities.js';
import { withInputValidation } from '../activities/validate-input.js';
import type { NodeSpec } from '../common/cluster-spec.js';
import type { ContainerPolicy } from '../common/container-policy.js';
import { nodeTaskQueue } from '../common/names.js';
import { createReconcileActivities } from './reconcile-activities.js';
import { createTriggerActivities } from './trigger-activities.js';

/** Shown as the node of failures raised on the control worker. */
const CONTROL_NODE = 'control';

export interface ControlWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly taskQueue: string;
  readonly bundlePath: string;
  /** Root of the artifact store (GantryConfig.artifactDir). */
  readonly artifactDir: string;
  /** The stack's codec (engine/codec/data-converter.ts `loadDataConverter`): histories stay encrypted. */
  readonly dataConverter: DataConverter;
}

export async function createControlWorker(options: ControlWorkerOptions): Promise<Worker> {
  const store = createFsArtifactStore(options.artifactDir);
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: options.taskQueue,
    dataConverter: options.dataConverter,
    workflowBundle: { codePath: options.bundlePath },
    // Every activity checks its input before acting (activities/input-schemas.ts).
    activities: withInputValidation(
      {
        ...createStoreActivities(store),
        ...createRunPlanActivities(store),
        ...createTriggerActivities({ store }),
        ...createReconcileActivities(),
      },
      CONTROL_NODE,
    ),
  });
}

export interface NodeWorkerOptions {
  readonly connection: NativeConnection;
  readonly namespace: string;
  readonly clusterName: string;
  readonly node: NodeSpec;
  readonly logDir: string;
  /** Root of the artifact store (GantryConfig.artifactDir). */
  readonly artifactDir: string;
  readonly hostMountAllowlist: readonly string[];
  /** Host paths tasks may bind writable; none when left out. */
  readonly hostMountWritableAllowlist?: readonly string[];
  /** What pipelines may read as secrets on this worker (secretAccessOf the config); nothing when left out. */
  readonly secretAccess?: SecretAccess;
  readonly logLimitBytes?: number;
  /** The cluster's container policy (containerPolicyOf its spec): the worker enforces it on every task. */
  readonly policy?: ContainerPolicy;
  /** The stack's codec (engine/codec/data-converter.ts `loadDataConverter`): histories stay encrypted. */
  readonly dataConverter: DataConverter;
}

/** The node's activities: Docker's, or a simulated node's only when its spec says `runtime: simulated`. */
function nodeActivities(options: NodeWorkerOptions) {
  const { node } = options;
  switch (node.runtime) {
    case 'docker':
      return createActivities({
        runtime: createDockerRuntime(node.docker),
        store: createFsArtifactStore(options.artifactDir),
        nodeId: node.id,
        clusterName: options.clusterName,
        logDir: options.logDir,
        hostMountAllowlist: options.hostMountAllowlist,
        ...(options.hostMountWritableAllowlist === undefined
          ? {}
          : { hostMountWritableAllowlist: options.hostMountWritableAllowlist }),
        ...(options.logLimitBytes === undefined ? {} : { logLimitBytes: options.logLimitBytes }),
        ...(options.secretAccess === undefined ? {} : { secretAccess: options.secretAccess }),
        ...(options.policy === undefined ? {} : { policy: options.policy }),
      });
    case 'simulated':
      return createSimulatedActivities({ nodeId: node.id, logDir: options.logDir });
    default: {
      const unknown: never = node.runtime;
      throw new Error(`node "${node.id}": unknown runtime "${String(unknown)}"`);
    }
  }
}

export async function createNodeWorker(options: NodeWorkerOptions): Promise<Worker> {
  return Worker.create({
    connection: options.connection,
    namespace: options.namespace,
    taskQueue: nodeTaskQueue(options.clusterName, options.node.id),
    dataConverter: options.dataConverter,
    activities: withInputValidation(nodeActivities(options), options.node.id),
    // Containers are bounded by the cluster service's reservations, not by the worker's slots.
    maxConcurrentActivityTaskExecutions: 200,
    // Heartbeats carry cancellation back to the activity; keep the round trip short so a cancel kills fast.
    maxHeartbeatThrottleInterval: '1s',
    defaultHeartbeatThrottleInterval: '1s',
    // On shutdown the running attempts are told at once (WORKER_SHUTDOWN): a counted attempt leaves its
    // container running and reports a platform failure, and the worker that comes back adopts it. A grace
    // period would only delay that hand-over; the containers themselves keep running.
    shutdownGraceTime: 0,
  });
}
