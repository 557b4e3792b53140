/** The two retry budgets: the user's attempts with the task's backoff, and the platform's re-runs. */
import { describe, expect, it } from 'vitest';
import { FailureType } from '../../../common/failure-types.js';
import { TaskSchema } from '../../../pipeline/schema.js';
import { judgeFailure, platformDelayMs, userDelayMs } from '../../../workflows/run/attempts.js';

const task = (retry: Record<string, unknown> = {}) =>
  TaskSchema.parse({ id: 'train', image: 'gantry/busybox', retry });

describe('judgeFailure', () => {
  it("runs a failed exit again as the next attempt, after the task's backoff, until maxAttempts", () => {
    const t = task({ maxAttempts: 3, initialIntervalSeconds: 2, backoffCoefficient: 3 });
    const exit = { type: FailureType.ExitCode, message: 'exited with code 1' };
    expect(judgeFailure(t, { attempt: 1, platformRetries: 0 }, exit)).toEqual({
      kind: 'retry',
      isPlatform: false,
      delayMs: 2000,
    });
    expect(judgeFailure(t, { attempt: 2, platformRetries: 5 }, exit)).toMatchObject({ delayMs: 6000 });
    expect(judgeFailure(t, { attempt: 3, platformRetries: 0 }, exit)).toEqual({
      kind: 'fail',
      failureType: FailureType.ExitCode,
      message: 'exited with code 1',
    });
  });

  it('fails at once on a failure no retry can fix', () => {
    const verdict = judgeFailure(
      task({ maxAttempts: 5 }),
      { attempt: 1, platformRetries: 0 },
      { type: FailureType.OutOfMemory, message: 'OOM' },
    );
    expect(verdict).toMatchObject({ kind: 'fail', failureType: FailureType.OutOfMemory });
  });

  it("re-runs the same attempt after a platform failure, without using the user's attempts", () => {
    const t = task({ maxAttempts: 1 });
    for (const type of [
      FailureType.DockerUnavailable,
      FailureType.WorkerShutdown,
      FailureType.ActivityTimeout,
      FailureType.ImagePullFailed,
    ]) {
      expect(judgeFailure(t, { attempt: 1, platformRetries: 3 }, { type, message: 'gone' })).toEqual({
        kind: 'retry',
        isPlatform: true,
        delayMs: 8000,
      });
    }
  });

  it('fails once the platform budget is spent, naming it and the last failure', () => {
    const gone = { type: FailureType.ActivityTimeout, message: 'activity Heartbeat timeout' };
    expect(judgeFailure(task(), { attempt: 2, platformRetries: 9 }, gone)).toMatchObject({ kind: 'retry' });
    expect(judgeFailure(task(), { attempt: 2, platformRetries: 10 }, gone)).toEqual({
      kind: 'fail',
      failureType: FailureType.PlatformRetriesExhausted,
      message:
        'the platform failed attempt 2 11 times (retry.maxPlatformRetries=10); last: activity Heartbeat timeout',
    });
    expect(
      judgeFailure(task({ maxPlatformRetries: 0 }), { attempt: 1, platformRetries: 0 }, gone),
    ).toMatchObject({
      kind: 'fail',
      failureType: FailureType.PlatformRetriesExhausted,
    });
  });

  it('counts an unknown failure (a bug, not a type) as the user’s', () => {
    expect(
      judgeFailure(task({ maxAttempts: 2 }), { attempt: 1, platformRetries: 0 }, { message: 'TypeError' }),
    ).toMatchObject({ kind: 'retry', isPlatform: false });
  });
});

describe('backoff', () => {
  it("follows the task's policy up to its maximum interval", () => {
    const t = task({ initialIntervalSeconds: 1, backoffCoefficient: 2, maximumIntervalSeconds: 5 });
    expect([1, 2, 3, 4, 5].map((a) => userDelayMs(t, a))).toEqual([1000, 2000, 4000, 5000, 5000]);
  });

  it('gives the platform 1 s doubling to 30 s', () => {
    expect([1, 2, 3, 4, 5, 6, 7, 10].map(platformDelayMs)).toEqual([
      1000, 2000, 4000, 8000, 16000, 30000, 30000, 30000,
    ]);
  });
});
