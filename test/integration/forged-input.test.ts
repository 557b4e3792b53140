/**
 * Worker-side validation against the real stack: a workflow sends the node and control workers (registered as
 * `gantry up` registers them, engine/workers.ts) forged activity input. Each is refused as a non-retryable
 * InvalidActivityInput naming the activity and field, on its first attempt, and no container is created.
 */
import { ActivityFailure, ApplicationFailure, WorkflowFailedError } from '@temporalio/client';
import { Worker } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunContainerInput, TaskFailureDetails } from '../../activities/types.js';
import { FailureType } from '../../common/failure-types.js';
import { Label, nodeTaskQueue } from '../../common/names.js';
import { connectWorker } from '../../engine/connection.js';
import type { SendActivityInput } from './forged-input-workflow.js';
import { type TestCluster, docker, startTestCluster } from './harness.js';

describe('forged activity input on a real worker', () => {
  let cluster: TestCluster;
  let sender: Worker;
  let running: Promise<void>;
  const senderQueue = `gantry-test-forged-${randomBytes(3).toString('hex')}`;

  beforeAll(async () => {
    cluster = await startTestCluster('forged', [{ id: 'n1', cpu: 2, memoryMiB: 1024 }]);
    sender = await Worker.create({
      connection: await connectWorker(cluster.config),
      namespace: cluster.config.namespace,
      taskQueue: senderQueue,
      // The client's converter: whatever codec the stack uses, the node worker can read what this sends.
      dataConverter: cluster.client.options.dataConverter,
      workflowsPath: fileURLToPath(new URL('./forged-input-workflow.ts', import.meta.url)),
    });
    running = sender.run();
  });
  afterAll(async () => {
    sender.shutdown();
    await running;
    await cluster.stop();
  });

  const runId = () => `forged-${randomBytes(4).toString('hex')}`;
  const nodeQueue = () => nodeTaskQueue(cluster.name, 'n1');

  const containerInput = (overrides: Partial<RunContainerInput>): RunContainerInput => ({
    runId: runId(),
    pipeline: 'forged',
    taskId: 'probe',
    nodeId: 'n1',
    image: 'gantry/busybox:latest',
    pullPolicy: 'Never',
    command: ['sh', '-c', 'true'],
    env: {},
    cpu: 0.5,
    memoryMiB: 64,
    pidsLimit: 64,
    nofileLimit: 256,
    network: 'none',
    mounts: [],
    timeoutSeconds: 60,
    nonRetryableExitCodes: [],
    ...overrides,
  });

  /** What the activity answered: its result, or the ApplicationFailure it failed with. */
  async function send(input: SendActivityInput): Promise<{ result?: unknown; failure?: ApplicationFailure }> {
    try {
      const result = await cluster.client.workflow.execute('sendActivityInput', {
        workflowId: `forged-${randomBytes(6).toString('hex')}`,
        taskQueue: senderQueue,
        args: [input],
        workflowExecutionTimeout: '2 minutes',
      });
      return { result };
    } catch (err) {
      expect(err).toBeInstanceOf(WorkflowFailedError);
      const activity = (err as WorkflowFailedError).cause;
      expect(activity).toBeInstanceOf(ActivityFailure);
      const failure = (activity as ActivityFailure).cause;
      expect(failure).toBeInstanceOf(ApplicationFailure);
      return { failure: failure as ApplicationFailure };
    }
  }

  it('runs a well-formed container input: the check refuses only what is wrong', async () => {
    const input = containerInput({});
    const { result, failure } = await send({
      taskQueue: nodeQueue(),
      activity: 'runContainer',
      args: [input],
    });
    expect(failure).toBeUndefined();
    expect(result).toMatchObject({ exitCode: 0, node: 'n1' });
  });

  it.each([
    ['a run id that climbs out of the log directory', { runId: '../../etc' }, 'input.runId = "../../etc"'],
    ['a task id with a "/"', { taskId: 'a/../../b' }, 'input.taskId = "a/../../b"'],
    ['a command argument over MAX_ARG_STRLEN', { args: ['x'.repeat(200 * 1024)] }, 'input.args[0] = "xxx'],
    ['a negative memory limit', { memoryMiB: -64 }, 'input.memoryMiB = -64'],
    [
      'a field the worker does not know',
      { privileged: true } as Partial<RunContainerInput>,
      'input.privileged = true: unknown field',
    ],
  ])('refuses %s before any container exists', async (_, overrides, where) => {
    const input = containerInput(overrides);
    const { failure } = await send({ taskQueue: nodeQueue(), activity: 'runContainer', args: [input] });
    expect(failure?.type).toBe(FailureType.InvalidActivityInput);
    expect(failure?.nonRetryable).toBe(true);
    expect(failure?.message).toMatch(/^activity runContainer: /);
    expect(failure?.message).toContain(where);
    // Refused on its first attempt: Temporal did not retry it.
    expect((failure?.details?.[0] as TaskFailureDetails | undefined)?.attempt).toBe(1);
    expect(await docker.findContainers({ [Label.Run]: input.runId })).toEqual([]);
    expect(await docker.findContainers({ [Label.Pipeline]: 'forged', [Label.Task]: input.taskId })).toEqual(
      [],
    );
  });

  it("refuses a node's clean-up of a run id that is a path", async () => {
    const { failure } = await send({
      taskQueue: nodeQueue(),
      activity: 'cleanupRun',
      args: [{ runId: '..', isWorkspaceRemoved: true }],
    });
    expect(failure?.type).toBe(FailureType.InvalidActivityInput);
    expect(failure?.message).toMatch(/^activity cleanupRun: input\.runId = "\.\.": must be/);
  });

  it("refuses a control worker's read of a digest that is a path", async () => {
    const { failure } = await send({
      taskQueue: cluster.config.controlTaskQueue,
      activity: 'loadValues',
      args: [{ digests: ['../../../etc/passwd'] }],
    });
    expect(failure?.type).toBe(FailureType.InvalidActivityInput);
    expect(failure?.message).toBe(
      'activity loadValues: input.digests[0] = "../../../etc/passwd": must be sha256:<64 hex digits>',
    );
  });
});
