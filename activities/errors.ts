/** Errors of the I/O shell. Each carries the failure type it becomes when it crosses Temporal. */
import { FailureType } from '../common/failure-types.js';

export class GantryActivityError extends Error {
  readonly failureType: FailureType;
  constructor(failureType: FailureType, message: string, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'GantryActivityError';
    this.failureType = failureType;
  }
}

export class DockerUnavailableError extends GantryActivityError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(FailureType.DockerUnavailable, message, options);
    this.name = 'DockerUnavailableError';
  }
}

/** The node's worker is shutting down (or was given up on) while the attempt's container runs on. */
export class WorkerShutdownError extends GantryActivityError {
  constructor(message: string) {
    super(FailureType.WorkerShutdown, message);
    this.name = 'WorkerShutdownError';
  }
}

export class ImageNotFoundError extends GantryActivityError {
  readonly image: string;
  constructor(image: string, detail: string, options?: { cause?: unknown }) {
    super(FailureType.ImageNotFound, `image "${image}" not found: ${detail}`, options);
    this.name = 'ImageNotFoundError';
    this.image = image;
  }
}

export class ImagePullError extends GantryActivityError {
  readonly image: string;
  constructor(image: string, detail: string, options?: { cause?: unknown }) {
    super(FailureType.ImagePullFailed, `pulling image "${image}" failed: ${detail}`, options);
    this.name = 'ImagePullError';
    this.image = image;
  }
}

export class InvalidTaskConfigError extends GantryActivityError {
  constructor(message: string, options?: { cause?: unknown }) {
    super(FailureType.InvalidTaskConfig, message, options);
    this.name = 'InvalidTaskConfigError';
  }
}

/** A pipeline secret this worker cannot or may not read; the message names the secret, never a value. */
export class SecretUnavailableError extends GantryActivityError {
  constructor(message: string) {
    super(FailureType.SecretUnavailable, message);
    this.name = 'SecretUnavailableError';
  }
}

/** Where a host mount came from: the task and the mount's index in its `mounts`. */
export interface HostMountRef {
  readonly taskId: string;
  readonly index: number;
  readonly hostPath: string;
}

/**
 * A host mount whose resolved path lies outside what the worker allows: a writable mount must be under
 * GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST, a read-only one under either allowlist.
 */
export class HostMountNotAllowedError extends GantryActivityError {
  readonly taskId: string;
  readonly index: number;
  readonly hostPath: string;
  readonly resolvedPath: string;
  readonly isReadOnly: boolean;
  constructor(
    mount: HostMountRef,
    resolvedPath: string,
    isReadOnly: boolean,
    allowlists: { readonly readOnly: readonly string[]; readonly writable: readonly string[] },
  ) {
    const list = (entries: readonly string[]) => `[${entries.join(', ')}]`;
    const missed = isReadOnly
      ? `is under neither GANTRY_HOST_MOUNT_ALLOWLIST ${list(allowlists.readOnly)} nor GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST ${list(allowlists.writable)}`
      : `is writable but not under GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST ${list(allowlists.writable)}`;
    super(
      FailureType.HostMountNotAllowed,
      `task "${mount.taskId}" mounts[${mount.index}]: host path "${mount.hostPath}" (resolved "${resolvedPath}") ${missed}`,
    );
    this.name = 'HostMountNotAllowedError';
    this.taskId = mount.taskId;
    this.index = mount.index;
    this.hostPath = mount.hostPath;
    this.resolvedPath = resolvedPath;
    this.isReadOnly = isReadOnly;
  }
}

/** A host mount whose path does not exist on the node (or cannot be resolved there), so it cannot be checked. */
export class HostMountMissingError extends GantryActivityError {
  readonly taskId: string;
  readonly index: number;
  readonly hostPath: string;
  readonly nodeId: string;
  constructor(mount: HostMountRef, nodeId: string, detail: string, options?: { cause?: unknown }) {
    super(
      FailureType.InvalidTaskConfig,
      `task "${mount.taskId}" mounts[${mount.index}]: host path "${mount.hostPath}" ${detail} on node "${nodeId}"`,
      options,
    );
    this.name = 'HostMountMissingError';
    this.taskId = mount.taskId;
    this.index = mount.index;
    this.hostPath = mount.hostPath;
    this.nodeId = nodeId;
  }
}

