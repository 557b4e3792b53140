/**
 * GPUs are pinned, not only counted: the cluster service gives each GPU task device ids of its node that
 * no other task holds, and the container activity's input carries them (the activity turns them into
 * Docker DeviceRequests, see test/activities/container-spec.test.ts). No GPU is needed: the machine has
 * none, so the containers themselves fail to start, and that failure is the task's, not the run's loss.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { decodeHistoryPayloads } from '../../engine/codec/data-converter.js';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

interface ScheduledInput {
  readonly taskId: string;
  readonly gpus?: readonly string[];
}

async function activityInputs(cluster: TestCluster, workflowId: string): Promise<ScheduledInput[]> {
  const history = await cluster.client.workflow.getHandle(workflowId).fetchHistory();
  const inputs: ScheduledInput[] = [];
  for (const event of history.events ?? []) {
    const payloads = event.activityTaskScheduledEventAttributes?.input?.payloads;
    if (!payloads?.length) continue;
    // Payloads in a history are as the codec left them (encrypted): decode before reading.
    const [payload] = await decodeHistoryPayloads(cluster.client, payloads);
    inputs.push(JSON.parse(Buffer.from(payload!.data!).toString('utf8')) as ScheduledInput);
  }
  return inputs;
}

describe('GPU tasks', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('gpu', [{ id: 'g1', cpu: 2, memoryMiB: 512, gpu: 2 }]);
  });
  afterAll(() => cluster.stop());

  it('get distinct device ids of their node in the container request', async () => {
    const started = await cluster.start({
      name: 'gpus',
      tasks: [
        shTask('one', 'true', { resources: { cpu: 0.25, memoryMiB: 32, gpu: 1 } }),
        shTask('other', 'true', { resources: { cpu: 0.25, memoryMiB: 32, gpu: 1 } }),
        shTask('both', 'true', {
          resources: { cpu: 0.25, memoryMiB: 32, gpu: 2 },
          dependsOn: ['one'],
          trigger: 'allDone',
        }),
        shTask('none', 'true'),
      ],
    });
    const result = await started.handle.result().catch(() => undefined);
    expect(result).toBeUndefined(); // no nvidia runtime here: the GPU tasks fail to start
    const inputs = await activityInputs(cluster, started.workflowId);
    const gpusOf = (taskId: string) => inputs.find((i) => i.taskId === taskId)?.gpus;
    expect([gpusOf('one'), gpusOf('other')].sort()).toEqual([['0'], ['1']]);
    expect(gpusOf('both')).toEqual(['0', '1']);
    expect(gpusOf('none')).toBeUndefined();
  });
});
