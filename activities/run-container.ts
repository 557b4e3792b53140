/**
 * The container activity: one Temporal activity attempt = one container. It is idempotent across retries
 * (containers of earlier attempts are removed first), heartbeats while the container runs, enforces the
 * task's runtime limit itself, and always removes the container before it returns or throws. Data moves
 * through the artifact store (data-plane.ts); a task with `cache` may be answered from it with no
 * container at all (task-cache.ts).
 */
import { CancelledFailure, Context } from '@temporalio/activity';
import { createWriteStream } from 'node:fs';
import { appendFile, mkdir, open } from 'node:fs/promises';
import path from 'node:path';
import { type ContainerPolicy, effectiveSecurity } from '../common/container-policy.js';
import { FailureType } from '../common/failure-types.js';
import { Label } from '../common/names.js';
import type { ArtifactStore } from './artifact-store.js';
import { checkInputArtifacts, collectOutputs, prepareContainer } from './data-plane.js';
import { WATCH_INTERVAL_MS, watchContainer } from './container-watch.js';
import { toContainerSpec } from './container-spec.js';
import { admitTask, isKnownNonRoot, nonRootUser } from './container-policy-gate.js';
import type { ContainerRuntime } from './docker-runtime.js';
import { resolveHostMounts } from './host-mounts.js';
import { joinUnder } from './join-under.js';
import {
  type Adoption,
  type AttemptRecord,
  adoptionOf,
  readAttemptRecord,
  writeAttemptRecord,
} from './attempt-record.js';
import {
  DockerUnavailableError,
  GantryActivityError,
  ImageNotFoundError,
  InvalidTaskConfigError,
  WorkerShutdownError,
} from './errors.js';
import { CappedLogWriter, DEFAULT_LOG_LIMIT_BYTES } from './log-cap.js';
import { maskText, SecretMasker } from './mask-secrets.js';
import { joinSecretEnv, NO_SECRET_ACCESS, readSecrets, type SecretAccess } from './secrets.js';
import { type ContainerSecurity, securedSpec } from './secure-spec.js';
import { cacheKeyOf, findReusableEntry } from './task-cache.js';
import type { RunContainerInput, RunContainerResult } from './types.js';

export interface RunContainerDeps {
  readonly runtime: ContainerRuntime;
  /** What pipelines may read as secrets on this worker (GANTRY_SECRET_ENV, GANTRY_SECRET_DIRS); nothing when absent. */
  readonly secretAccess?: SecretAccess;
  readonly store: ArtifactStore;
  readonly logDir: string;
  /** Prefixes a task may bind read-only (GANTRY_HOST_MOUNT_ALLOWLIST). */
  readonly hostMountAllowlist: readonly string[];
  /** Prefixes a task may bind writable, or read-only (GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST). */
  readonly hostMountWritableAllowlist: readonly string[];
  readonly heartbeatIntervalMs: number;
  /** How long a bare SIGKILL exit waits for Docker's OOM flag; see wasOomKilled. */
  readonly oomFlagGraceMs?: number;
  /** How often a running container is inspected besides the wait (WATCH_INTERVAL_MS). */
  readonly watchIntervalMs?: number;
  /** Size cap of one attempt's log file; see log-cap.ts. */
  readonly logLimitBytes?: number;
  /** Milliseconds since the epoch; judges cache entries' age and stamps new ones. */
  readonly now?: () => number;
  /** Labels the containers with their cluster, so a lost node's leftovers can be found (Label.Cluster). */
  readonly clusterName?: string;
  /** The cluster's container policy (images, runtime classes, security defaults); none when absent. */
  readonly policy?: ContainerPolicy;
}

/** A failed attempt, with what the workflow needs to report it. Converted to an ApplicationFailure upstream. */
export class TaskAttemptError extends GantryActivityError {
  readonly exitCode: number | null;
  readonly logTail: string;
  constructor(
    failureType: FailureType,
    message: string,
    exitCode: number | null,
    logTail: string,
    options?: { cause?: unknown },
  ) {
    super(failureType, message, options);
    this.name = 'TaskAttemptError';
    this.exitCode = exitCode;
    this.logTail = logTail;
  }
}

