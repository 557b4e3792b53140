/**
 * A simulated node's activities on their own: durations, the runtime limit, outputs and logs. The engine
 * running them on the real stack is test/integration/simulated.test.ts.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createSimulatedActivities } from '../../activities/simulated-runtime.js';
import type { RunContainerInput, RunContainerResult } from '../../activities/types.js';

function makeInput(overrides: Partial<RunContainerInput> = {}): RunContainerInput {
  return {
    runId: 'p-1',
    pipeline: 'p',
    taskId: 'train',
    nodeId: 'sim',
    image: 'gantry/busybox',
    pullPolicy: 'IfNotPresent',
    env: {},
    cpu: 0.5,
    memoryMiB: 64,
    pidsLimit: 128,
    nofileLimit: 1024,
    network: 'none',
    mounts: [],
    timeoutSeconds: 60,
    nonRetryableExitCodes: [],
    ...overrides,
  };
}

describe('simulated runContainer', () => {
  let logDir: string;
  const run = (input: RunContainerInput, attempt = 1) => {
    const activities = createSimulatedActivities({ nodeId: 'sim', logDir, heartbeatIntervalMs: 20 });
    const env = new MockActivityEnvironment(
      { attempt },
      { logger: new DefaultLogger('ERROR', () => undefined) },
    );
    return env.run<[RunContainerInput], RunContainerResult, typeof activities.runContainer>(
      (i) => activities.runContainer(i),
      input,
    );
  };

  beforeEach(async () => {
    logDir = await mkdtemp(path.join(os.tmpdir(), 'gantry-unit-sim-'));
  });

  it('succeeds after its expected duration with empty output parameters and a one-line log', async () => {
    const began = Date.now();
    const result = await run(
      makeInput({
        expectedDurationSeconds: 0.3,
        outputs: { parameters: [{ name: 'n', path: '/gantry/outputs/n' }], artifacts: [] },
      }),
      2,
    );
    expect(Date.now() - began).toBeGreaterThanOrEqual(300);
    expect(result).toMatchObject({
      exitCode: 0,
      attempt: 2,
      node: 'sim',
      containerName: 'simulated-p-1-train-2',
      outputs: { n: { kind: 'inline', value: '' } },
      logPath: path.join(logDir, 'p-1', 'train', 'attempt-2.log'),
    });
    expect(await readFile(result.logPath, 'utf8')).toBe(
      'simulated: completed after 0.3s on node sim (no container ran)\n',
    );
  });

  it('fails as TaskTimedOut when its expected duration exceeds timeoutSeconds', async () => {
    const err = await run(makeInput({ expectedDurationSeconds: 30, timeoutSeconds: 0.2 })).catch(
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(ApplicationFailure);
    expect((err as ApplicationFailure).type).toBe('TaskTimedOut');
    expect((err as ApplicationFailure).message).toBe(
      'task "train" exceeded timeoutSeconds=0.2 and was killed (simulated: expectedDurationSeconds=30)',
    );
  });

  it('refuses a task with output artifacts, naming the artifact and the node', async () => {
    const err = await run(
      makeInput({ outputs: { parameters: [], artifacts: [{ name: 'model', path: '/out' }] } }),
    ).catch((e: unknown) => e);
    expect((err as ApplicationFailure).type).toBe('InvalidTaskConfig');
    expect((err as ApplicationFailure).nonRetryable).toBe(true);
    expect((err as ApplicationFailure).message).toBe(
      'task "train" declares output artifact "model": simulated node "sim" runs no container, so it cannot produce artifacts',
    );
  });
});
