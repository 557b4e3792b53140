/**
 * A container's security settings on top of its spec: the user it runs as, a read-only root filesystem and
 * the runtime class. With a read-only `/`, Docker's archive API writes only into volumes, so Gantry's own
 * directory becomes an anonymous volume (removed with the container), and a non-root container also sees
 * its run's workspace at WORKSPACE_ALIAS: the one path below a volume through which the workspace's own
 * mode can still be set (an archive's "." entry never touches the directory it is extracted into).
 */
import path from 'node:path';
import { WORKSPACE_MOUNT_PATH, workspaceVolumeName } from '../common/names.js';
import { OUTPUTS_DIR } from '../pipeline/schema.js';
import type { ContainerSpec } from './container-spec.js';

/** Gantry's directory in every container (the parent of /gantry/outputs). */
export const GANTRY_DIR = path.posix.dirname(OUTPUTS_DIR);
/** Where a read-only, non-root container also mounts its workspace, so that it can be made writable. */
export const WORKSPACE_ALIAS = `${GANTRY_DIR}/.workspace`;

export interface ContainerSecurity {
  /** The user to run as; the image's when absent. */
  readonly user?: string;
  /** Whether the user is known not to be root: the workspace is then made writable for anyone (1777). */
  readonly isNonRoot: boolean;
  readonly readOnlyRootFilesystem: boolean;
  readonly runtimeClass?: string;
}

export function securedSpec(spec: ContainerSpec, runId: string, security: ContainerSecurity): ContainerSpec {
  const { user, runtimeClass } = security;
  const volumes = security.readOnlyRootFilesystem
    ? [
        ...spec.volumes,
        { target: GANTRY_DIR },
        ...(security.isNonRoot ? [{ name: workspaceVolumeName(runId), target: WORKSPACE_ALIAS }] : []),
      ]
    : spec.volumes;
  return {
    ...spec,
    ...(user === undefined ? {} : { user }),
    volumes,
    ...(security.readOnlyRootFilesystem ? { readOnlyRootFilesystem: true } : {}),
    ...(runtimeClass === undefined ? {} : { runtime: runtimeClass }),
  };
}

/**
 * The directories prepareContainer writes before the start, as `{ at, dirs }` for one archive: the outputs
 * directory (world-writable with the sticky bit, like /tmp) when the task has outputs, and the workspace's
 * root with the same mode when the container does not run as root.
 */
export function preparedDirectories(
  hasOutputs: boolean,
  security: Pick<ContainerSecurity, 'isNonRoot' | 'readOnlyRootFilesystem'>,
): { readonly at: string; readonly dirs: readonly { readonly name: string; readonly mode: number }[] } {
  const gantry = GANTRY_DIR.slice(1);
  const outputs = path.posix.relative(GANTRY_DIR, OUTPUTS_DIR);
  if (security.readOnlyRootFilesystem) {
    return {
      at: GANTRY_DIR,
      dirs: [
        ...(hasOutputs ? [{ name: outputs, mode: 0o1777 }] : []),
        ...(security.isNonRoot ? [{ name: path.posix.basename(WORKSPACE_ALIAS), mode: 0o1777 }] : []),
      ],
    };
  }
  return {
    at: '/',
    dirs: [
      ...(hasOutputs
        ? [
            { name: gantry, mode: 0o755 },
            { name: `${gantry}/${outputs}`, mode: 0o1777 },
          ]
        : []),
      ...(security.isNonRoot ? [{ name: WORKSPACE_MOUNT_PATH.slice(1), mode: 0o1777 }] : []),
    ],
  };
}
