/**
 * A test-only workflow that sends one activity whatever input it is given: how a forged or corrupted input
 * reaches a real worker (test/integration/forged-input.test.ts). Never part of Gantry's workflow bundle.
 */
import { proxyActivities } from '@temporalio/workflow';

export interface SendActivityInput {
  readonly taskQueue: string;
  readonly activity: string;
  readonly args: readonly unknown[];
}

export async function sendActivityInput(input: SendActivityInput): Promise<unknown> {
  const activities = proxyActivities<Record<string, (...args: unknown[]) => Promise<unknown>>>({
    taskQueue: input.taskQueue,
    startToCloseTimeout: '1 minute',
    // Retries allowed: the refusal must be non-retryable by itself, not because this test forbids retries.
    retry: { maximumAttempts: 3, initialInterval: '100ms' },
  });
  return activities[input.activity]!(...input.args);
}
