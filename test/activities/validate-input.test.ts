/**
 * The worker's own check of activity input (activities/validate-input.ts, input-schemas.ts): what the run
 * workflow sends passes, forged input is refused as a non-retryable InvalidActivityInput before anything is
 * done. The same against a real worker is test/integration/forged-input.test.ts.
 */
import type { ApplicationFailure } from '@temporalio/activity';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger } from '@temporalio/worker';
import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeEach, describe, expect, it } from 'vitest';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';
import { createActivities } from '../../activities/index.js';
import { ACTIVITY_INPUT_SCHEMAS } from '../../activities/input-schemas.js';
import { createRunPlanActivities } from '../../activities/run-plan.js';
import { createSimulatedActivities } from '../../activities/simulated-runtime.js';
import { createStoreActivities } from '../../activities/store-activities.js';
import { withInputValidation } from '../../activities/validate-input.js';
import { FailureType } from '../../common/failure-types.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { createReconcileActivities } from '../../engine/reconcile-activities.js';
import { createTriggerActivities } from '../../engine/trigger-activities.js';
import { FakeRuntime } from './fake-runtime.js';
import { taskInput } from './task-input.js';
import { failureOf } from './failure-of.js';

const quietEnv = () =>
  new MockActivityEnvironment({ attempt: 1 }, { logger: new DefaultLogger('ERROR', () => undefined) });

