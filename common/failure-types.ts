/**
 * Failure `type` strings: the only part of an error that survives a trip through Temporal, so workflows and
 * the CLI branch on these, never on classes. They are wire names in histories: add, never rename.
 */
export const FailureType = {
  /** The container exited non-zero with a code the task lists as non-retryable. */
  NonRetryableExitCode: 'NonRetryableExitCode',
  /** The container exited non-zero; retried by the task's policy. */
  ExitCode: 'ExitCode',
  /** The image is not on the node and cannot be pulled (unknown name, pull policy Never). */
  ImageNotFound: 'ImageNotFound',
  /** Pulling failed for a reason that may pass (registry unreachable, 5xx). */
  ImagePullFailed: 'ImagePullFailed',
  /** Docker refused the container's configuration. */
  InvalidTaskConfig: 'InvalidTaskConfig',
  /** A host mount outside the worker's allowlist. */
  HostMountNotAllowed: 'HostMountNotAllowed',
  /** The kernel OOM killer stopped the container: it needs more memoryMiB. */
  OutOfMemory: 'OutOfMemory',
  /** The container outlived timeoutSeconds and was killed. */
  TaskTimedOut: 'TaskTimedOut',
  /** The Docker daemon could not be reached or failed; transient. */
  DockerUnavailable: 'DockerUnavailable',
  /** The cluster can never place the task (larger than every node, constraints nobody meets). */
  Unschedulable: 'Unschedulable',
  /** The run ended with at least one failed task. */
  PipelineFailed: 'PipelineFailed',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/** Failures that retrying cannot fix; mapped onto the RetryPolicy's nonRetryableErrorTypes. */
export const NON_RETRYABLE_FAILURES: readonly FailureType[] = [
  FailureType.NonRetryableExitCode,
  FailureType.ImageNotFound,
  FailureType.InvalidTaskConfig,
  FailureType.HostMountNotAllowed,
  FailureType.OutOfMemory,
  FailureType.Unschedulable,
];
