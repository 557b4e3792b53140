/**
 * Reconciliation on a node (issue #11): removes the task containers that no open run owns. A container
 * outlives its run when the run is terminated, or its worker died and nobody adopted the attempt. Runs
 * that are still open keep theirs, whatever their state: a re-run of an attempt adopts its container
 * (activities/attempt-record.ts), and the run's own cleanup removes the rest at its end.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { ContainerRuntime } from '../activities/docker-runtime.js';
import { Label, runWorkflowId } from '../common/names.js';

export const SWEEP_INTERVAL_MS = 60_000;

export interface SweepOptions {
  readonly runtime: ContainerRuntime;
  readonly client: Client;
  readonly nodeId: string;
  /** Containers younger than this are left alone: their run may not be visible yet. */
  readonly minAgeMs?: number;
  readonly now?: () => number;
}

/** One sweep: the containers removed, by name. */
export async function sweepContainers(options: SweepOptions): Promise<string[]> {
  const { runtime, client, nodeId } = options;
  const now = (options.now ?? Date.now)();
  const containers = (await runtime.findContainers({ [Label.Node]: nodeId })).filter(
    (c) =>
      c.labels[Label.Task] !== undefined &&
      now - (c.createdAt ?? now) >= (options.minAgeMs ?? SWEEP_INTERVAL_MS),
  );
  const isOpen = new Map<string, Promise<boolean>>();
  const removed: string[] = [];
  for (const c of containers) {
    const runId = c.labels[Label.Run];
    if (runId === undefined) continue;
    if (!isOpen.has(runId)) isOpen.set(runId, isRunOpen(client, runWorkflowId(runId)));
    if (await isOpen.get(runId)) continue;
    await runtime.removeContainer(c.id);
    removed.push(c.name);
  }
  return removed;
}

async function isRunOpen(client: Client, workflowId: string): Promise<boolean> {
  try {
    return (await client.workflow.getHandle(workflowId).describe()).status.name === 'RUNNING';
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return false;
    throw err;
  }
}

/** Sweeps now and then every interval until the returned stop is called; errors go to `onError`. */
export function keepSweeping(
  options: SweepOptions & {
    readonly intervalMs?: number;
    readonly onRemoved: (names: readonly string[]) => void;
    readonly onError: (err: unknown) => void;
  },
): () => void {
  let isStopped = false;
  const round = () =>
    sweepContainers(options).then(
      (names) => (isStopped || names.length === 0 ? undefined : options.onRemoved(names)),
      (err: unknown) => (isStopped ? undefined : options.onError(err)),
    );
  void round();
  const timer = setInterval(() => void round(), options.intervalMs ?? SWEEP_INTERVAL_MS);
  timer.unref();
  return () => {
    isStopped = true;
    clearInterval(timer);
  };
}