// Ids become path segments: one that could climb out of the log directory is refused.
function checkPathSegment(what: string, id: string): void {
  if (id === '' || id.includes('/') || id.includes('\\') || id.includes('..') || id.includes('\0'))
    throw new InvalidTaskConfigError(`${what} "${id}" cannot name a log directory (no "/", "\\" or "..")`);
}

export function logPath(logDir: string, runId: string, taskId: string, attempt: number): string {
  checkPathSegment('run id', runId);
  checkPathSegment('task id', taskId);
  return joinUnder(logDir, runId, taskId, `attempt-${attempt}.log`);
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
// 2 s was not always enough on a loaded machine (CI saw a real OOM kill taken for a plain one).
const OOM_FLAG_GRACE_MS = 5000;
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
  // A run that keeps its own attempt count (so that platform failures do not use up the user's attempts)
  // says which attempt this is, and may run the same attempt again; older runs leave it to Temporal.
  const attempt = input.attempt ?? ctx.info.attempt;
  const isRerunnable = input.attempt !== undefined;
  const file = logPath(deps.logDir, input.runId, input.taskId, attempt);
  let phase: Record<string, string> = { phase: 'preparing' };
  // From the first moment, not only while the container runs: a long image pull must not read as a dead
  // worker (20 s without a heartbeat times the attempt out).
  const heartbeat = setInterval(() => ctx.heartbeat(phase), deps.heartbeatIntervalMs);
  let secrets = new Map<string, string>();
  try {
    if (isRerunnable) {
      const record = await readAttemptRecord(file);
      if (record) return answerFromRecord(record);
    }
    // Read before anything is created: a secret the worker may not give fails the attempt with nothing started.
    if (input.secrets)
      secrets = await readSecrets(
        input.secrets,
        deps.secretAccess ?? NO_SECRET_ACCESS,
        `task "${input.taskId}"`,
      );
    return await runAttempt(deps, input, attempt, isRerunnable, file, (next) => (phase = next), secrets);
  } catch (err) {
    // An error may quote what the engine or the task said; a secret in it is masked like in the log.
    if (secrets.size > 0 && err instanceof Error) err.message = maskText(err.message, secrets.values());
    throw err;
  } finally {
    clearInterval(heartbeat);
  }
}

/** An attempt that already ended, run again after its activity's result was lost: the same answer. */
function answerFromRecord(record: AttemptRecord): RunContainerResult {
  if (record.kind === 'succeeded') return record.result;
  throw new TaskAttemptError(record.failureType, record.message, record.exitCode, record.logTail);
}

// Cancellations after which the container is left running for the next run of this attempt to adopt: the
// worker is shutting down, or Temporal already gave up on this activity (its heartbeats did not arrive)
// and has asked the workflow for the next one.
const LEAVE_RUNNING_REASONS = new Set(['WORKER_SHUTDOWN', 'TIMED_OUT']);

function isLeftRunning(reason: unknown): boolean {
  return reason instanceof CancelledFailure && LEAVE_RUNNING_REASONS.has(reason.message);
}

