/**
 * The cluster's container policy on the node worker: the last word for a run started by a client that did
 * not validate against the cluster. `admitTask` refuses before any Docker call; `containerUser` picks the
 * user a runAsNonRoot task runs as, which needs the image's own (Config.User, known only on the node).
 */
import {
  type ContainerPolicy,
  NON_ROOT_USER,
  imageRefusal,
  rootUserRefusal,
  runtimeClassRefusal,
} from '../common/container-policy.js';
import type { ContainerRuntime } from './docker-runtime.js';
import { ImageNotAllowedError, RunAsRootNotAllowedError, RuntimeClassNotAllowedError } from './errors.js';
import type { RunContainerInput } from './types.js';

/** Throws the typed error of the first rule the task breaks: image, runtime class, then a root `user`. */
export function admitTask(input: RunContainerInput, policy: ContainerPolicy, isNonRoot: boolean): void {
  const image = imageRefusal(input.image, policy.images);
  if (image !== undefined) throw new ImageNotAllowedError(input.taskId, input.image, image);
  const runtime = runtimeClassRefusal(input.runtimeClass, policy.runtimeClasses);
  if (runtime !== undefined)
    throw new RuntimeClassNotAllowedError(input.taskId, input.runtimeClass!, runtime);
  if (isNonRoot && input.user !== undefined) {
    const user = rootUserRefusal(input.user);
    if (user !== undefined) throw new RunAsRootNotAllowedError(input.taskId, input.user, user);
  }
}

/**
 * The `User` of a runAsNonRoot container: the task's own (already admitted), else the image's when it is a
 * numeric non-zero uid, else NON_ROOT_USER when the image runs as root or names no user. An image that
 * names a user by name is refused, as Kubernetes does: the name could be uid 0 in its /etc/passwd.
 */
export async function nonRootUser(runtime: ContainerRuntime, input: RunContainerInput): Promise<string> {
  if (input.user !== undefined) return input.user;
  const imageUser = (await runtime.imageUser(input.image)).trim();
  if (imageUser === '' || /^(0|root)(:.*)?$/.test(imageUser)) return NON_ROOT_USER;
  if (rootUserRefusal(imageUser) === undefined) return imageUser;
  throw new RunAsRootNotAllowedError(
    input.taskId,
    imageUser,
    `image "${input.image}" runs as user "${imageUser}", which is not a numeric uid: under runAsNonRoot set the task's user to its numeric uid[:gid]`,
  );
}

/** Whether the container's user is known not to be root: its workspace must then be writable by anyone. */
export function isKnownNonRoot(user: string | undefined): boolean {
  return user !== undefined && rootUserRefusal(user) === undefined;
}
