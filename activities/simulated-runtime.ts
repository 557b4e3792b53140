/**
 * The activities of a SIMULATED node (`runtime: simulated` in the cluster spec), for measuring the engine at
 * sizes Docker cannot reach, as Kubernetes' KWOK does. Same names and contracts as createActivities', so the
 * run workflow cannot tell the difference, but no container runs: each task heartbeats, waits its
 * `expectedDurationSeconds` (0 when absent; a cancel or its `timeoutSeconds` ends the wait as it would end a
 * container) and exits 0. What a simulated task cannot honestly produce:
 * - output parameters: each is the empty string;
 * - output artifacts: the attempt fails with InvalidTaskConfig, because a fake digest would poison the store;
 * - cache: never looked up nor recorded, so every attempt simulates its whole duration.
 * It writes one log line per attempt where Docker's output would go, so `gantry logs` works.
 * A task whose env sets GANTRY_SIMULATED_EXIT_CODE to a non-zero integer fails after its duration as a
 * container exiting with that code would (nonRetryableExitCodes honoured), so tests can make runs fail.
 */
import { Context } from '@temporalio/activity';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { ValueRef } from '../common/data-refs.js';
import { FailureType } from '../common/failure-types.js';
import { InvalidTaskConfigError } from './errors.js';
import type { GantryActivities } from './index.js';
import { TaskAttemptError, logPath } from './run-container.js';
import { toFailure } from './to-failure.js';
import type { CleanupRunInput, CleanupRunResult, RunContainerInput, RunContainerResult } from './types.js';

export interface SimulatedActivityDeps {
  readonly nodeId: string;
  readonly logDir: string;
  readonly heartbeatIntervalMs?: number;
}

/** The env variable a simulated task sets to exit non-zero. */
export const SIMULATED_EXIT_CODE_ENV = 'GANTRY_SIMULATED_EXIT_CODE';

function simulatedExitCode(input: RunContainerInput): number {
  const value = input.env[SIMULATED_EXIT_CODE_ENV];
  if (value === undefined) return 0;
  const code = Number(value);
  if (!Number.isInteger(code) || code < 0 || code > 255)
    throw new InvalidTaskConfigError(
      `task "${input.taskId}": env ${SIMULATED_EXIT_CODE_ENV} must be an exit code 0–255, got "${value}"`,
    );
  return code;
}

type Outcome = { kind: 'done' } | { kind: 'timedOut' } | { kind: 'cancelled'; reason: unknown };

async function simulateAttempt(
  deps: SimulatedActivityDeps,
  input: RunContainerInput,
): Promise<RunContainerResult> {
  const ctx = Context.current();
  const attempt = input.attempt ?? ctx.info.attempt;
  const file = logPath(deps.logDir, input.runId, input.taskId, attempt);
  const artifacts = input.outputs?.artifacts ?? [];
  if (artifacts.length > 0) {
    throw new InvalidTaskConfigError(
      `task "${input.taskId}" declares output artifact "${artifacts[0]!.name}": simulated node "${deps.nodeId}" runs no container, so it cannot produce artifacts`,
    );
  }
  const exitCode = simulatedExitCode(input);
  const seconds = input.expectedDurationSeconds ?? 0;
  const started = Date.now();
  const heartbeat = setInterval(
    () => ctx.heartbeat({ phase: 'running', simulated: true }),
    deps.heartbeatIntervalMs ?? 1000,
  );
  const timers: NodeJS.Timeout[] = [];
  const after = (ms: number, outcome: Outcome) =>
    new Promise<Outcome>((resolve) => timers.push(setTimeout(() => resolve(outcome), ms)));
  let outcome: Outcome;
  try {
    ctx.heartbeat({ phase: 'running', simulated: true });
    outcome = await Promise.race<Outcome>([
      after(seconds * 1000, { kind: 'done' }),
      ...(seconds > input.timeoutSeconds ? [after(input.timeoutSeconds * 1000, { kind: 'timedOut' })] : []),
      ctx.cancelled.catch((reason: unknown) => ({ kind: 'cancelled' as const, reason })),
    ]);
  } finally {
    clearInterval(heartbeat);
    timers.forEach(clearTimeout);
  }
  const elapsedMs = Date.now() - started;
  const line =
    outcome.kind === 'done'
      ? `simulated: ${exitCode === 0 ? 'completed' : `exited with code ${exitCode}`} after ${seconds}s on node ${deps.nodeId} (no container ran)\n`
      : `simulated: ${outcome.kind === 'timedOut' ? 'timed out' : 'cancelled'} after ${(elapsedMs / 1000).toFixed(1)}s on node ${deps.nodeId} (no container ran)\n`;
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, line, { flag: 'a' });
  if (outcome.kind === 'cancelled') throw outcome.reason;
  if (outcome.kind === 'timedOut') {
    throw new TaskAttemptError(
      FailureType.TaskTimedOut,
      `task "${input.taskId}" exceeded timeoutSeconds=${input.timeoutSeconds} and was killed (simulated: expectedDurationSeconds=${seconds})`,
      null,
      line,
    );
  }
  if (exitCode !== 0) {
    const isPermanent = input.nonRetryableExitCodes.includes(exitCode);
    throw new TaskAttemptError(
      isPermanent ? FailureType.NonRetryableExitCode : FailureType.ExitCode,
      `task "${input.taskId}" exited with code ${exitCode} (simulated: ${SIMULATED_EXIT_CODE_ENV}=${exitCode})`,
      exitCode,
      line,
    );
  }
  const parameters = input.outputs?.parameters ?? [];
  const empty: ValueRef = { kind: 'inline', value: '' };
  return {
    exitCode: 0,
    attempt,
    node: input.nodeId,
    containerName: `simulated-${input.runId}-${input.taskId}-${attempt}`,
    durationMs: elapsedMs,
    logPath: file,
    ...(input.outputs ? { outputs: Object.fromEntries(parameters.map((p) => [p.name, empty])) } : {}),
  };
}

/** A simulated node's activities: createActivities' contract with no container runtime behind it. */
export function createSimulatedActivities(deps: SimulatedActivityDeps): GantryActivities {
  return {
    async runContainer(input: RunContainerInput): Promise<RunContainerResult> {
      try {
        return await simulateAttempt(deps, input);
      } catch (err) {
        throw toFailure(err, deps.nodeId, input.attempt);
      }
    },
    /** Nothing to remove: a simulated node never creates a container or a volume. */
    async cleanupRun(_input: CleanupRunInput): Promise<CleanupRunResult> {
      return Promise.resolve({ removedContainers: 0 });
    },
    async clearLostNode(_input: { cluster: string; nodeId: string }): Promise<{ removedContainers: number }> {
      return Promise.resolve({ removedContainers: 0 });
    },
  };
}
