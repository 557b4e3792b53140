/**
 * A node worker's heartbeats to its cluster service (workflows/cluster/node-health.ts): every fifth of
 * `nodeLostAfterSeconds`, one `nodeHeartbeat` signal naming the nodes this process serves whose engine
 * answers. A node whose engine does not answer is left out, so a dead engine under a live worker is lost
 * like a dead machine. After a failed send (the server away) it tries again every second, so heartbeats
 * resume within moments of the server's return. Stopping says `leaving`: a node stopped on purpose is not
 * taken for lost.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { type ContainerRuntime, createDockerRuntime } from '../activities/docker-runtime.js';
import type { NodeSpec } from '../common/cluster-spec.js';
import { clusterWorkflowId } from '../common/names.js';
import { DEFAULT_NODE_LOST_SECONDS, heartbeatIntervalMs } from '../common/node-heartbeat.js';
import { nodeHeartbeatSignal } from '../workflows/definitions.js';

const RETRY_MS = 1_000;
// An engine that cannot answer a ping in this long is hung; a merely busy one answers pings at once.
const ENGINE_CHECK_MS = 10_000;
const LEAVING_SEND_MS = 3_000;

export interface HeartbeatOptions {
  readonly client: Client;
  readonly clusterName: string;
  readonly nodes: readonly NodeSpec[];
  /** The cluster's `nodeLostAfterSeconds` (its default when absent). */
  readonly lostAfterSeconds?: number;
  /** Called once per streak of failed sends, and again after a success. */
  readonly onError?: (err: unknown) => void;
  /** Whether a node can run tasks now; by default its Docker engine answers (a simulated node always can). */
  readonly isUp?: (node: NodeSpec) => Promise<boolean>;
}

export interface Heartbeats {
  /** Stops sending and tells the service the nodes are leaving. */
  stop(): Promise<void>;
}

function withTimeout<T>(promise: Promise<T>, ms: number): Promise<T | undefined> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<undefined>((resolve) => (timer = setTimeout(() => resolve(undefined), ms)));
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}

/** Whether each node's engine answers now (a simulated node always does); one Docker client per node. */
export function engineCheck(): (node: NodeSpec) => Promise<boolean> {
  const runtimes = new Map<string, ContainerRuntime>();
  return (node) => {
    if (node.runtime === 'simulated') return Promise.resolve(true);
    let runtime = runtimes.get(node.id);
    if (!runtime) runtimes.set(node.id, (runtime = createDockerRuntime(node.docker)));
    const answered = runtime.ping().then(
      () => true,
      () => false,
    );
    return withTimeout(answered, ENGINE_CHECK_MS).then((ok) => ok === true);
  };
}

export function keepHeartbeating(options: HeartbeatOptions): Heartbeats {
  const { client, clusterName, nodes } = options;
  const isUp = options.isUp ?? engineCheck();
  const intervalMs = heartbeatIntervalMs(options.lostAfterSeconds ?? DEFAULT_NODE_LOST_SECONDS);
  const service = client.workflow.getHandle(clusterWorkflowId(clusterName));
  let isStopped = false;
  let hasFailed = false;
  let timer: NodeJS.Timeout | undefined;
  let sending: Promise<void> = Promise.resolve();
  // Resolves on stop: a beat still waiting for an engine's answer gives up at once instead of holding the
  // worker's exit (its signal must not follow the `leaving` one, so stop waits for the beat).
  let onStop = (): void => undefined;
  const stopped = new Promise<undefined>((resolve) => (onStop = () => resolve(undefined)));

  async function beat(): Promise<void> {
    const checks = Promise.all(nodes.map(async (n) => ((await isUp(n)) ? n.id : undefined)));
    const up = await Promise.race([checks, stopped]);
    if (isStopped || up === undefined) return;
    const ids = up.filter((id): id is string => id !== undefined);
    try {
      if (ids.length > 0) await service.signal(nodeHeartbeatSignal, { nodes: ids, at: Date.now() });
      hasFailed = false;
      schedule(intervalMs);
    } catch (err) {
      // No service yet (a fresh cluster): nothing watches the nodes, nothing to report.
      if (!hasFailed && !(err instanceof WorkflowNotFoundError)) options.onError?.(err);
      hasFailed = true;
      schedule(RETRY_MS);
    }
  }
  function schedule(ms: number): void {
    if (isStopped) return;
    timer = setTimeout(() => {
      sending = beat();
    }, ms);
    timer.unref();
  }
  sending = beat();

  return {
    async stop() {
      isStopped = true;
      onStop();
      clearTimeout(timer);
      await sending;
      const leaving = service.signal(nodeHeartbeatSignal, {
        nodes: nodes.map((n) => n.id),
        at: Date.now(),
        leaving: true,
      });
      await withTimeout(
        leaving.catch(() => undefined),
        LEAVING_SEND_MS,
      );
    },
  };
}