describe('withInputValidation', () => {
  let runtime: FakeRuntime;
  let logDir: string;
  let node: ReturnType<typeof createActivities>;
  let store: ReturnType<typeof createStoreActivities>;

  beforeEach(async () => {
    runtime = new FakeRuntime();
    logDir = await mkdtemp(path.join(os.tmpdir(), 'gantry-unit-'));
    const artifacts = createFsArtifactStore(path.join(logDir, 'artifacts'));
    node = withInputValidation(createActivities({ runtime, store: artifacts, nodeId: 'n1', logDir }), 'n1');
    store = withInputValidation(createStoreActivities(artifacts), 'control');
  });

  /** runContainer with `input` as given, however forged. */
  const runContainer = (input: unknown) =>
    quietEnv().run((i: unknown) => node.runContainer(i as never), input);

  /** The refusal of `input`: the failure's type, retryability and message, and that no container was made. */
  async function refusal(input: unknown): Promise<string> {
    const failure = await failureOf(runContainer(input));
    expect(failure.type).toBe(FailureType.InvalidActivityInput);
    expect(failure.nonRetryable).toBe(true);
    expect(runtime.created).toEqual([]);
    expect(runtime.calls).toEqual([]);
    return failure.message;
  }

  it.each([
    ['a foreach item of a run', { runId: 'etl-20261201-223000-3fa9c1', taskId: 'train[12]', attempt: 2 }],
    ['a schedule firing', { runId: 'nightly-2026-12-01T03:00:00Z' }],
    ['a child run of a foreach item', { runId: 'etl-20261201-223000-3fa9c1--sub-3' }],
    [
      'a task with outputs, a cache and a cpuset',
      {
        outputs: {
          parameters: [{ name: 'count', path: '/gantry/outputs/count' }],
          artifacts: [{ name: 'model', path: '' }],
        },
        cache: { definition: '{"id":"train"}', version: '', isLookupEnabled: true },
        cpuset: { exclusiveCores: [0, 1], fragment: { core: 2, share: 0.5 } },
      },
    ],
  ])('passes the input the run workflow sends for %s', async (_, overrides) => {
    const input = { ...taskInput(), ...overrides };
    const failure = await runContainer(input).then(
      () => undefined,
      (e: unknown) => e as ApplicationFailure,
    );
    // The fake runtime may fail the attempt later on; the input itself must not be the reason.
    expect(failure?.type).not.toBe(FailureType.InvalidActivityInput);
    expect(runtime.calls[0]).toMatch(/^create gantry-/);
  });

  it('passes input artifacts on to the activity, which looks them up', async () => {
    const digest = `sha256:${'a'.repeat(64)}`;
    const failure = await failureOf(runContainer(taskInput({ inputArtifacts: [{ digest, path: '/in' }] })));
    expect(failure.type).toBe(FailureType.ArtifactNotFound);
  });

  it('refuses a run id that climbs out of the log directory, naming the activity, field and value', async () => {
    expect(await refusal(taskInput({ runId: '../../etc' }))).toBe(
      'activity runContainer: input.runId = "../../etc": must be 1-255 letters, digits, ".", "_", ":", "-", "[" or "]", starting with a letter or digit, without ".."',
    );
  });

  it('refuses a task id with a "/"', async () => {
    expect(await refusal(taskInput({ taskId: 'train/../../x' }))).toMatch(
      /^activity runContainer: input\.taskId = "train\/\.\.\/\.\.\/x": must be/,
    );
  });

  it('refuses a 10 MB command argument and shows only the start of it', async () => {
    const message = await refusal(taskInput({ command: ['sh', 'x'.repeat(10 * 1024 * 1024)] }));
    expect(message).toMatch(
      /^activity runContainer: input\.command\[1\] = "x{58}…: is 10485760 bytes of UTF-8, over the limit of 131071 \(Linux MAX_ARG_STRLEN/,
    );
    expect(message.length).toBeLessThan(600);
  });

  it('refuses command, args and env that together overflow what execve takes', async () => {
    const arg = 'y'.repeat(100 * 1024);
    const message = await refusal(taskInput({ args: Array.from({ length: 12 }, () => arg) }));
    expect(message).toMatch(
      /^activity runContainer: input = .*: command, args and env take \d+ bytes, over the limit of 1048576/,
    );
  });

  it('refuses a negative memory limit', async () => {
    expect(await refusal(taskInput({ memoryMiB: -1 }))).toBe(
      'activity runContainer: input.memoryMiB = -1: Too small: expected number to be >0',
    );
  });

  it('refuses a field it does not know rather than dropping it', async () => {
    expect(await refusal({ ...taskInput(), privileged: true })).toBe(
      'activity runContainer: input.privileged = true: unknown field',
    );
  });

  it('refuses values of the wrong type and a missing input, each problem named', async () => {
    const message = await refusal({ ...taskInput(), cpu: '1', env: { PATH: 7 } });
    expect(message).toMatch(/^activity runContainer: /);
    expect(message).toContain('input.cpu = "1": Invalid input: expected number, received string');
    expect(message).toContain('input.env.PATH = 7: Invalid input: expected string, received number');
    expect(await refusal(undefined)).toBe(
      'activity runContainer: input = undefined: Invalid input: expected object, received undefined',
    );
  });

  it('refuses a mount with a relative host path and an unknown network', async () => {
    const message = await refusal(
      taskInput({
        mounts: [{ hostPath: 'etc', containerPath: '/etc', readOnly: false }],
        network: 'host' as never,
      }),
    );
    expect(message).toContain('input.mounts[0].hostPath = "etc"');
    expect(message).toContain('input.network = "host"');
  });

  it('refuses a clean-up of a run id that is a path, before anything is removed', async () => {
    const failure = await failureOf(
      quietEnv().run(() => node.cleanupRun({ runId: '..', isWorkspaceRemoved: true })),
    );
    expect(failure.type).toBe(FailureType.InvalidActivityInput);
    expect(failure.message).toMatch(/^activity cleanupRun: input\.runId = "\.\.": must be/);
    expect(runtime.calls).toEqual([]);
  });

  it('refuses a stored value whose digest is a path', async () => {
    const failure = await failureOf(quietEnv().run(() => store.loadValues({ digests: ['../../secret'] })));
    expect(failure.type).toBe(FailureType.InvalidActivityInput);
    expect(failure.message).toBe(
      'activity loadValues: input.digests[0] = "../../secret": must be sha256:<64 hex digits>',
    );
  });

  it('hands the activity the parsed input', async () => {
    const storeJson = () => store.storeJson({ json: '{"a":1}' });
    const ref = await quietEnv().run<[], { digest: string }, typeof storeJson>(storeJson);
    expect(ref.digest).toMatch(/^sha256:/);
  });

  it('refuses more than one argument', async () => {
    const failure = await failureOf(
      quietEnv().run(() =>
        (store.storeJson as (...a: unknown[]) => Promise<unknown>)({ json: '1' }, 'extra'),
      ),
    );
    expect(failure.message).toBe('activity storeJson: arguments = 2: takes exactly one input');
  });

  it('gives every activity Gantry registers a schema', () => {
    const artifacts = createFsArtifactStore('/nonexistent');
    const registered = {
      ...createActivities({ runtime, store: artifacts, nodeId: 'n1', logDir }),
      ...createSimulatedActivities({ nodeId: 'sim', logDir }),
      ...createStoreActivities(artifacts),
      ...createRunPlanActivities(artifacts),
      ...createTriggerActivities(),
      ...createReconcileActivities(),
    };
    expect(Object.keys(registered).sort()).toEqual(Object.keys(ACTIVITY_INPUT_SCHEMAS).sort());
  });

  it('refuses at registration an activity without a schema', () => {
    const unknown = { deleteEverything: () => Promise.resolve() } as never;
    expect(() => withInputValidation(unknown, 'n1')).toThrow(
      'activity "deleteEverything" has no input schema in activities/input-schemas.ts',
    );
  });
});

