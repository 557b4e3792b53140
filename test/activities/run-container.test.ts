/**
 * The container activity's own logic against an in-memory runtime: idempotency across attempts, pull
 * policies, failure classification, cpuset and mount translation. Real Docker is covered in test/integration.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { mkdir, mkdtemp, readFile, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';
import { createActivities } from '../../activities/index.js';
import type { RunContainerInput } from '../../activities/types.js';
import { FakeRuntime } from './fake-runtime.js';
import { taskInput } from './task-input.js';
import { failureOf } from './failure-of.js';

const makeInput = taskInput;

describe('runContainer', () => {
  let runtime: FakeRuntime;
  let logDir: string;
  const run = (
    input: RunContainerInput,
    attempt = 1,
    allowlist: string[] = [],
    logLimitBytes?: number,
    writableAllowlist: string[] = [],
  ) => {
    const activities = createActivities({
      runtime,
      store: createFsArtifactStore(path.join(logDir, 'artifacts')),
      nodeId: 'n1',
      logDir,
      hostMountAllowlist: allowlist,
      hostMountWritableAllowlist: writableAllowlist,
      oomFlagGraceMs: 50,
      ...(logLimitBytes === undefined ? {} : { logLimitBytes }),
    });
    const env = new MockActivityEnvironment(
      { attempt },
      { logger: new DefaultLogger('ERROR', () => undefined) },
    );
    return env.run((i: RunContainerInput) => activities.runContainer(i), input);
  };

  beforeEach(async () => {
    runtime = new FakeRuntime();
    logDir = await mkdtemp(path.join(os.tmpdir(), 'gantry-unit-'));
  });

  it('removes the containers an earlier attempt left behind before it starts its own, and its own at the end', async () => {
    runtime.leftovers = [
      {
        id: 'old',
        name: 'gantry-p-1-train-1',
        isRunning: true,
        status: 'running',
        exitCode: 0,
        isOomKilled: false,
        labels: {},
      },
    ];
    const result = await run(makeInput(), 2);
    expect(result).toMatchObject({
      exitCode: 0,
      attempt: 2,
      node: 'n1',
      containerName: 'gantry-p-1-train-2',
    });
    // The lookup runs alongside the create; the leftover goes before anything starts.
    expect(runtime.calls).toEqual(['create gantry-p-1-train-2', 'remove old', 'start id-1', 'remove id-1']);
  });

  it('creates again once a leftover that holds its very name is removed', async () => {
    // A preempted attempt's container, left by a worker that died: the re-placed task is attempt 1 again.
    runtime.leftovers = [
      {
        id: 'old',
        name: 'gantry-p-1-train-1',
        isRunning: true,
        status: 'running',
        exitCode: 0,
        isOomKilled: false,
        labels: {},
      },
    ];
    const result = await run(makeInput(), 1);
    expect(result).toMatchObject({ exitCode: 0, attempt: 1, containerName: 'gantry-p-1-train-1' });
    expect(runtime.calls).toEqual([
      'create gantry-p-1-train-1: name taken by old',
      'remove old',
      'create gantry-p-1-train-1',
      'start id-1',
      'remove id-1',
    ]);
  });

  it('names, labels and limits the container from the task and tells it where it runs', async () => {
    await run(makeInput(), 3);
    expect(runtime.created[0]).toMatchObject({
      name: 'gantry-p-1-train-3',
      labels: {
        'gantry.run': 'p-1',
        'gantry.task': 'train',
        'gantry.attempt': '3',
        'gantry.pipeline': 'p',
        'gantry.node': 'n1',
      },
      env: {
        KEY: 'value',
        GANTRY_RUN_ID: 'p-1',
        GANTRY_TASK_ID: 'train',
        GANTRY_ATTEMPT: '3',
        GANTRY_WORKSPACE: '/workspace',
      },
      cpu: 0.5,
      memoryMiB: 64,
      pidsLimit: 128,
      nofileLimit: 1024,
      network: 'none',
      volumes: [{ name: 'gantry-ws-p-1', target: '/workspace' }],
    });
  });

  it.each([
    ['IfNotPresent', true, []],
    ['IfNotPresent', false, ['pull gantry/busybox']],
    ['Always', true, ['pull gantry/busybox']],
  ] as const)(
    'with pullPolicy %s and the image present=%s, pulls %j',
    async (pullPolicy, isPresent, pulls) => {
      if (!isPresent) runtime.images.clear();
      await run(makeInput({ pullPolicy }));
      expect(runtime.calls.filter((c) => c.startsWith('pull'))).toEqual(pulls);
    },
  );

  it('checks the image only when the create reports it missing, or when a cache key needs its digest', async () => {
    await run(makeInput());
    expect(runtime.imageChecks).toBe(0);
    expect(runtime.calls.filter((c) => c.startsWith('create'))).toHaveLength(1);

    runtime.images.clear();
    await run(makeInput({ runId: 'p-2' }));
    // The create's 404 leads to the check and the pull, then the create goes again.
    expect(runtime.imageChecks).toBe(1);
    expect(runtime.calls.filter((c) => c.startsWith('pull'))).toEqual(['pull gantry/busybox']);
  });

  it('fails a missing image with pullPolicy Never as non-retryable without pulling', async () => {
    runtime.images.clear();
    const failure = await failureOf(run(makeInput({ pullPolicy: 'Never' })));
    expect(failure).toMatchObject({ type: 'ImageNotFound', nonRetryable: true });
    expect(failure.message).toBe(
      'image "gantry/busybox" not found: not on this node and pullPolicy is Never',
    );
    expect(runtime.calls).toEqual([]);
  });

  it('fails an image that cannot be pulled as non-retryable', async () => {
    runtime.images.clear();
    runtime.isPullable = false;
    expect(await failureOf(run(makeInput()))).toMatchObject({ type: 'ImageNotFound', nonRetryable: true });
  });

  it('makes an exit code listed in nonRetryableExitCodes non-retryable, with the attempt, code, node and output', async () => {
    runtime.exitCode = 2;
    const failure = await failureOf(run(makeInput(), 4));
    expect(failure).toMatchObject({ type: 'NonRetryableExitCode', nonRetryable: true });
    expect(failure.message).toBe('task "train" exited with code 2 (listed in nonRetryableExitCodes)');
    expect(failure.details).toEqual([
      { attempt: 4, exitCode: 2, node: 'n1', logTail: 'hello from the fake\n' },
    ]);
    expect(runtime.calls.at(-1)).toBe('remove id-1');
  });

  it('leaves any other non-zero exit code to the retry policy', async () => {
    runtime.exitCode = 1;
    expect(await failureOf(run(makeInput()))).toMatchObject({
      type: 'ExitCode',
      nonRetryable: false,
      message: 'task "train" exited with code 1',
    });
  });

  it('reports an OOM kill as OutOfMemory, not retried', async () => {
    runtime.exitCode = 137;
    runtime.isOomKilled = true;
    expect(await failureOf(run(makeInput()))).toMatchObject({ type: 'OutOfMemory', nonRetryable: true });
  });

  it('names the likely cause of a SIGKILL exit that Docker did not flag as an OOM kill, and retries it', async () => {
    runtime.exitCode = 137;
    runtime.isOomKilled = false;
    expect(await failureOf(run(makeInput()))).toMatchObject({
      type: 'ExitCode',
      nonRetryable: false,
      message:
        'task "train" exited with code 137 (SIGKILL, not sent by Gantry; Docker recorded no OOM kill, but one that happens as the task starts goes unrecorded: check memoryMiB=64)',
    });
  });

  it('keeps a log only up to its cap, marked where it was cut, and still reports the tail', async () => {
    runtime.exitCode = 1;
    runtime.output = Array.from({ length: 100 }, (_, i) => `line ${String(i).padStart(3, '0')}\n`);
    const failure = await failureOf(run(makeInput(), 1, [], 90));
    const log = await readFile(path.join(logDir, 'p-1', 'train', 'attempt-1.log'), 'utf8');
    expect(log).toBe(
      `${runtime.output.slice(0, 10).join('')}\n[gantry: log cut at 90 bytes (GANTRY_LOG_LIMIT_MIB); the rest of the output is dropped]\n` +
        '[gantry: 810 bytes of output dropped]\n',
    );
    expect((failure.details![0] as { logTail: string }).logTail).toBe(log);
  });

  it('turns a cpu pinning decision into a cpuset and cpu shares', async () => {
    await run(makeInput({ cpu: 2.2, cpuset: { exclusiveCores: [0, 1], fragment: { core: 3, share: 0.2 } } }));
    expect(runtime.created[0]!.cpuset).toEqual({ cpus: '0,1,3', shares: 2253 });
  });

  it('binds the resolved host path under the worker allowlist and refuses a link out of it', async () => {
    const allow = path.join(logDir, 'allow');
    await mkdir(path.join(allow, 'mnist'), { recursive: true });
    await symlink(path.join(allow, 'mnist'), path.join(allow, 'current'));
    await symlink('/etc', path.join(allow, 'link'));
    const mount = { hostPath: path.join(allow, 'current'), containerPath: '/data', readOnly: true };
    await run(makeInput({ mounts: [mount] }), 1, [allow]);
    expect(runtime.created[0]!.binds).toEqual([
      { hostPath: path.join(allow, 'mnist'), target: '/data', readOnly: true },
    ]);

    const hostPath = path.join(allow, 'link');
    const failure = await failureOf(run(makeInput({ mounts: [{ ...mount, hostPath }] }), 1, [allow]));
    expect(failure).toMatchObject({ type: 'HostMountNotAllowed', nonRetryable: true });
    expect(failure.message).toBe(
      `task "train" mounts[0]: host path "${hostPath}" (resolved "/etc") is under neither GANTRY_HOST_MOUNT_ALLOWLIST [${allow}] nor GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST []`,
    );
    expect(runtime.created).toHaveLength(1);
  });

  it('refuses a writable host mount unless the writable allowlist holds it', async () => {
    const allow = path.join(logDir, 'allow');
    await mkdir(allow);
    const mount = { hostPath: allow, containerPath: '/data', readOnly: false };
    const failure = await failureOf(run(makeInput({ mounts: [mount] }), 1, [allow]));
    expect(failure).toMatchObject({ type: 'HostMountNotAllowed', nonRetryable: true });

    await run(makeInput({ mounts: [mount] }), 1, [], undefined, [allow]);
    expect(runtime.created.map((c) => c.binds)).toEqual([
      [{ hostPath: allow, target: '/data', readOnly: false }],
    ]);
  });

  it('refuses a host mount whose path does not exist, without retrying', async () => {
    const hostPath = path.join(logDir, 'missing');
    const failure = await failureOf(
      run(makeInput({ mounts: [{ hostPath, containerPath: '/data', readOnly: true }] }), 1, [logDir]),
    );
    expect(failure).toMatchObject({ type: 'InvalidTaskConfig', nonRetryable: true });
    expect(failure.message).toBe(
      `task "train" mounts[0]: host path "${hostPath}" does not exist on node "n1"`,
    );
  });
});