async function runAttempt(
  deps: RunContainerDeps,
  input: RunContainerInput,
  attempt: number,
  isRerunnable: boolean,
  file: string,
  setPhase: (phase: Record<string, string>) => void,
  secrets: ReadonlyMap<string, string>,
): Promise<RunContainerResult> {
  const ctx = Context.current();
  const { runtime, store } = deps;
  const now = deps.now ?? Date.now;
  const logLimitBytes = deps.logLimitBytes ?? DEFAULT_LOG_LIMIT_BYTES;
  const plain = toContainerSpec(input, attempt, logLimitBytes);
  const base = input.secretEnv
    ? { ...plain, env: { ...plain.env, ...joinSecretEnv(input.secretEnv, secrets) } }
    : plain;
  const mask = (text: string) => (secrets.size === 0 ? text : maskText(text, secrets.values()));
  const spec =
    deps.clusterName === undefined
      ? base
      : { ...base, labels: { ...base.labels, [Label.Cluster]: deps.clusterName } };
  const policy = deps.policy ?? {};
  const wanted = effectiveSecurity(input, policy.security);
  admitTask(input, policy, wanted.runAsNonRoot);

  // A worker that died mid-attempt leaves its container behind; the task must never run twice at once.
  // The lookup runs alongside the image check and the create (listing is slow on a busy engine: it took
  // part of the ready → created time), and what it finds is removed before anything starts, unless it is
  // this very attempt's, which a re-run adopts.
  const stale = runtime.findContainers({ [Label.Run]: input.runId, [Label.Task]: input.taskId });
  stale.catch(() => undefined); // Awaited below; this only keeps an early return from leaving it unhandled.
  const removed = new Set<string>();
  const removeStale = async (keep?: string) => {
    for (const c of await stale) {
      if (c.id === keep || removed.has(c.id)) continue;
      await runtime.removeContainer(c.id);
      removed.add(c.id);
    }
  };
  // The image is looked at first only where something needs it before the create: a pull on every attempt,
  // or the cache key (the image's digest). Otherwise the create itself reports a missing image (404), and
  // only then is it pulled: one Docker call fewer per task on an engine that is often the bottleneck.
  // runAsNonRoot needs the image's own user before the create, hence the image.
  const isImageFirst = input.pullPolicy === 'Always' || input.cache !== undefined || wanted.runAsNonRoot;
  const pullIfMissing = async () => {
    setPhase({ phase: 'pulling', image: input.image });
    await ensureImage(runtime, input.image, input.pullPolicy);
  };
  if (isImageFirst) await pullIfMissing();

  const cacheKey = input.cache
    ? cacheKeyOf(input, input.cache, await runtime.imageId(input.image))
    : undefined;
  if (input.cache?.isLookupEnabled && cacheKey !== undefined) {
    const entry = await findReusableEntry(store, cacheKey, input.cache.maxAgeSeconds, now());
    if (entry) {
      await removeStale();
      await mkdir(path.dirname(file), { recursive: true });
      await appendFile(
        file,
        `[gantry: no container ran: result reused from run ${entry.runId}, task ${entry.taskId} (cache key ${cacheKey})]\n`,
      );
      return {
        exitCode: 0,
        attempt,
        node: input.nodeId,
        containerName: spec.name,
        durationMs: 0,
        logPath: file,
        outputs: entry.outputs,
        artifacts: entry.artifacts,
        cachedFrom: { runId: entry.runId, taskId: entry.taskId },
        cacheKey,
      };
    }
  }
  await checkInputArtifacts(store, input);

  const user = wanted.runAsNonRoot ? await nonRootUser(runtime, input) : input.user;
  const security: ContainerSecurity = {
    ...(user === undefined ? {} : { user }),
    isNonRoot: wanted.runAsNonRoot || isKnownNonRoot(user),
    readOnlyRootFilesystem: wanted.readOnlyRootFilesystem,
    ...(input.runtimeClass === undefined ? {} : { runtimeClass: input.runtimeClass }),
  };
  const secured = securedSpec(spec, input.runId, security);
  const allowlists = { readOnly: deps.hostMountAllowlist, writable: deps.hostMountWritableAllowlist };
  // Host mounts are resolved and checked at each create, after any pull, and bound as resolved: a link
  // swapped after the check cannot redirect the bind (host-mounts.ts says what window remains).
  const createChecked = async (): Promise<string> =>
    runtime.createContainer({ ...secured, binds: await resolveHostMounts(input, allowlists) });
  const create = async (): Promise<string> => {
    try {
      return await createChecked();
    } catch (err) {
      if (isImageFirst || !(err instanceof ImageNotFoundError)) throw err;
      await pullIfMissing();
      return createChecked();
    }
  };
  let id: string;
  let adoption: Adoption | undefined;
  try {
    id = await create();
  } catch (err) {
    // A leftover holds the name: this very attempt's, which a re-run adopts, or one to remove first.
    const found = await stale;
    if (found.length === 0) throw err;
    const own = isRerunnable ? found.find((c) => c.name === spec.name) : undefined;
    const state = own ? await runtime.inspectContainer(own.id) : undefined;
    adoption = state ? adoptionOf(state) : undefined;
    if (state && adoption !== 'replace') {
      id = state.id;
    } else {
      adoption = undefined;
      await removeStale();
      id = await create();
    }
  }
  const isAdoptedStarted = adoption === 'running' || adoption === 'exited';
  const createdAt = Date.now();
  await removeStale(id);
  setPhase({ phase: 'running', container: spec.name, ...(adoption ? { adopted: adoption } : {}) });
  const started = Date.now();
  let logsDone: Promise<void> = Promise.resolve();
  let isKept = false;
  try {
    if (!isAdoptedStarted) await prepareContainer(runtime, store, id, input, security);
    await mkdir(path.dirname(file), { recursive: true });
    // An adopted container's whole log is copied again, so its file is written afresh, not appended to.
    const sink = createWriteStream(file, { flags: isAdoptedStarted ? 'w' : 'a' });
    const capped = new CappedLogWriter(sink, logLimitBytes);
    // Secrets are masked before the cap counts: the file holds what was written, `***` included.
    const writer = secrets.size === 0 ? capped : new SecretMasker(capped, secrets.values());
    // Attached before the start: Docker's own log files are capped and rotate, so a follower that came
    // late to a fast-printing task would find its first lines gone.
    const attached = isAdoptedStarted
      ? await runtime.copyLogs(id, writer, adoption === 'running')
      : await runtime.attachOutput(id, writer);
    const endCapped = (resolve: () => void) => capped.end(() => sink.end(resolve));
    logsDone = attached.ended
      .catch(() => undefined)
      .finally(
        () =>
          new Promise<void>((resolve) =>
            writer === capped ? endCapped(resolve) : writer.end(() => endCapped(resolve)),
          ),
      );
    if (!isAdoptedStarted) await runtime.startContainer(id);

    let timer: NodeJS.Timeout | undefined;
    const watchdog = watchContainer(runtime, id, deps.watchIntervalMs ?? WATCH_INTERVAL_MS);
    const raced = await Promise.race<Outcome>([
      runtime.waitContainer(id).then((exitCode) => ({ kind: 'exited', exitCode })),
      watchdog.exited,
      new Promise<Outcome>((resolve) => {
        timer = setTimeout(() => resolve({ kind: 'timedOut' }), input.timeoutSeconds * 1000);
      }),
      ctx.cancelled.catch((reason: unknown) => ({ kind: 'cancelled' as const, reason })),
    ])
      .catch((err: unknown) => {
        // Left for the platform retry to adopt, which judges its exit (see watchContainer). So is a container
        // whose wait the engine broke (a restart): it may have exited 0 meanwhile, and removing it would make
        // the re-run of this attempt run the task again.
        if (watchdog.hasGivenUp() || (isRerunnable && err instanceof DockerUnavailableError)) isKept = true;
        throw err;
      })
      .finally(() => {
        clearTimeout(timer);
        watchdog.stop();
      });

    if (raced.kind === 'cancelled' && isRerunnable && isLeftRunning(raced.reason)) {
      isKept = true;
      throw new WorkerShutdownError(
        `task "${input.taskId}" attempt ${attempt}: the node's worker stopped watching it (${String((raced.reason as Error).message)}); its container ${spec.name} keeps running for the next worker to adopt`,
      );
    }
    if (raced.kind !== 'exited') await runtime.killContainer(id);
    // A cancel (a preemption, say) that crossed the container's own zero exit: the task is done, and its
    // result is what the run waits for (activities are cancelled with WAIT_CANCELLATION_COMPLETED), not a
    // re-run elsewhere. A SIGKILLed container never exits 0, so a zero exit here is the task's own.
    const outcome = raced.kind === 'cancelled' ? ((await exitedOnItsOwn(runtime, id)) ?? raced) : raced;
    // Bounded: a log stream that never closes must not hold the attempt open.
    await Promise.race([logsDone, new Promise((resolve) => setTimeout(resolve, 5000))]);
    const tail = await readTail(file, 2048);

    if (outcome.kind === 'cancelled') throw outcome.reason;
    const settled = await settle(deps, input, id, outcome, tail, cacheKey, mask).catch(
      async (err: unknown) => {
        if (isRerunnable && err instanceof TaskAttemptError) {
          await writeAttemptRecord(file, {
            kind: 'failed',
            failureType: err.failureType,
            message: err.message,
            exitCode: err.exitCode,
            logTail: err.logTail,
          });
        }
        throw err;
      },
    );
    const result: RunContainerResult = {
      exitCode: 0,
      attempt,
      node: input.nodeId,
      containerName: spec.name,
      durationMs: Date.now() - started,
      logPath: file,
      createdAt,
      ...(settled ?? {}),
      ...(cacheKey === undefined ? {} : { cacheKey }),
    };
    if (isRerunnable) await writeAttemptRecord(file, { kind: 'succeeded', result });
    return result;
  } finally {
    if (!isKept) await runtime.removeContainer(id);
  }
}

