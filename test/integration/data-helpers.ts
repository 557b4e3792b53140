/** Reading what a run produced: values and foreach items from the artifact store, history sizes from Temporal. */
import type { Client } from '@temporalio/client';
import type { ForeachItemResult } from '../../activities/types.js';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';
import { readJsonDocument } from '../../activities/store-activities.js';
import type { ValueRef } from '../../common/data-refs.js';
import type { TaskState } from '../../workflows/definitions.js';
import { sliceWorkflowId } from '../../workflows/run/foreach-task.js';
import type { TestCluster } from './harness.js';

export async function valueOf(cluster: TestCluster, ref: ValueRef): Promise<string> {
  if (ref.kind === 'inline') return ref.value;
  return (await createFsArtifactStore(cluster.config.artifactDir).readBlob(ref.digest)).toString('utf8');
}

export async function foreachItems(cluster: TestCluster, task: TaskState): Promise<ForeachItemResult[]> {
  const ref = task.foreach?.items;
  if (!ref) throw new Error('the task has no stored foreach items');
  const store = createFsArtifactStore(cluster.config.artifactDir);
  return (await readJsonDocument<{ items: ForeachItemResult[] }>(store, ref)).items;
}

interface HistorySize {
  readonly events: number;
  readonly maxPayloadBytes: number;
}

async function historySize(client: Client, workflowId: string): Promise<HistorySize> {
  const history = await client.workflow.getHandle(workflowId).fetchHistory();
  let maxPayloadBytes = 0;
  const walk = (value: unknown): void => {
    if (value === null || typeof value !== 'object') return;
    if (value instanceof Uint8Array) return;
    const record = value as Record<string, unknown>;
    if (record['data'] instanceof Uint8Array && 'metadata' in record) {
      maxPayloadBytes = Math.max(maxPayloadBytes, record['data'].byteLength);
      return;
    }
    for (const child of Object.values(record)) walk(child);
  };
  for (const event of history.events ?? []) walk(event);
  return { events: history.events?.length ?? 0, maxPayloadBytes };
}

/** The run's history size, and its foreach slices' (task `each`), with the largest single payload of all. */
export async function historyStats(client: Client, runWorkflowId: string, foreachTask = 'each') {
  const run = await historySize(client, runWorkflowId);
  const slices: HistorySize[] = [];
  for (let index = 0; ; index += 1) {
    try {
      slices.push(await historySize(client, sliceWorkflowId(runWorkflowId, foreachTask, index)));
    } catch {
      break;
    }
  }
  return {
    run,
    slices: {
      count: slices.length,
      events: slices.reduce((sum, s) => sum + s.events, 0),
      maxEvents: Math.max(0, ...slices.map((s) => s.events)),
    },
    maxPayloadBytes: Math.max(run.maxPayloadBytes, ...slices.map((s) => s.maxPayloadBytes)),
  };
}
