/**
 * The container activity's data plane against the in-memory runtime: output parameters and their errors,
 * input artifacts, the outputs directory, and the task cache. Real Docker: test/integration/data-plane.
 */
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../activities/artifact-store.js';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';
import { createActivities } from '../../activities/index.js';
import { logPath } from '../../activities/run-container.js';
import type { RunContainerInput, RunContainerResult } from '../../activities/types.js';
import { InvalidTaskConfigError } from '../../activities/errors.js';
import { FakeRuntime, fakeDir, fakeFile } from './fake-runtime.js';
import { failureOf } from './failure-of.js';

const SCORE = { name: 'score', path: '/gantry/outputs/score' };

function makeInput(overrides: Partial<RunContainerInput> = {}): RunContainerInput {
  return {
    runId: 'p-1',
    pipeline: 'p',
    taskId: 'train',
    nodeId: 'n1',
    image: 'gantry/busybox',
    pullPolicy: 'IfNotPresent',
    command: ['sh', '-c', 'true'],
    env: { KEY: 'value' },
    cpu: 0.5,
    memoryMiB: 64,
    pidsLimit: 128,
    nofileLimit: 1024,
    network: 'none',
    mounts: [],
    timeoutSeconds: 60,
    nonRetryableExitCodes: [],
    outputs: { parameters: [SCORE], artifacts: [] },
    ...overrides,
  };
}

