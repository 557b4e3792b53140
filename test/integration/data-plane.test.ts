/**
 * The data plane against the real Docker engine: artifacts and output parameters through Docker's archive
 * API, the normalised tar round trip between containers, output failures, and the task cache.
 */
import { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import Docker from 'dockerode';
import { randomUUID } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ArtifactStore } from '../../activities/artifact-store.js';
import { createDockerRuntime } from '../../activities/docker-runtime.js';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';
import { createActivities } from '../../activities/index.js';
import type { RunContainerInput, RunContainerResult } from '../../activities/types.js';
import { localDockerEndpoint } from '../../engine/default-cluster.js';

// `nobody`: artifacts must be readable, and the outputs directory writable, by a non-root task.
const NON_ROOT = '65534:65534';

function makeInput(
  runId: string,
  taskId: string,
  script: string,
  overrides: Partial<RunContainerInput> = {},
) {
  return {
    runId,
    pipeline: 'data-plane',
    taskId,
    nodeId: 'local',
    image: 'gantry/busybox',
    pullPolicy: 'Never',
    command: ['sh', '-c', script],
    env: {},
    user: NON_ROOT,
    cpu: 0.5,
    memoryMiB: 64,
    pidsLimit: 64,
    nofileLimit: 1024,
    network: 'none',
    mounts: [],
    timeoutSeconds: 60,
    nonRetryableExitCodes: [],
    ...overrides,
  } satisfies RunContainerInput;
}

async function failureOf(promise: Promise<unknown>): Promise<ApplicationFailure> {
  const err = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(err).toBeInstanceOf(ApplicationFailure);
  return err as ApplicationFailure;
}

/** Container lifecycle events Docker recorded for a run since `sinceSeconds`. */
async function containerEvents(docker: Docker, runId: string, sinceSeconds: number): Promise<string[]> {
  const stream = await docker.getEvents({
    since: sinceSeconds,
    until: Math.ceil(Date.now() / 1000) + 1,
    filters: { type: ['container'], label: [`gantry.run=${runId}`] },
  });
  const chunks: Buffer[] = [];
  for await (const chunk of stream as AsyncIterable<Buffer>) chunks.push(chunk);
  return Buffer.concat(chunks)
    .toString('utf8')
    .split('\n')
    .filter(Boolean)
    .map((line) => (JSON.parse(line) as { Action: string }).Action);
}

