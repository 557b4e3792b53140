/**
 * The end of a slice of a partitioned run: its task states go to the artifact store as one document, and
 * the parent gets counts and that document's digest, so neither its history nor its result grows with the
 * slices' task counts.
 */
import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { StoreActivities } from '../../activities/store-activities.js';
import type { RunState, TaskCounts, TaskState } from '../definitions.js';

/** Failed tasks a slice or a partitioned run names in its result; the counts say how many there are. */
export const FAILED_TASKS_SHOWN = 20;

export function countStatuses(states: Iterable<TaskState>): TaskCounts {
  const counts: Partial<Record<TaskState['status'], number>> = {};
  for (const { status } of states) counts[status] = (counts[status] ?? 0) + 1;
  return counts;
}

export async function endSlice(
  state: RunState,
  tasks: ReadonlyMap<string, TaskState>,
  external: ReadonlySet<string>,
  nodeQueues: ReadonlyMap<string, string>,
  failed: readonly string[],
): Promise<RunState> {
  const own = [...tasks].filter(([id]) => !external.has(id));
  const store = proxyActivities<StoreActivities>({
    taskQueue: workflowInfo().taskQueue,
    startToCloseTimeout: '2m',
    retry: { maximumAttempts: 10 },
    summary: `store the states of ${own.length} tasks`,
  });
  const states = await store.storeJson({ json: JSON.stringify(Object.fromEntries(own)) });
  return {
    ...state,
    tasks: {},
    dependsOn: {},
    slice: {
      counts: countStatuses(own.map(([, t]) => t)),
      states,
      failedTasks: failed.slice(0, FAILED_TASKS_SHOWN),
      nodeQueues: Object.fromEntries(nodeQueues),
    },
  };
}
