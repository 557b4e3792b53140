import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { FailureType } from '../../common/failure-types.js';
import { valueOf } from './data-helpers.js';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

// Runs reach the node worker through the harness, which validates against nodes only (as a client that
// knows nothing of the policy would): what is refused here is refused by the worker.
describe('container policy on the node worker', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('policy', [{ id: 'n1', cpu: 2, memoryMiB: 1024 }], {
      policy: { images: { allow: ['gantry/'] }, security: { runAsNonRoot: true } },
    });
  });
  afterAll(() => cluster.stop());

  const logOf = (runId: string, taskId: string) =>
    readFile(path.join(cluster.config.logDir, runId, taskId, 'attempt-1.log'), 'utf8');

  it('runs a task as non-root on a read-only root: / refuses writes, /tmp, the workspace and outputs take them', async () => {
    const probe = [
      'echo "uid $(id -u)"',
      'if touch /probe 2>/dev/null; then echo "root writable"; else echo "root refused"; fi',
      'echo t > /tmp/t && echo "tmp ok"',
      'echo shared > "$GANTRY_WORKSPACE/w" && echo "workspace ok"',
      'echo 42 > /gantry/outputs/answer',
    ].join('; ');
    const result = await cluster.run({
      name: 'nonroot',
      tasks: [
        shTask('probe', probe, {
          readOnlyRootFilesystem: true,
          outputs: { parameters: [{ name: 'answer' }] },
        }),
        // A writable root this time (the workspace is made writable another way), reading what probe left.
        shTask(
          'reader',
          'echo "uid $(id -u) read $(cat "$GANTRY_WORKSPACE/w")"; echo more > "$GANTRY_WORKSPACE/r"; mkdir -p /data/out && echo x > /data/out/f',
          {
            dependsOn: ['probe'],
            // A declared output below a directory the image lacks: its parents are made for a non-root task.
            outputs: { artifacts: [{ name: 'dataset', path: '/data/out' }] },
          },
        ),
      ],
    });
    expect(result.tasks['probe']!.status).toBe('succeeded');
    expect(result.tasks['reader']!.status).toBe('succeeded');
    const log = await logOf(result.runId, 'probe');
    expect(log).toContain('uid 65534\n');
    expect(log).toContain('root refused\n');
    expect(log).toContain('tmp ok\n');
    expect(log).toContain('workspace ok\n');
    expect(await valueOf(cluster, result.tasks['probe']!.outputs!['answer']!)).toBe('42');
    expect(await logOf(result.runId, 'reader')).toBe('uid 65534 read shared\n');
    expect(result.tasks['reader']!.artifacts!['dataset']!.digest).toMatch(/^sha256:/);
  });

  it('refuses a task that asks for root under runAsNonRoot, without retrying', async () => {
    const result = await cluster.run({
      name: 'asroot',
      tasks: [shTask('root', 'id -u', { user: '0', retry: { maxAttempts: 3 } })],
    });
    expect(result.tasks['root']).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureType: FailureType.RunAsRootNotAllowed,
    });
    expect(result.tasks['root']!.error).toBe(
      'task "root": user "0" is root (uid 0), refused under runAsNonRoot',
    );
  });

  it('lets a task opt out of the cluster default and run as root', async () => {
    const result = await cluster.run({
      name: 'optout',
      tasks: [shTask('root', 'echo "uid $(id -u)"', { runAsNonRoot: false })],
    });
    expect(result.tasks['root']!.status).toBe('succeeded');
    expect(await logOf(result.runId, 'root')).toBe('uid 0\n');
  });

  it('refuses an image outside the allow list and a runtime class the cluster does not offer', async () => {
    const result = await cluster.run({
      name: 'refused',
      tasks: [
        shTask('evil', 'true', { image: 'gantry-evil/busybox', retry: { maxAttempts: 3 } }),
        shTask('sandboxed', 'true', { runtimeClass: 'runsc' }),
      ],
    });
    expect(result.tasks['evil']).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureType: FailureType.ImageNotAllowed,
    });
    expect(result.tasks['evil']!.error).toBe(
      'task "evil": image "gantry-evil/busybox" is outside the cluster\'s allowed images (images.allow: "gantry/")',
    );
    expect(result.tasks['sandboxed']).toMatchObject({
      status: 'failed',
      failureType: FailureType.RuntimeClassNotAllowed,
    });
    expect(result.tasks['sandboxed']!.error).toBe(
      'task "sandboxed": runtime class "runsc" is not allowed by the cluster (runtimeClasses: "runc")',
    );
  });
});
