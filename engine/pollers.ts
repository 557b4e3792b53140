/** Who serves a task queue: the server's poller list, minus pollers this host knows to be dead. */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import os from 'node:os';

/** True when a live worker (or one that might be alive) polls the queue for workflow or activity tasks. */
export async function hasPollers(
  client: Client,
  namespace: string,
  taskQueue: string,
  isWorkflowQueue: boolean,
): Promise<boolean> {
  const { pollers } = await client.workflowService.describeTaskQueue({
    namespace,
    taskQueue: { name: taskQueue, kind: proto.temporal.api.enums.v1.TaskQueueKind.TASK_QUEUE_KIND_NORMAL },
    taskQueueType: isWorkflowQueue
      ? proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW
      : proto.temporal.api.enums.v1.TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
  });
  return (pollers ?? []).some((poller) => isPossiblyAlive(poller.identity ?? ''));
}

// A worker started a moment ago (`gantry run`'s own, `gantry worker`'s) shows in the poller list shortly.
const POLLER_GRACE_MS = 3_000;

/** True when a worker polls the workflow queue now or within a few seconds (one that is just starting). */
export async function isServedSoon(client: Client, namespace: string, taskQueue: string): Promise<boolean> {
  const deadline = Date.now() + POLLER_GRACE_MS;
  for (;;) {
    if (await hasPollers(client, namespace, taskQueue, true)) return true;
    if (Date.now() > deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 250));
  }
}

/**
 * The server lists a poller for minutes after its process died. A worker's default identity is
 * `pid@host`, so a poller from this host whose pid is gone is known dead; any other is taken as alive.
 */
function isPossiblyAlive(identity: string): boolean {
  const match = /^(\d+)@(.+)$/.exec(identity);
  if (!match || match[2] !== os.hostname()) return true;
  try {
    process.kill(Number(match[1]), 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}