describe('data plane on the real Docker engine', () => {
  const endpoint = localDockerEndpoint();
  const docker = new Docker('socketPath' in endpoint ? { socketPath: endpoint.socketPath } : endpoint);
  const runId = `dp-${randomUUID().slice(0, 8)}`;
  let dir: string;
  let store: ArtifactStore;
  let run: (input: RunContainerInput) => Promise<RunContainerResult>;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-data-plane-'));
    store = createFsArtifactStore(path.join(dir, 'artifacts'));
    const activities = createActivities({
      runtime: createDockerRuntime(localDockerEndpoint()),
      store,
      nodeId: 'local',
      logDir: path.join(dir, 'logs'),
    });
    run = (input) =>
      new MockActivityEnvironment(
        { attempt: 1 },
        { logger: new DefaultLogger('ERROR', () => undefined) },
      ).run((i: RunContainerInput) => activities.runContainer(i), input);
  });
  afterAll(async () => {
    for (const c of await docker.listContainers({ all: true, filters: { label: [`gantry.run=${runId}`] } }))
      await docker.getContainer(c.Id).remove({ force: true });
    await rm(dir, { recursive: true, force: true });
  });

  it('copies a directory artifact written by one container into another, byte-identical, for a non-root user', async () => {
    const produce = [
      'mkdir -p /tmp/model/sub /tmp/model/empty',
      'printf "weights" > /tmp/model/a.bin',
      'printf "#!/bin/sh\\necho hi\\n" > /tmp/model/sub/run.sh && chmod 700 /tmp/model/sub/run.sh',
      'head -c 300000 /dev/urandom > /tmp/model/sub/big.bin',
      'echo 0.9 > /gantry/outputs/score',
    ].join(' && ');
    const produced = await run(
      makeInput(runId, 'produce', produce, {
        outputs: {
          parameters: [{ name: 'score', path: '/gantry/outputs/score' }],
          artifacts: [{ name: 'model', path: '/tmp/model' }],
        },
      }),
    );
    expect(produced.outputs).toEqual({ score: { kind: 'inline', value: '0.9' } });
    const model = produced.artifacts!['model']!;
    expect(model.digest).toMatch(/^sha256:[0-9a-f]{64}$/);

    // The copy lands under directories that do not exist yet; the consumer reads it and hands it back.
    const consume = [
      'cat /in/deep/model/a.bin > /gantry/outputs/weights',
      'sh /in/deep/model/sub/run.sh > /gantry/outputs/ran',
      'test -x /in/deep/model/sub/run.sh && test -d /in/deep/model/empty',
    ].join(' && ');
    const consumed = await run(
      makeInput(runId, 'consume', consume, {
        inputArtifacts: [{ digest: model.digest, path: '/in/deep/model' }],
        outputs: {
          parameters: [
            { name: 'weights', path: '/gantry/outputs/weights' },
            { name: 'ran', path: '/gantry/outputs/ran' },
          ],
          artifacts: [{ name: 'copy', path: '/in/deep/model' }],
        },
      }),
    );
    expect(consumed.outputs).toEqual({
      weights: { kind: 'inline', value: 'weights' },
      ran: { kind: 'inline', value: 'hi' },
    });
    expect(consumed.artifacts!['copy']).toEqual(model);
  });

  it('brings a file artifact back as a file', async () => {
    const produced = await run(
      makeInput(runId, 'file-produce', 'printf "line1\\nline2\\n" > /tmp/notes.txt', {
        outputs: { parameters: [], artifacts: [{ name: 'notes', path: '/tmp/notes.txt' }] },
      }),
    );
    const notes = produced.artifacts!['notes']!;
    const consumed = await run(
      makeInput(runId, 'file-consume', 'test -f /data/notes.txt && cp /data/notes.txt /gantry/outputs/n', {
        inputArtifacts: [{ digest: notes.digest, path: '/data/notes.txt' }],
        outputs: { parameters: [{ name: 'n', path: '/gantry/outputs/n' }], artifacts: [] },
      }),
    );
    expect(consumed.outputs).toEqual({ n: { kind: 'inline', value: 'line1\nline2' } });
  });

  it('fails a task whose declared output file is missing with OutputMissing, not retried', async () => {
    const failure = await failureOf(
      run(
        makeInput(runId, 'forgetful', 'echo working', {
          outputs: { parameters: [{ name: 'score', path: '/gantry/outputs/score' }], artifacts: [] },
        }),
      ),
    );
    expect(failure).toMatchObject({ type: 'OutputMissing', nonRetryable: true });
    expect(failure.message).toBe(
      'task "forgetful" output "score": file /gantry/outputs/score does not exist after the container exited 0',
    );
    expect((failure.details![0] as { logTail: string }).logTail).toBe('working\n');
  });

  it('answers a second identical cached task from the cache without starting a container', async () => {
    const cache = { definition: '{"id":"cached"}', version: 'v1', isLookupEnabled: true };
    const task = (id: string) =>
      makeInput(id, 'cached', 'date +%s%N > /gantry/outputs/stamp', {
        cache,
        env: { MODE: 'fast' },
        outputs: { parameters: [{ name: 'stamp', path: '/gantry/outputs/stamp' }], artifacts: [] },
      });
    const since = Math.floor(Date.now() / 1000) - 1;
    const firstRunId = `${runId}-a`;
    const secondRunId = `${runId}-b`;
    const first = await run(task(firstRunId));
    const second = await run(task(secondRunId));

    expect(first.cachedFrom).toBeUndefined();
    expect(first.cacheKey).toMatch(/^sha256:/);
    expect(second).toMatchObject({
      cachedFrom: { runId: firstRunId, taskId: 'cached' },
      cacheKey: first.cacheKey,
      outputs: first.outputs,
    });
    expect(await containerEvents(docker, firstRunId, since)).toContain('start');
    expect(await containerEvents(docker, secondRunId, since)).toEqual([]);
  });
});