export class OutputMissingError extends GantryActivityError {
  readonly taskId: string;
  readonly output: string;
  readonly path: string;
  constructor(taskId: string, output: string, filePath: string) {
    super(
      FailureType.OutputMissing,
      `task "${taskId}" output "${output}": file ${filePath} does not exist after the container exited 0`,
    );
    this.name = 'OutputMissingError';
    this.taskId = taskId;
    this.output = output;
    this.path = filePath;
  }
}

export class OutputInvalidError extends GantryActivityError {
  readonly taskId: string;
  readonly output: string;
  readonly path: string;
  constructor(taskId: string, output: string, filePath: string, detail: string) {
    super(FailureType.OutputInvalid, `task "${taskId}" output "${output}" (${filePath}): ${detail}`);
    this.name = 'OutputInvalidError';
    this.taskId = taskId;
    this.output = output;
    this.path = filePath;
  }
}

export class ArtifactMissingError extends GantryActivityError {
  readonly taskId: string;
  readonly artifact: string;
  readonly path: string;
  constructor(taskId: string, artifact: string, artifactPath: string) {
    super(
      FailureType.ArtifactMissing,
      `task "${taskId}" artifact "${artifact}": ${artifactPath} does not exist after the container exited 0`,
    );
    this.name = 'ArtifactMissingError';
    this.taskId = taskId;
    this.artifact = artifact;
    this.path = artifactPath;
  }
}

export class ArtifactNotFoundError extends GantryActivityError {
  readonly digest: string;
  constructor(digest: string, detail = 'not in the artifact store') {
    super(FailureType.ArtifactNotFound, `artifact "${digest}": ${detail}`);
    this.name = 'ArtifactNotFoundError';
    this.digest = digest;
  }
}

/** One problem with an activity's input: where (`input.runId`), the value shown short, and what is wrong. */
export interface ActivityInputIssue {
  readonly path: string;
  readonly value: string;
  readonly problem: string;
}

/**
 * An activity's input that fails the worker's check (input-schemas.ts): refused before anything is done,
 * every problem named, e.g. `activity runContainer: input.runId = "../../etc": must be …`.
 */
export class InvalidActivityInputError extends GantryActivityError {
  readonly activity: string;
  readonly issues: readonly ActivityInputIssue[];
  constructor(activity: string, issues: readonly ActivityInputIssue[]) {
    super(
      FailureType.InvalidActivityInput,
      `activity ${activity}: ${issues.map((i) => `${i.path} = ${i.value}: ${i.problem}`).join('; ')}`,
    );
    this.name = 'InvalidActivityInputError';
    this.activity = activity;
    this.issues = issues;
  }
}

/** A path built from an activity's input that would leave its root (defence in depth behind the id rule). */
export class PathOutsideRootError extends GantryActivityError {
  readonly root: string;
  readonly segments: readonly string[];
  constructor(root: string, segments: readonly string[]) {
    super(
      FailureType.InvalidActivityInput,
      `path segments ${JSON.stringify(segments).slice(0, 200)} lead outside ${JSON.stringify(root)}`,
    );
    this.name = 'PathOutsideRootError';
    this.root = root;
    this.segments = segments;
  }
}

/** A task whose image is outside the cluster's `images` policy, judged on the worker. */
export class ImageNotAllowedError extends GantryActivityError {
  readonly taskId: string;
  readonly image: string;
  constructor(taskId: string, image: string, reason: string) {
    super(FailureType.ImageNotAllowed, `task "${taskId}": image ${reason}`);
    this.name = 'ImageNotAllowedError';
    this.taskId = taskId;
    this.image = image;
  }
}

export class RuntimeClassNotAllowedError extends GantryActivityError {
  readonly taskId: string;
  readonly runtimeClass: string;
  constructor(taskId: string, runtimeClass: string, reason: string) {
    super(FailureType.RuntimeClassNotAllowed, `task "${taskId}": ${reason}`);
    this.name = 'RuntimeClassNotAllowedError';
    this.taskId = taskId;
    this.runtimeClass = runtimeClass;
  }
}

/** A task that would run as root (by its `user` or its image's) where runAsNonRoot holds. */
export class RunAsRootNotAllowedError extends GantryActivityError {
  readonly taskId: string;
  readonly user: string;
  constructor(taskId: string, user: string, reason: string) {
    super(FailureType.RunAsRootNotAllowed, `task "${taskId}": ${reason}`);
    this.name = 'RunAsRootNotAllowedError';
    this.taskId = taskId;
    this.user = user;
  }
}
