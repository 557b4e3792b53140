/**
 * The container activity: one Temporal activity attempt = one container. It is idempotent across retries
 * (containers of earlier attempts are removed first), heartbeats while the container runs, enforces the
 * task's runtime limit itself, and always removes the container before it returns or throws.
 */
import { Context } from '@temporalio/activity';
import { createWriteStream } from 'node:fs';
import { mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { FailureType } from '../common/failure-types.js';
import { Label, WORKSPACE_MOUNT_PATH, containerName, workspaceVolumeName } from '../common/names.js';
import type { ContainerRuntime, ContainerSpec } from './docker-runtime.js';
import { GantryActivityError, HostMountNotAllowedError, ImageNotFoundError } from './errors.js';
import { CappedLogWriter, DEFAULT_LOG_LIMIT_BYTES } from './log-cap.js';
import type { RunContainerInput, RunContainerResult } from './types.js';

export interface RunContainerDeps {
  readonly runtime: ContainerRuntime;
  readonly logDir: string;
  readonly hostMountAllowlist: readonly string[];
  readonly heartbeatIntervalMs: number;
  /** How long a bare SIGKILL exit waits for Docker's OOM flag; see wasOomKilled. */
  readonly oomFlagGraceMs?: number;
  /** Size cap of one attempt's log file; see log-cap.ts. */
  readonly logLimitBytes?: number;
}

/** A failed attempt, with what the workflow needs to report it. Converted to an ApplicationFailure upstream. */
export class TaskAttemptError extends GantryActivityError {
  readonly exitCode: number | null;
  readonly logTail: string;
  constructor(failureType: FailureType, message: string, exitCode: number | null, logTail: string) {
    super(failureType, message);
    this.name = 'TaskAttemptError';
    this.exitCode = exitCode;
    this.logTail = logTail;
  }
}

export function logPath(logDir: string, runId: string, taskId: string, attempt: number): string {
  return path.join(logDir, runId, taskId, `attempt-${attempt}.log`);
}

async function readTail(file: string, bytes: number): Promise<string> {
  try {
    const handle = await open(file, 'r');
    try {
      const { size } = await handle.stat();
      const length = Math.min(size, bytes);
      const buffer = Buffer.alloc(length);
      await handle.read(buffer, 0, length, size - length);
      return buffer.toString('utf8');
    } finally {
      await handle.close();
    }
  } catch {
    return '';
  }
}

function isUnder(hostPath: string, allowed: string): boolean {
  const rel = path.relative(path.resolve(allowed), path.resolve(hostPath));
  return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
}

function toContainerSpec(
  input: RunContainerInput,
  attempt: number,
  allowlist: readonly string[],
  logLimitBytes: number,
): ContainerSpec {
  for (const mount of input.mounts) {
    if (!allowlist.some((allowed) => isUnder(mount.hostPath, allowed)))
      throw new HostMountNotAllowedError(mount.hostPath, allowlist);
  }
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
    binds: input.mounts.map((m) => ({ hostPath: m.hostPath, target: m.containerPath, readOnly: m.readOnly })),
    logLimitBytes,
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

async function ensureImage(
  runtime: ContainerRuntime,
  image: string,
  pullPolicy: RunContainerInput['pullPolicy'],
): Promise<void> {
  if (pullPolicy === 'Always') return runtime.pullImage(image);
  if (await runtime.hasImage(image)) return;
  if (pullPolicy === 'Never') throw new ImageNotFoundError(image, 'not on this node and pullPolicy is Never');
  await runtime.pullImage(image);
}

// Docker can report the exit before it has processed the kernel's OOM event, so a SIGKILL exit (137)
// without the flag is looked at again for a moment before it is taken as a plain kill.
const OOM_FLAG_GRACE_MS = 2000;
const SIGKILL_EXIT = 137;

async function wasOomKilled(
  runtime: ContainerRuntime,
  id: string,
  exitCode: number,
  graceMs: number,
): Promise<boolean> {
  const deadline = Date.now() + (exitCode === SIGKILL_EXIT ? graceMs : 0);
  for (;;) {
    if ((await runtime.inspectContainer(id))?.isOomKilled) return true;
    if (Date.now() >= deadline) return false;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
}

// containerd watches a container for OOM only once its process has started, so a process the kernel kills
// within its first milliseconds exits as a bare 137 that Docker never flags. Gantry sent no kill (timeouts
// and cancels are handled before this), so say what the likely cause is without claiming it.
function exitCodeHint(exitCode: number, isPermanent: boolean, memoryMiB: number): string {
  if (isPermanent) return ' (listed in nonRetryableExitCodes)';
  if (exitCode === SIGKILL_EXIT) {
    return ` (SIGKILL, not sent by Gantry; Docker recorded no OOM kill, but one that happens as the task starts goes unrecorded: check memoryMiB=${memoryMiB})`;
  }
  return '';
}

type Outcome =
  { kind: 'exited'; exitCode: number } | { kind: 'timedOut' } | { kind: 'cancelled'; reason: unknown };

export async function runContainerAttempt(
  deps: RunContainerDeps,
  input: RunContainerInput,
): Promise<RunContainerResult> {
  const ctx = Context.current();
  const attempt = ctx.info.attempt;
  const { runtime } = deps;
  const logLimitBytes = deps.logLimitBytes ?? DEFAULT_LOG_LIMIT_BYTES;
  const spec = toContainerSpec(input, attempt, deps.hostMountAllowlist, logLimitBytes);
  const file = logPath(deps.logDir, input.runId, input.taskId, attempt);

  // A worker that died mid-attempt leaves its container behind; the task must never run twice at once.
  for (const stale of await runtime.findContainers({
    [Label.Run]: input.runId,
    [Label.Task]: input.taskId,
  })) {
    await runtime.removeContainer(stale.id);
  }
  ctx.heartbeat({ phase: 'pulling' });
  await ensureImage(runtime, input.image, input.pullPolicy);

  const id = await runtime.createContainer(spec);
  const heartbeat = setInterval(
    () => ctx.heartbeat({ phase: 'running', container: spec.name }),
    deps.heartbeatIntervalMs,
  );
  const started = Date.now();
  let logsDone: Promise<void> = Promise.resolve();
  try {
    await mkdir(path.dirname(file), { recursive: true });
    const sink = createWriteStream(file, { flags: 'a' });
    const capped = new CappedLogWriter(sink, logLimitBytes);
    // Attached before the start: Docker's own log files are capped and rotate, so a follower that came
    // late to a fast-printing task would find its first lines gone.
    const attached = await runtime.attachOutput(id, capped);
    logsDone = attached.ended
      .catch(() => undefined)
      .finally(() => new Promise<void>((resolve) => capped.end(() => sink.end(resolve))));
    await runtime.startContainer(id);

    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race<Outcome>([
      runtime.waitContainer(id).then((exitCode) => ({ kind: 'exited', exitCode })),
      new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'timedOut' }), input.timeoutSeconds * 1000);
      }),
      ctx.cancelled.catch((reason: unknown) => ({ kind: 'cancelled' as const, reason })),
    ]).finally(() => clearTimeout(timer));

    if (outcome.kind !== 'exited') await runtime.killContainer(id);
    // Bounded: a log stream that never closes must not hold the attempt open.
    await Promise.race([logsDone, new Promise((resolve) => setTimeout(resolve, 5000))]);
    const tail = await readTail(file, 2048);

    if (outcome.kind === 'cancelled') throw outcome.reason;
    if (outcome.kind === 'timedOut') {
      throw new TaskAttemptError(
        FailureType.TaskTimedOut,
        `task "${input.taskId}" exceeded timeoutSeconds=${input.timeoutSeconds} and was killed`,
        null,
        tail,
      );
    }
    const isOomKilled = await wasOomKilled(
      runtime,
      id,
      outcome.exitCode,
      deps.oomFlagGraceMs ?? OOM_FLAG_GRACE_MS,
    );
    if (isOomKilled) {
      throw new TaskAttemptError(
        FailureType.OutOfMemory,
        `task "${input.taskId}" was OOM-killed: it needs more than memoryMiB=${input.memoryMiB}`,
        outcome.exitCode,
        tail,
      );
    }
    if (outcome.exitCode !== 0) {
      const isPermanent = input.nonRetryableExitCodes.includes(outcome.exitCode);
      throw new TaskAttemptError(
        isPermanent ? FailureType.NonRetryableExitCode : FailureType.ExitCode,
        `task "${input.taskId}" exited with code ${outcome.exitCode}${exitCodeHint(outcome.exitCode, isPermanent, input.memoryMiB)}`,
        outcome.exitCode,
        tail,
      );
    }
    return {
      exitCode: 0,
      attempt,
      node: input.nodeId,
      containerName: spec.name,
      durationMs: Date.now() - started,
      logPath: file,
    };
  } finally {
    clearInterval(heartbeat);
    await runtime.removeContainer(id);
  }
}
