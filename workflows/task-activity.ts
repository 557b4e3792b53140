/** How a task spec maps onto the container activity: its options (retry policy, timeouts) and its input. */
import { ActivityCancellationType, type ActivityOptions } from '@temporalio/workflow';
import type { RunContainerInput } from '../activities/types.js';
import { NON_RETRYABLE_FAILURES } from '../common/failure-types.js';
import type { TaskSpec } from '../pipeline/schema.js';
import type { CpuAssignment } from '../scheduler/placement/types.js';

// Beyond the task's own runtime limit (enforced by the activity), time to pull the image and collect logs.
const ACTIVITY_SLACK_SECONDS = 600;
const HEARTBEAT_TIMEOUT = '20s';

export function taskActivityOptions(task: TaskSpec, taskQueue: string): ActivityOptions {
  return {
    taskQueue,
    startToCloseTimeout: `${task.timeoutSeconds + ACTIVITY_SLACK_SECONDS}s`,
    heartbeatTimeout: HEARTBEAT_TIMEOUT,
    // The workflow waits until the container is killed, so a cancelled run never leaves one running.
    cancellationType: ActivityCancellationType.WAIT_CANCELLATION_COMPLETED,
    retry: {
      maximumAttempts: task.retry.maxAttempts,
      initialInterval: `${task.retry.initialIntervalSeconds}s`,
      backoffCoefficient: task.retry.backoffCoefficient,
      maximumInterval: `${task.retry.maximumIntervalSeconds}s`,
      nonRetryableErrorTypes: [...NON_RETRYABLE_FAILURES],
    },
  };
}

export function runContainerInput(
  task: TaskSpec,
  run: { readonly runId: string; readonly pipeline: string },
  placement: { readonly nodeId: string; readonly cpuset?: CpuAssignment },
): RunContainerInput {
  return {
    runId: run.runId,
    pipeline: run.pipeline,
    taskId: task.id,
    nodeId: placement.nodeId,
    // Legacy runs only ever held container tasks.
    image: task.image ?? '',
    pullPolicy: task.pullPolicy,
    ...(task.command ? { command: task.command } : {}),
    ...(task.args ? { args: task.args } : {}),
    env: task.env,
    ...(task.workingDir ? { workingDir: task.workingDir } : {}),
    ...(task.user ? { user: task.user } : {}),
    cpu: task.resources.cpu,
    memoryMiB: task.resources.memoryMiB,
    pidsLimit: task.pidsLimit,
    nofileLimit: task.nofileLimit,
    network: task.network,
    mounts: task.mounts,
    timeoutSeconds: task.timeoutSeconds,
    nonRetryableExitCodes: task.retry.nonRetryableExitCodes,
    ...(placement.cpuset ? { cpuset: placement.cpuset } : {}),
    ...(task.expectedDurationSeconds ? { expectedDurationSeconds: task.expectedDurationSeconds } : {}),
  };
}
