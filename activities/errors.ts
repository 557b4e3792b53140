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

export class HostMountNotAllowedError extends GantryActivityError {
  readonly hostPath: string;
  constructor(hostPath: string, allowlist: readonly string[]) {
    super(
      FailureType.HostMountNotAllowed,
      `host mount "${hostPath}" is not under the worker's allowlist [${allowlist.join(', ')}] (set GANTRY_HOST_MOUNT_ALLOWLIST)`,
    );
    this.name = 'HostMountNotAllowedError';
    this.hostPath = hostPath;
  }
}
