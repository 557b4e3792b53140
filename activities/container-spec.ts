/**
 * A container as the activity wants it, and its pure translation into Docker's create options: kept apart
 * from the runtime so that what Gantry asks Docker for (limits, hardening, GPUs) is testable without one.
 */
import type Docker from 'dockerode';
import { Label, WORKSPACE_MOUNT_PATH, containerName, workspaceVolumeName } from '../common/names.js';
import type { HostBind } from './host-mounts.js';
import type { RunContainerInput } from './types.js';

export interface ContainerSpec {
  readonly name: string;
  readonly image: string;
  readonly command?: readonly string[];
  readonly args?: readonly string[];
  readonly env: Readonly<Record<string, string>>;
  readonly workingDir?: string;
  readonly user?: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly pidsLimit: number;
  readonly nofileLimit: number;
  readonly network: 'bridge' | 'none';
  /** Named volumes; one without a name is anonymous (removed with the container). */
  readonly volumes: readonly { readonly name?: string; readonly target: string }[];
  /** Host paths already resolved and checked against the allowlists (resolveHostMounts in host-mounts.ts). */
  readonly binds: readonly HostBind[];
  readonly cpuset?: { readonly cpus: string; readonly shares: number };
  /** Bounds Docker's own copy of the output while the container runs (Gantry keeps as much in its log). */
  readonly logLimitBytes: number;
  /** NVIDIA device ids (indexes or UUIDs) handed to the container. */
  readonly gpus?: readonly string[];
  /** A read-only `/` with a writable tmpfs at /tmp (secure-spec.ts adds the volumes that stay writable). */
  readonly readOnlyRootFilesystem?: boolean;
  /** Docker's HostConfig.Runtime (a runtime class registered with the engine); the engine's default when absent. */
  readonly runtime?: string;
}

export function toCreateOptions(spec: ContainerSpec): Docker.ContainerCreateOptions {
  return {
    name: spec.name,
    Image: spec.image,
    // Kubernetes semantics: `command` replaces the entrypoint, `args` the image's CMD.
    ...(spec.command ? { Entrypoint: [...spec.command], Cmd: [...(spec.args ?? [])] } : {}),
    ...(!spec.command && spec.args ? { Cmd: [...spec.args] } : {}),
    Env: Object.entries(spec.env).map(([key, value]) => `${key}=${value}`),
    ...(spec.workingDir ? { WorkingDir: spec.workingDir } : {}),
    ...(spec.user ? { User: spec.user } : {}),
    Labels: { ...spec.labels },
    Tty: false,
    AttachStdout: false,
    AttachStderr: false,
    HostConfig: {
      NanoCpus: Math.round(spec.cpu * 1e9),
      Memory: spec.memoryMiB * 1024 * 1024,
      // Equal to Memory: no swap, so an over-limit task is OOM-killed instead of thrashing the host.
      MemorySwap: spec.memoryMiB * 1024 * 1024,
      PidsLimit: spec.pidsLimit,
      Ulimits: [{ Name: 'nofile', Soft: spec.nofileLimit, Hard: spec.nofileLimit }],
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      Privileged: false,
      NetworkMode: spec.network,
      Mounts: [
        ...spec.volumes.map((v) => ({
          Type: 'volume' as const,
          // An empty source is an anonymous volume.
          Source: v.name ?? '',
          Target: v.target,
        })),
        ...spec.binds.map((b) => ({
          Type: 'bind' as const,
          Source: b.hostPath,
          Target: b.target,
          ReadOnly: b.readOnly,
        })),
      ],
      ...(spec.cpuset ? { CpusetCpus: spec.cpuset.cpus, CpuShares: spec.cpuset.shares } : {}),
      ...(spec.readOnlyRootFilesystem
        ? {
            ReadonlyRootfs: true,
            // Exec stays allowed: the workspace is writable and executable anyway, and many tools run what
            // they unpack to /tmp. Its pages count against the memory limit, so a quarter of it at most.
            Tmpfs: { '/tmp': `rw,nosuid,nodev,size=${Math.max(1, Math.floor(spec.memoryMiB / 4))}m` },
          }
        : {}),
      ...(spec.runtime ? { Runtime: spec.runtime } : {}),
      // The devices the scheduler assigned, by id: `Count` would let Docker pick, and two tasks could
      // then share a GPU the scheduler thought it had given to one of them.
      ...(spec.gpus && spec.gpus.length > 0
        ? { DeviceRequests: [{ Driver: 'nvidia', DeviceIDs: [...spec.gpus], Capabilities: [['gpu']] }] }
        : {}),
      // A chatty task must not fill the host's disk through dockerd's log files either: two files of
      // the cap each, so the cap's worth of output is always there for the follower to read.
      LogConfig: {
        Type: 'json-file',
        Config: {
          'max-size': `${Math.max(1, Math.ceil(spec.logLimitBytes / 1024))}k`,
          'max-file': '2',
        },
      },
    },
  };
}

/**
 * The container for one attempt of a task. Its host binds are left empty: they are resolved and checked on
 * the worker right before the create (resolveHostMounts), so a spec built here binds nothing of the host.
 */
export function toContainerSpec(
  input: RunContainerInput,
  attempt: number,
  logLimitBytes: number,
): ContainerSpec {
  const cpuset = input.cpuset;
  return {
    name: containerName(input.runId, input.taskId, attempt),
    image: input.image,
    ...(input.command ? { command: input.command } : {}),
    ...(input.args ? { args: input.args } : {}),
    env: {
      ...input.env,
      GANTRY_RUN_ID: input.runId,
      GANTRY_TASK_ID: input.taskId,
      GANTRY_ATTEMPT: String(attempt),
      GANTRY_WORKSPACE: WORKSPACE_MOUNT_PATH,
    },
    ...(input.workingDir ? { workingDir: input.workingDir } : {}),
    ...(input.user ? { user: input.user } : {}),
    labels: {
      [Label.Run]: input.runId,
      [Label.Task]: input.taskId,
      [Label.Attempt]: String(attempt),
      [Label.Pipeline]: input.pipeline,
      [Label.Node]: input.nodeId,
    },
    cpu: input.cpu,
    memoryMiB: input.memoryMiB,
    pidsLimit: input.pidsLimit,
    nofileLimit: input.nofileLimit,
    network: input.network,
    volumes: [{ name: workspaceVolumeName(input.runId), target: WORKSPACE_MOUNT_PATH }],
    binds: [],
    logLimitBytes,
    ...(input.gpus && input.gpus.length > 0 ? { gpus: input.gpus } : {}),
    ...(cpuset
      ? {
          cpuset: {
            cpus: [...cpuset.exclusiveCores, ...(cpuset.fragment ? [cpuset.fragment.core] : [])].join(','),
            shares: Math.max(
              2,
              Math.round(1024 * (cpuset.exclusiveCores.length + (cpuset.fragment?.share ?? 0))),
            ),
          },
        }
      : {}),
  };
}
