/**
 * Host mounts, checked where they are bound (issue #12: compared as text, a symlink under an allowed prefix
 * escaped it). Right before the container is created, each mount's host path and each allowlist entry are
 * resolved with realpath on the worker; the resolved path must lie under a resolved entry, by whole path
 * segments, and the container binds the resolved path, never the link. A writable mount must lie under the
 * writable allowlist (GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST), a read-only one under either.
 *
 * NOTE: a window remains. Docker looks the bind source up again when it starts the container, so whoever can
 * write to a directory on the resolved path (a task with a writable mount there) can still replace one of its
 * components with a link between this check and the start. Binding the resolved path shrinks that to the
 * components themselves; closing it would take a bind made from a held file descriptor, which Docker lacks.
 * NOTE: paths are resolved in the worker's own file system, which must show the Docker host's paths at the
 * same place: a worker in a container, or one driving a remote engine, sees only what is mounted into it.
 */
import { readlink, realpath } from 'node:fs/promises';
import path from 'node:path';
import { HostMountMissingError, HostMountNotAllowedError } from './errors.js';
import type { RunContainerInput } from './types.js';

export interface HostMountAllowlists {
  /** GANTRY_HOST_MOUNT_ALLOWLIST: prefixes a task may bind read-only. */
  readonly readOnly: readonly string[];
  /** GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST: prefixes a task may bind writable (or read-only). */
  readonly writable: readonly string[];
}

export interface HostBind {
  readonly hostPath: string;
  readonly target: string;
  readonly readOnly: boolean;
}

/** True when `candidate` is `prefix` or below it, by whole segments: /tmp/allow2 is not under /tmp/allow. */
export function isPathUnder(candidate: string, prefix: string): boolean {
  const rel = path.relative(prefix, candidate);
  return rel === '' || (rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel));
}

/** Whether a resolved host path may be bound, against resolved allowlists. No I/O: the caller resolves. */
export function isMountAllowed(
  resolvedPath: string,
  isReadOnly: boolean,
  allowlists: HostMountAllowlists,
): boolean {
  const prefixes = isReadOnly ? [...allowlists.readOnly, ...allowlists.writable] : allowlists.writable;
  return prefixes.some((prefix) => isPathUnder(resolvedPath, prefix));
}

// Linux's MAXSYMLINKS: past this many links the kernel answers ELOOP.
const MAX_LINKS = 40;

function errorCode(err: unknown): string | undefined {
  return (err as NodeJS.ErrnoException | undefined)?.code;
}

function isNotFound(err: unknown): boolean {
  const code = errorCode(err);
  return code === 'ENOENT' || code === 'ENOTDIR';
}

type Resolution = { readonly kind: 'found' | 'missing'; readonly path: string };

/**
 * The path with every link followed, as the kernel would. For a missing path, where it would be: the
 * resolved deepest existing ancestor and the first missing name (a dangling link is followed), so that a
 * path outside the allowlists is refused as such and whether it exists is not told.
 */
async function resolveHostPath(hostPath: string, links = 0): Promise<Resolution> {
  try {
    return { kind: 'found', path: await realpath(hostPath) };
  } catch (err) {
    if (!isNotFound(err)) throw err;
  }
  const rest: string[] = [];
  for (let ancestor = hostPath; path.dirname(ancestor) !== ancestor;) {
    rest.unshift(path.basename(ancestor));
    ancestor = path.dirname(ancestor);
    let resolved: string;
    try {
      resolved = await realpath(ancestor);
    } catch (err) {
      if (!isNotFound(err)) throw err;
      continue;
    }
    const first = path.join(resolved, rest[0]!);
    const target = await readlink(first).catch(() => undefined);
    if (target === undefined || links >= MAX_LINKS) return { kind: 'missing', path: first };
    // Joined, not normalized: a ".." after a link is the kernel's to resolve, on the next realpath.
    const followed = path.isAbsolute(target) ? target : `${resolved}/${target}`;
    return resolveHostPath([followed, ...rest.slice(1)].join('/'), links + 1);
  }
  return { kind: 'missing', path: path.resolve(hostPath) };
}

/** An entry that does not resolve allows nothing: nothing under it exists either. */
async function resolveAllowlist(entries: readonly string[]): Promise<string[]> {
  const resolved = await Promise.all(entries.map((entry) => realpath(entry).catch(() => undefined)));
  return resolved.filter((entry) => entry !== undefined);
}

/**
 * The binds of a task's mounts, each host path resolved. Throws, for the first bad mount in `mounts` order,
 * HostMountNotAllowedError if it lies outside its allowlist and HostMountMissingError if it does not exist.
 */
export async function resolveHostMounts(
  input: Pick<RunContainerInput, 'taskId' | 'nodeId' | 'mounts'>,
  allowlists: HostMountAllowlists,
): Promise<HostBind[]> {
  if (input.mounts.length === 0) return [];
  const resolvedLists = {
    readOnly: await resolveAllowlist(allowlists.readOnly),
    writable: await resolveAllowlist(allowlists.writable),
  };
  const binds: HostBind[] = [];
  for (const [index, mount] of input.mounts.entries()) {
    const ref = { taskId: input.taskId, index, hostPath: mount.hostPath };
    let resolution: Resolution;
    try {
      resolution = await resolveHostPath(mount.hostPath);
    } catch (err) {
      const detail = `cannot be resolved (${errorCode(err) ?? String(err)})`;
      throw new HostMountMissingError(ref, input.nodeId, detail, { cause: err });
    }
    if (!isMountAllowed(resolution.path, mount.readOnly, resolvedLists))
      throw new HostMountNotAllowedError(ref, resolution.path, mount.readOnly, allowlists);
    if (resolution.kind === 'missing') throw new HostMountMissingError(ref, input.nodeId, 'does not exist');
    binds.push({ hostPath: resolution.path, target: mount.containerPath, readOnly: mount.readOnly });
  }
  return binds;
}
