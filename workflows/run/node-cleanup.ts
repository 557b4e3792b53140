/**
 * The safety net at a run's end: on every node that ran one of its tasks, remove what is left of the run
 * (and its workspace volume, unless other slices of the run still use it). Failures are ignored: a node
 * that is gone holds nothing to clean.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { GantryActivities } from '../../activities/index.js';

export async function cleanupRunOnNodes(
  runId: string,
  nodeQueues: Iterable<readonly [node: string, queue: string]>,
  isWorkspaceRemoved: boolean,
  taskIds?: readonly string[],
): Promise<void> {
  await Promise.all(
    [...nodeQueues].map(([node, queue]) =>
      proxyActivities<GantryActivities>({
        taskQueue: queue,
        startToCloseTimeout: '2m',
        // A node whose worker is gone would hold the run open for ever; its leftovers are the node
        // worker's to remove when it comes back.
        scheduleToStartTimeout: '2m',
        retry: { maximumAttempts: 5 },
        summary: `clean up run ${runId} on node ${node}`,
      })
        .cleanupRun({ runId, isWorkspaceRemoved, ...(taskIds === undefined ? {} : { taskIds }) })
        .catch(() => undefined),
    ),
  );
}
