import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType } from '../../common/failure-types.js';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

describe('task failures', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('fail', [{ id: 'n1', cpu: 2, memoryMiB: 1024 }]);
  });
  afterAll(() => cluster.stop());

  it('retries a failing task with exponential backoff until it succeeds', async () => {
    // Each attempt stamps the time; attempts 1 and 2 fail, attempt 3 succeeds.
    const result = await cluster.run({
      name: 'flaky',
      tasks: [
        shTask(
          'flaky',
          'date +%s >> /workspace/stamps; cat /workspace/stamps; [ "$GANTRY_ATTEMPT" -ge 3 ] || exit 1',
          {
            retry: {
              maxAttempts: 4,
              initialIntervalSeconds: 1,
              backoffCoefficient: 3,
              maximumIntervalSeconds: 10,
            },
          },
        ),
      ],
    });
    expect(result.tasks['flaky']).toMatchObject({ status: 'succeeded', attempts: 3, exitCode: 0 });
    const log = await readFile(
      path.join(cluster.config.logDir, result.runId, 'flaky', 'attempt-3.log'),
      'utf8',
    );
    const stamps = log.trim().split('\n').map(Number);
    expect(stamps).toHaveLength(3);
    // Backoff 1 s then 3 s; second-resolution stamps make the floor of each gap at least interval - 1.
    expect(stamps[1]! - stamps[0]!).toBeGreaterThanOrEqual(1);
    expect(stamps[2]! - stamps[1]!).toBeGreaterThanOrEqual(2);
  });

  it('gives up after maxAttempts and reports the last exit code', async () => {
    const result = await cluster.run({
      name: 'always-fails',
      tasks: [
        shTask('bad', 'echo about to fail; exit 3', { retry: { maxAttempts: 2, initialIntervalSeconds: 1 } }),
      ],
    });
    expect(result.status).toBe('failed');
    expect(result.tasks['bad']).toMatchObject({
      status: 'failed',
      attempts: 2,
      exitCode: 3,
      failureType: FailureType.ExitCode,
    });
    expect(result.tasks['bad']!.logTail).toContain('about to fail');
  });

  it('does not retry an exit code listed as non-retryable', async () => {
    const result = await cluster.run({
      name: 'permanent',
      tasks: [
        shTask('bad', 'exit 2', {
          retry: { maxAttempts: 5, initialIntervalSeconds: 1, nonRetryableExitCodes: [2] },
        }),
      ],
    });
    expect(result.tasks['bad']).toMatchObject({
      status: 'failed',
      attempts: 1,
      exitCode: 2,
      failureType: FailureType.NonRetryableExitCode,
    });
  });

  it('fails an unknown image at once, without retries', async () => {
    const result = await cluster.run({
      name: 'no-image',
      tasks: [shTask('ghost', 'true', { image: 'gantry/does-not-exist:1.0', retry: { maxAttempts: 4 } })],
    });
    expect(result.tasks['ghost']).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureType: FailureType.ImageNotFound,
    });
    expect(result.tasks['ghost']!.error).toContain('image "gantry/does-not-exist:1.0" not found');
  });

  it('fails a missing image with pullPolicy Never without trying to pull', async () => {
    const result = await cluster.run({
      name: 'never-pull',
      tasks: [
        shTask('ghost', 'true', {
          image: 'gantry/not-here:latest',
          pullPolicy: 'Never',
          retry: { maxAttempts: 3 },
        }),
      ],
    });
    expect(result.tasks['ghost']).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureType: FailureType.ImageNotFound,
    });
    expect(result.tasks['ghost']!.error).toBe(
      'image "gantry/not-here:latest" not found: not on this node and pullPolicy is Never',
    );
  });

  it('reports an OOM kill as such and does not retry it', async () => {
    const result = await cluster.run({
      name: 'oom',
      // dd allocates its whole 128 MiB block at once, far beyond the 16 MiB limit. The sleep comes first
      // because containerd starts watching a container for OOM only after its process has started: a
      // process killed within those first milliseconds exits as a bare 137 that Docker never flags.
      tasks: [
        shTask('hog', 'sleep 1; dd if=/dev/zero of=/dev/null bs=128M count=1', {
          resources: { cpu: 0.5, memoryMiB: 16 },
          retry: { maxAttempts: 3 },
        }),
      ],
    });
    expect(result.tasks['hog']).toMatchObject({
      status: 'failed',
      attempts: 1,
      exitCode: 137,
      failureType: FailureType.OutOfMemory,
    });
    expect(result.tasks['hog']!.error).toBe('task "hog" was OOM-killed: it needs more than memoryMiB=16');
  });

  it('fails a command the image does not have as a bad configuration', async () => {
    const result = await cluster.run({
      name: 'bad-command',
      tasks: [
        { id: 'typo', image: 'gantry/busybox', command: ['/bin/no-such-binary'], retry: { maxAttempts: 3 } },
      ],
    });
    expect(result.tasks['typo']).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureType: FailureType.InvalidTaskConfig,
    });
  });
});
