/**
 * The container activity when the run counts attempts itself (input.attempt): a re-run of the same attempt
 * after a platform failure adopts the container the broken run left, or answers from the attempt's record,
 * and a worker shutdown leaves the container running for the next worker. Real Docker: test/integration.
 */
import { DockerUnavailableError } from '../../activities/errors.js';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';
import { createActivities } from '../../activities/index.js';
import type { RunContainerInput, RunContainerResult } from '../../activities/types.js';
import { FakeRuntime } from './fake-runtime.js';
import { taskInput } from './task-input.js';
import { failureOf } from './failure-of.js';

function makeInput(overrides: Partial<RunContainerInput> = {}): RunContainerInput {
  return taskInput({ attempt: 2, ...overrides });
}

describe('a counted attempt', () => {
  let runtime: FakeRuntime;
  let logDir: string;
  let env: MockActivityEnvironment;
  const run = (input: RunContainerInput, watchIntervalMs?: number) => {
    const activities = createActivities({
      ...(watchIntervalMs === undefined ? {} : { watchIntervalMs }),
      runtime,
      store: createFsArtifactStore(path.join(logDir, 'artifacts')),
      nodeId: 'n1',
      logDir,
      oomFlagGraceMs: 10,
      heartbeatIntervalMs: 5,
    });
    // Temporal's own attempt is always 1 here: the run starts one activity per attempt.
    env = new MockActivityEnvironment(
      { attempt: 1 },
      { logger: new DefaultLogger('ERROR', () => undefined) },
    );
    return env.run<
      [RunContainerInput],
      RunContainerResult,
      (i: RunContainerInput) => Promise<RunContainerResult>
    >((i) => activities.runContainer(i), input);
  };

  beforeEach(async () => {
    runtime = new FakeRuntime();
    logDir = await mkdtemp(path.join(os.tmpdir(), 'gantry-counted-'));
  });

  it('names its container, log and failure details after the run’s attempt, not Temporal’s', async () => {
    runtime.exitCode = 1;
    const failure = await failureOf(run(makeInput({ attempt: 3 })));
    expect(runtime.created[0]!.name).toBe('gantry-p-1-train-3');
    expect(failure.details).toEqual([
      { attempt: 3, exitCode: 1, node: 'n1', logTail: 'hello from the fake\n' },
    ]);
  });

  it('answers a re-run of a finished attempt from its record, running nothing', async () => {
    const first = await run(makeInput());
    runtime.exitCode = 1; // what a second container would do: it must not be asked
    const calls = runtime.calls.length;
    expect(await run(makeInput())).toEqual(first);
    expect(runtime.calls.length).toBe(calls);
  });

  it("answers a re-run of a failed attempt with the same failure, so the user's attempt counts once", async () => {
    runtime.exitCode = 7;
    const first = await failureOf(run(makeInput()));
    runtime.exitCode = 0;
    const again = await failureOf(run(makeInput()));
    expect(again).toMatchObject({ type: 'ExitCode', message: first.message });
    expect(runtime.created).toHaveLength(1);
  });

  it('adopts its own container still running: follows its whole log and waits, without a second start', async () => {
    runtime.leftovers = [
      {
        id: 'old',
        name: 'gantry-p-1-train-2',
        isRunning: true,
        status: 'running',
        exitCode: 0,
        isOomKilled: false,
        labels: {},
      },
    ];
    const result = await run(makeInput());
    expect(result).toMatchObject({ exitCode: 0, attempt: 2, containerName: 'gantry-p-1-train-2' });
    expect(runtime.calls).toEqual([
      'create gantry-p-1-train-2: name taken by old',
      'logs old --follow',
      'remove old',
    ]);
    expect(await readFile(result.logPath, 'utf8')).toBe('hello from the fake\n');
  });

  it('takes the exit code of its own container that finished while no worker watched', async () => {
    runtime.exitCode = 3;
    runtime.leftovers = [
      {
        id: 'old',
        name: 'gantry-p-1-train-2',
        isRunning: false,
        status: 'exited',
        exitCode: 3,
        isOomKilled: false,
        labels: {},
      },
    ];
    expect(await failureOf(run(makeInput()))).toMatchObject({ type: 'ExitCode' });
    expect(runtime.calls).toEqual(['create gantry-p-1-train-2: name taken by old', 'logs old', 'remove old']);
  });

  it('replaces its own container that the engine killed on its way down (143), and one of another attempt', async () => {
    runtime.leftovers = [
      {
        id: 'old',
        name: 'gantry-p-1-train-2',
        isRunning: false,
        status: 'exited',
        exitCode: 143,
        isOomKilled: false,
        labels: {},
      },
      {
        id: 'older',
        name: 'gantry-p-1-train-1',
        isRunning: true,
        status: 'running',
        exitCode: 0,
        isOomKilled: false,
        labels: {},
      },
    ];
    await run(makeInput());
    expect(runtime.calls).toEqual([
      'create gantry-p-1-train-2: name taken by old',
      'remove old',
      'remove older',
      'create gantry-p-1-train-2',
      'start id-1',
      'remove id-1',
    ]);
  });

  it('leaves its container running when the worker shuts down, as a WorkerShutdown platform failure', async () => {
    runtime.isWaitForever = true;
    const attempt = run(makeInput());
    await new Promise((resolve) => setTimeout(resolve, 50));
    env.cancel('WORKER_SHUTDOWN');
    const failure = await failureOf(attempt);
    expect(failure).toMatchObject({ type: 'WorkerShutdown', nonRetryable: false });
    expect(failure.message).toContain('keeps running for the next worker to adopt');
    expect(runtime.calls).toEqual(['create gantry-p-1-train-2', 'start id-1']);
  });

  it('keeps its container for the re-run to adopt when the engine breaks the wait (it may have exited 0 meanwhile)', async () => {
    runtime.waitError = new DockerUnavailableError('docker: wait id-1: socket hang up');
    const failure = await failureOf(run(makeInput()));
    expect(failure).toMatchObject({ type: 'DockerUnavailable' });
    expect(runtime.calls).toEqual(['create gantry-p-1-train-2', 'start id-1']);
  });

  it('takes the exit code from the engine when the wait never answers (an engine restart broke it)', async () => {
    runtime.isWaitForever = true;
    runtime.exitCode = 0;
    const result = await run(makeInput(), 5);
    expect(result).toMatchObject({ exitCode: 0, attempt: 2 });
    expect(runtime.calls).toEqual(['create gantry-p-1-train-2', 'start id-1', 'remove id-1']);
  });

  it('leaves a non-zero exit that only the watchdog saw to a platform retry, which judges it by adoption', async () => {
    runtime.isWaitForever = true;
    runtime.exitCode = 255;
    const failure = await failureOf(run(makeInput(), 5));
    expect(failure).toMatchObject({ type: 'DockerUnavailable' });
    expect(failure.message).toContain('never answered; it exited 255');
    // Kept for the re-run to adopt: it decides whether the exit was the task's or the engine's.
    expect(runtime.calls).toEqual(['create gantry-p-1-train-2', 'start id-1']);
  });

  it('kills and removes its container when the run itself cancels it', async () => {
    runtime.isWaitForever = true;
    const attempt = run(makeInput());
    await new Promise((resolve) => setTimeout(resolve, 50));
    env.cancel('CANCELLED');
    await expect(attempt).rejects.toThrow();
    expect(runtime.calls).toEqual(['create gantry-p-1-train-2', 'start id-1', 'kill id-1', 'remove id-1']);
  });

  it('returns the success of a container that exited 0 by itself as the cancel reached it (a preemption that crossed its end)', async () => {
    runtime.isWaitForever = true;
    runtime.isExitedBeforeKill = true;
    const attempt = run(makeInput());
    await new Promise((resolve) => setTimeout(resolve, 50));
    env.cancel('CANCELLED');
    // The run waits for the activity's own answer: a finished task is not run again elsewhere.
    await expect(attempt).resolves.toMatchObject({ exitCode: 0, attempt: 2 });
    expect(runtime.calls).toEqual(['create gantry-p-1-train-2', 'start id-1', 'kill id-1', 'remove id-1']);
  });
});