/** The container's zero exit, when it has exited 0 by itself (after a kill, a SIGKILLed one shows 137). */
async function exitedOnItsOwn(runtime: ContainerRuntime, id: string): Promise<Outcome | undefined> {
  const state = await runtime.inspectContainer(id).catch(() => undefined);
  return state && !state.isRunning && state.status === 'exited' && state.exitCode === 0
    ? { kind: 'exited', exitCode: 0 }
    : undefined;
}

/** The exited (or timed-out) container's verdict: its outputs, or the TaskAttemptError that says why not. */
async function settle(
  deps: RunContainerDeps,
  input: RunContainerInput,
  id: string,
  outcome: Exclude<Outcome, { kind: 'cancelled' }>,
  tail: string,
  cacheKey: string | undefined,
  mask: (text: string) => string,
): Promise<Pick<RunContainerResult, 'outputs' | 'artifacts'> | undefined> {
  const { runtime, store } = deps;
  if (outcome.kind === 'timedOut') {
    throw new TaskAttemptError(
      FailureType.TaskTimedOut,
      `task "${input.taskId}" exceeded timeoutSeconds=${input.timeoutSeconds} and was killed`,
      null,
      tail,
    );
  }
  // A zero exit is a success even if the kernel killed one of the task's children: no inspect needed.
  const isOomKilled =
    outcome.exitCode !== 0 &&
    (await wasOomKilled(runtime, id, outcome.exitCode, deps.oomFlagGraceMs ?? OOM_FLAG_GRACE_MS));
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
  const collected = input.outputs
    ? await collectOutputs(runtime, store, id, input, mask).catch((err: unknown) => {
        // Carries the log tail: a missing output is usually explained by what the task printed.
        if (!(err instanceof GantryActivityError)) throw err;
        throw new TaskAttemptError(err.failureType, err.message, 0, tail, { cause: err });
      })
    : undefined;
  if (cacheKey !== undefined) {
    await store.putCacheEntry(cacheKey, {
      runId: input.runId,
      taskId: input.taskId,
      outputs: collected?.outputs ?? {},
      artifacts: collected?.artifacts ?? {},
      createdAt: new Date((deps.now ?? Date.now)()).toISOString(),
    });
  }
  return collected;
}