describe('runContainer data plane', () => {
  let runtime: FakeRuntime;
  let store: ArtifactStore;
  let logDir: string;
  let clock: number;
  const run = (input: RunContainerInput): Promise<RunContainerResult> => {
    const activities = createActivities({ runtime, store, nodeId: 'n1', logDir, now: () => clock });
    const env = new MockActivityEnvironment(
      { attempt: 1 },
      { logger: new DefaultLogger('ERROR', () => undefined) },
    );
    return env.run<[RunContainerInput], RunContainerResult, typeof activities.runContainer>(
      (i) => activities.runContainer(i),
      input,
    );
  };
  const writes = (file: string, content: string | Buffer) =>
    runtime.writesOnStart.set(file, fakeFile(content));

  beforeEach(async () => {
    runtime = new FakeRuntime();
    logDir = await mkdtemp(path.join(os.tmpdir(), 'gantry-unit-'));
    store = createFsArtifactStore(path.join(logDir, 'artifacts'));
    clock = Date.parse('2026-01-01T00:00:00Z');
  });

  it('creates the outputs directory world-writable before the start, and reads a value without its trailing newline', async () => {
    writes('/gantry/outputs/score', '0.9\n\n');
    const result = await run(makeInput());
    expect(result.outputs).toEqual({ score: { kind: 'inline', value: '0.9' } });
    expect(runtime.files.get('/gantry')).toMatchObject({ type: 'directory', mode: 0o755 });
    expect(runtime.files.get('/gantry/outputs')).toMatchObject({ type: 'directory', mode: 0o1777 });
    expect(runtime.calls.indexOf('put /')).toBeLessThan(runtime.calls.indexOf('start id-1'));
  });

  it('keeps leading and inner whitespace and stores a value over 4 KiB by digest', async () => {
    const big = ` ${'x'.repeat(5000)}\n  y`;
    writes('/gantry/outputs/score', `${big}\n`);
    const result = await run(makeInput());
    const ref = result.outputs!['score']!;
    expect(ref).toMatchObject({ kind: 'stored', sizeBytes: Buffer.byteLength(big) });
    const { digest } = ref as { readonly digest: string };
    expect((await store.readBlob(digest)).toString('utf8')).toBe(big);
  });

  it('fails a missing output file as OutputMissing, naming task, output and path', async () => {
    const failure = await failureOf(run(makeInput()));
    expect(failure).toMatchObject({ type: 'OutputMissing', nonRetryable: true });
    expect(failure.message).toBe(
      'task "train" output "score": file /gantry/outputs/score does not exist after the container exited 0',
    );
    expect(failure.details).toEqual([
      { attempt: 1, exitCode: 0, node: 'n1', logTail: 'hello from the fake\n' },
    ]);
  });

  it('fails a value over 256 KiB as OutputInvalid, naming its size and the limit', async () => {
    writes('/gantry/outputs/score', Buffer.alloc(256 * 1024 + 1, 'a'));
    const failure = await failureOf(run(makeInput()));
    expect(failure).toMatchObject({ type: 'OutputInvalid', nonRetryable: true });
    expect(failure.message).toBe(
      'task "train" output "score" (/gantry/outputs/score): is 262145 bytes, over the limit of 262144 bytes for a parameter (use an artifact)',
    );
  });

  it('fails a value that is not UTF-8 as OutputInvalid', async () => {
    writes('/gantry/outputs/score', Buffer.from([0x30, 0xff, 0xfe]));
    const failure = await failureOf(run(makeInput()));
    expect(failure).toMatchObject({ type: 'OutputInvalid', nonRetryable: true });
    expect(failure.message).toBe(
      'task "train" output "score" (/gantry/outputs/score): is not valid UTF-8 (3 bytes; a parameter is UTF-8 text of at most 262144 bytes)',
    );
  });

  it('fails a missing artifact path as ArtifactMissing', async () => {
    const failure = await failureOf(
      run(makeInput({ outputs: { parameters: [], artifacts: [{ name: 'model', path: '/tmp/model' }] } })),
    );
    expect(failure).toMatchObject({ type: 'ArtifactMissing', nonRetryable: true });
    expect(failure.message).toBe(
      'task "train" artifact "model": /tmp/model does not exist after the container exited 0',
    );
  });

  it('copies an input artifact in under new parent directories, owned by root and readable by anyone, and back out unchanged', async () => {
    runtime.writesOnStart.set('/tmp/model', fakeDir(0o700));
    writes('/tmp/model/weights', 'w');
    runtime.writesOnStart.set('/tmp/model/run', fakeFile('#!/bin/sh', 0o700));
    const produced = await run(
      makeInput({ outputs: { parameters: [], artifacts: [{ name: 'model', path: '/tmp/model' }] } }),
    );
    const model = produced.artifacts!['model']!;

    runtime = new FakeRuntime();
    const consumed = await run(
      makeInput({
        inputArtifacts: [{ digest: model.digest, path: '/in/deep/model' }],
        outputs: { parameters: [], artifacts: [{ name: 'copy', path: '/in/deep/model' }] },
      }),
    );
    expect(runtime.files.get('/in')).toMatchObject({ type: 'directory', mode: 0o755, uid: 0 });
    expect(runtime.files.get('/in/deep/model/weights')).toMatchObject({ mode: 0o644, uid: 0 });
    expect(runtime.files.get('/in/deep/model/run')).toMatchObject({ mode: 0o755, uid: 0 });
    expect(consumed.artifacts).toEqual({ copy: model });
  });

  it('fails an input artifact that is not in the store as ArtifactNotFound, before any container exists', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const failure = await failureOf(run(makeInput({ inputArtifacts: [{ digest, path: '/in/x' }] })));
    expect(failure).toMatchObject({ type: 'ArtifactNotFound', nonRetryable: true });
    expect(failure.message).toBe(`artifact "${digest}": not in the artifact store`);
    expect(runtime.created).toEqual([]);
  });

  it('names a foreach item container safely and labels it with the exact item id', async () => {
    writes('/gantry/outputs/score', '1');
    const result = await run(makeInput({ taskId: 'train[12]' }));
    expect(result.containerName).toBe('gantry-p-1-train.12-1');
    expect(runtime.created[0]!.labels['gantry.task']).toBe('train[12]');
  });

  it('refuses ids that would climb out of the log directory', () => {
    expect(() => logPath('/logs', 'run', '../etc', 1)).toThrow(
      new InvalidTaskConfigError('task id "../etc" cannot name a log directory (no "/", "\\" or "..")'),
    );
    expect(() => logPath('/logs', 'a/b', 'train', 1)).toThrow(InvalidTaskConfigError);
  });

  describe('cache', () => {
    const cache = { definition: '{"id":"train"}', version: '1', isLookupEnabled: true };

    it('answers a second identical task (in another run) from the first one, with no container', async () => {
      writes('/gantry/outputs/score', '0.9');
      const first = await run(makeInput({ cache }));
      runtime.calls.length = 0;
      const second = await run(makeInput({ cache, runId: 'p-2' }));
      expect(second).toMatchObject({
        exitCode: 0,
        outputs: { score: { kind: 'inline', value: '0.9' } },
        cachedFrom: { runId: 'p-1', taskId: 'train' },
        cacheKey: first.cacheKey,
      });
      expect(runtime.calls).toEqual([]);
    });

    it.each([
      ['the env', { env: { KEY: 'other' } }],
      ['the args', { args: ['x'] }],
      ['the version', { cache: { ...cache, version: '2' } }],
      ['the definition', { cache: { ...cache, definition: '{}' } }],
    ] as const)('misses when %s differs', async (_what, overrides) => {
      writes('/gantry/outputs/score', '0.9');
      const first = await run(makeInput({ cache }));
      const second = await run(makeInput({ cache, ...overrides }));
      expect(second.cachedFrom).toBeUndefined();
      expect(second.cacheKey).not.toBe(first.cacheKey);
    });

    it('misses when the image content changed under the same tag', async () => {
      writes('/gantry/outputs/score', '0.9');
      await run(makeInput({ cache }));
      runtime.images.set('gantry/busybox', `sha256:${'9'.repeat(64)}`);
      expect((await run(makeInput({ cache }))).cachedFrom).toBeUndefined();
    });

    it('runs but still records when lookup is disabled', async () => {
      writes('/gantry/outputs/score', '0.9');
      await run(makeInput({ cache }));
      const forced = await run(makeInput({ cache: { ...cache, isLookupEnabled: false }, runId: 'p-2' }));
      expect(forced.cachedFrom).toBeUndefined();
      expect((await run(makeInput({ cache, runId: 'p-3' }))).cachedFrom).toEqual({
        runId: 'p-2',
        taskId: 'train',
      });
    });

    it('ignores an entry older than maxAgeSeconds by the activity clock', async () => {
      writes('/gantry/outputs/score', '0.9');
      await run(makeInput({ cache }));
      clock += 61_000;
      expect((await run(makeInput({ cache: { ...cache, maxAgeSeconds: 120 } }))).cachedFrom).toBeDefined();
      expect((await run(makeInput({ cache: { ...cache, maxAgeSeconds: 60 } }))).cachedFrom).toBeUndefined();
    });

    it('does not record a failed attempt', async () => {
      runtime.exitCode = 1;
      await failureOf(run(makeInput({ cache })));
      runtime.exitCode = 0;
      writes('/gantry/outputs/score', '0.9');
      expect((await run(makeInput({ cache }))).cachedFrom).toBeUndefined();
    });
  });
});