describe('ACTIVITY_INPUT_SCHEMAS', () => {
  const ref = (c: string) => ({ digest: `sha256:${c.repeat(64)}`, sizeBytes: 120 });
  const spec = () =>
    parsePipeline({
      name: 'report',
      triggers: [{ afterPipeline: 'etl' }],
      tasks: [{ id: 'make', image: 'gantry/busybox', command: ['true'] }],
    });

  it.each([
    [
      'startTriggeredRun',
      {
        // The registry sends its whole registration, createdAt included (workflows/trigger-registry.ts).
        registration: {
          id: 'nightly-report',
          spec: spec(),
          clusterWorkflowId: 'gantry-cluster-default',
          createdAt: 1,
        },
        upstream: {
          runId: 'etl-20261201-223000-3fa9c1',
          workflowId: 'gantry-run-etl-20261201-223000-3fa9c1',
          pipeline: 'etl',
          status: 'succeeded',
          endedAt: 1_764_628_200_000,
        },
        taskQueue: 'gantry-control',
      },
    ],
    ['openRunSpec', { spec: ref('a'), reuse: ref('b'), maxSliceTasks: 500 }],
    ['loadSlice', { slice: ref('a'), upstream: [ref('b'), ref('c')] }],
    ['gatherForeach', { slices: [ref('a')], outputNames: ['count', 'Model_2'] }],
    [
      'closedRuns',
      { workflowIds: ['gantry-run-etl-20261201-223000-3fa9c1', 'gantry-run-nightly-2026-12-01T03:00:00Z'] },
    ],
    ['clearLostNode', { cluster: 'default', nodeId: 'n1' }],
    [
      'cleanupRun',
      { runId: 'etl-20261201-223000-3fa9c1', isWorkspaceRemoved: false, taskIds: ['prep', 'train'] },
    ],
  ] as const)('passes what the workflows send to %s', (name, input) => {
    expect(ACTIVITY_INPUT_SCHEMAS[name].safeParse(input).error).toBeUndefined();
  });

  it('refuses a triggered run whose pipeline name would become a path', () => {
    const input = {
      registration: { id: 't', spec: { ...spec(), name: '../x' }, clusterWorkflowId: 'c' },
      upstream: { runId: 'r', workflowId: 'w', pipeline: 'etl', status: 'succeeded', endedAt: 1 },
      taskQueue: 'q',
    };
    const issues = ACTIVITY_INPUT_SCHEMAS.startTriggeredRun.safeParse(input).error?.issues ?? [];
    expect(issues.map((i) => i.path.join('.'))).toEqual(['registration.spec.name']);
  });
});
