import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { toCreateOptions } from '../../activities/container-spec.js';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';
import { createActivities } from '../../activities/index.js';
import type { RunContainerInput } from '../../activities/types.js';
import type { ContainerPolicy } from '../../common/container-policy.js';
import { FailureType } from '../../common/failure-types.js';
import { FakeRuntime } from './fake-runtime.js';
import { taskInput } from './task-input.js';
import { failureOf } from './failure-of.js';

describe('the container policy on the worker', () => {
  let runtime: FakeRuntime;
  let logDir: string;
  const run = (input: RunContainerInput, policy: ContainerPolicy) => {
    const activities = createActivities({
      runtime,
      store: createFsArtifactStore(path.join(logDir, 'artifacts')),
      nodeId: 'n1',
      logDir,
      policy,
    });
    const env = new MockActivityEnvironment(
      { attempt: 1 },
      { logger: new DefaultLogger('ERROR', () => undefined) },
    );
    return env.run((i: RunContainerInput) => activities.runContainer(i), input);
  };

  beforeEach(async () => {
    runtime = new FakeRuntime();
    logDir = await mkdtemp(path.join(os.tmpdir(), 'gantry-unit-'));
  });

  it('refuses an image outside the allow list before any container exists, without retrying', async () => {
    const failure = await failureOf(
      run(taskInput({ image: 'evil/app' }), { images: { allow: ['gantry/'] } }),
    );
    expect(failure.type).toBe(FailureType.ImageNotAllowed);
    expect(failure.nonRetryable).toBe(true);
    expect(failure.message).toBe(
      'task "train": image "evil/app" is outside the cluster\'s allowed images (images.allow: "gantry/")',
    );
    expect(runtime.created).toHaveLength(0);
  });

  it('refuses a runtime class the cluster does not list, and hands an allowed one to Docker', async () => {
    const refused = await failureOf(run(taskInput({ runtimeClass: 'runsc' }), {}));
    expect(refused.type).toBe(FailureType.RuntimeClassNotAllowed);
    await run(taskInput({ runtimeClass: 'runsc' }), { runtimeClasses: ['runsc'] });
    expect(toCreateOptions(runtime.created[0]!).HostConfig?.Runtime).toBe('runsc');
  });

  it.each([
    ['', '65534:65534'],
    ['root', '65534:65534'],
    ['0:0', '65534:65534'],
    ['1000:1000', '1000:1000'],
  ])('runs an image whose user is "%s" as %s under runAsNonRoot', async (imageUser, expected) => {
    runtime.imageUsers.set('gantry/busybox', imageUser);
    await run(taskInput(), { security: { runAsNonRoot: true } });
    expect(runtime.created[0]!.user).toBe(expected);
  });

  it('refuses an image that names its user, and a task user of uid 0, under runAsNonRoot', async () => {
    runtime.imageUsers.set('gantry/busybox', 'app');
    const named = await failureOf(run(taskInput(), { security: { runAsNonRoot: true } }));
    expect(named.type).toBe(FailureType.RunAsRootNotAllowed);
    expect(named.message).toBe(
      'task "train": image "gantry/busybox" runs as user "app", which is not a numeric uid: under runAsNonRoot set the task\'s user to its numeric uid[:gid]',
    );
    const root = await failureOf(run(taskInput({ user: '0', runAsNonRoot: true }), {}));
    expect(root.type).toBe(FailureType.RunAsRootNotAllowed);
    expect(runtime.created).toHaveLength(0);
  });

  it('leaves the user to the image when runAsNonRoot is off, as before', async () => {
    await run(taskInput(), { security: { runAsNonRoot: false } });
    expect(runtime.created[0]!.user).toBeUndefined();
    expect(runtime.calls).not.toContain('put /');
  });

  it('makes / read-only with a tmpfs at /tmp, and keeps /gantry and the workspace writable through volumes', async () => {
    runtime.writesOnStart.set('/gantry/outputs/n', { type: 'file', content: Buffer.from('1'), mode: 0o644 });
    await run(
      taskInput({ outputs: { parameters: [{ name: 'n', path: '/gantry/outputs/n' }], artifacts: [] } }),
      { security: { runAsNonRoot: true, readOnlyRootFilesystem: true } },
    );
    const options = toCreateOptions(runtime.created[0]!);
    expect(options.HostConfig?.ReadonlyRootfs).toBe(true);
    expect(options.HostConfig?.Tmpfs).toEqual({ '/tmp': 'rw,nosuid,nodev,size=16m' });
    expect(options.HostConfig?.Mounts?.map((m) => [m.Source, m.Target])).toEqual([
      ['gantry-ws-p-1', '/workspace'],
      ['', '/gantry'],
      ['gantry-ws-p-1', '/gantry/.workspace'],
    ]);
    expect(runtime.calls).toContain('put /gantry');
    expect(runtime.files.get('/gantry/outputs')?.mode).toBe(0o1777);
    expect(runtime.files.get('/gantry/.workspace')?.mode).toBe(0o1777);
  });
});
