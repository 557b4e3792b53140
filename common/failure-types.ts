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
  /** A pipeline secret the worker cannot or may not read (not on GANTRY_SECRET_ENV, no such file, empty). */
  SecretUnavailable: 'SecretUnavailable',
  /** An image outside the cluster's `images` policy (not allowed, or not pinned by digest). */
  ImageNotAllowed: 'ImageNotAllowed',
  /** A runtimeClass the cluster does not list in `runtimeClasses`. */
  RuntimeClassNotAllowed: 'RuntimeClassNotAllowed',
  /** A task that would run as root (its `user`, or its image's) where runAsNonRoot holds. */
  RunAsRootNotAllowed: 'RunAsRootNotAllowed',
  /** The kernel OOM killer stopped the container: it needs more memoryMiB. */
  OutOfMemory: 'OutOfMemory',
  /** The container outlived timeoutSeconds and was killed. */
  TaskTimedOut: 'TaskTimedOut',
  /** The Docker daemon could not be reached or failed; transient. */
  DockerUnavailable: 'DockerUnavailable',
  /** The cluster can never place the task (larger than every node, constraints nobody meets). */
  Unschedulable: 'Unschedulable',
  /** A declared output file is missing after the container exited 0. */
  OutputMissing: 'OutputMissing',
  /** An output parameter over 256 KiB, or not UTF-8. */
  OutputInvalid: 'OutputInvalid',
  /** A declared output artifact path does not exist in the container. */
  ArtifactMissing: 'ArtifactMissing',
  /** An input artifact's digest is not in the artifact store. */
  ArtifactNotFound: 'ArtifactNotFound',
  /** A template names a value that is not there at run time (an upstream output of a task that did not run). */
  TemplateError: 'TemplateError',
  /** A `foreach` value that is not a JSON array. */
  ForeachInvalid: 'ForeachInvalid',
  /** A `when` expression that failed to evaluate (not one that was false). */
  WhenError: 'WhenError',
  /** The run ended with at least one failed task. */
  PipelineFailed: 'PipelineFailed',
  /**
   * The node's worker shut down while the attempt ran; the container was left running for the worker that
   * comes back to adopt. A platform failure: it draws on `retry.maxPlatformRetries`, not `maxAttempts`.
   */
  WorkerShutdown: 'WorkerShutdown',
  /**
   * Temporal timed the activity out (its heartbeats stopped, no worker picked it up, or it outlived its
   * slack): the node's worker or engine is the suspect, not the task, whose own limit is TaskTimedOut.
   */
  ActivityTimeout: 'ActivityTimeout',
  /** The task's platform failures (see PLATFORM_FAILURES) outnumbered `retry.maxPlatformRetries`. */
  PlatformRetriesExhausted: 'PlatformRetriesExhausted',
  /**
   * An activity's input failed the worker's own check (activities/input-schemas.ts): a forged or corrupted
   * input, or a path it would build outside its root. The same input fails the same way every time.
   */
  InvalidActivityInput: 'InvalidActivityInput',
} as const;
export type FailureType = (typeof FailureType)[keyof typeof FailureType];

/**
 * Failures of the platform, not of the task: the node's worker went away (its heartbeats stopped, it shut
 * down, nobody picked the attempt up), the Docker engine did not answer, or a registry failed a pull. Titus
 * and Maestro keep these apart from the user's failures: they draw on `retry.maxPlatformRetries`, and the
 * attempt is run again without counting against `retry.maxAttempts`. A task's own runtime limit
 * (`TaskTimedOut`) is the user's.
 */
export const PLATFORM_FAILURES: readonly string[] = [
  FailureType.DockerUnavailable,
  FailureType.WorkerShutdown,
  FailureType.ImagePullFailed,
  FailureType.ActivityTimeout,
];

/** Failures that retrying cannot fix; mapped onto the RetryPolicy's nonRetryableErrorTypes. */
export const NON_RETRYABLE_FAILURES: readonly FailureType[] = [
  FailureType.NonRetryableExitCode,
  FailureType.ImageNotFound,
  FailureType.InvalidTaskConfig,
  FailureType.HostMountNotAllowed,
  FailureType.SecretUnavailable,
  FailureType.ImageNotAllowed,
  FailureType.RuntimeClassNotAllowed,
  FailureType.RunAsRootNotAllowed,
  FailureType.OutOfMemory,
  FailureType.Unschedulable,
  FailureType.OutputMissing,
  FailureType.OutputInvalid,
  FailureType.ArtifactMissing,
  FailureType.ArtifactNotFound,
  FailureType.TemplateError,
  FailureType.ForeachInvalid,
  FailureType.WhenError,
  FailureType.InvalidActivityInput,
];
