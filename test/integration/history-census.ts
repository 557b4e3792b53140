/**
 * Counts what a workflow's executions wrote: events in all, and the signals it received and sent by name.
 * The cluster bench and the placement-batches test read the protocol's cost from these counts.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { decodeHistoryPayloads } from '../../engine/codec/data-converter.js';

export interface HistoryCensus {
  readonly executions: number;
  readonly events: number;
  /** Time the workers spent on its workflow tasks (started → completed), in seconds. */
  readonly workflowTaskSeconds: number;
  /** Signals received, by signal name. */
  readonly received: Readonly<Record<string, number>>;
  /** Signals sent to other workflows, by signal name. */
  readonly sent: Readonly<Record<string, number>>;
  /** Reservations passed on between tasks, as the `placementChanges` signals received told them. */
  readonly handOffsReceived: number;
}

const { EventType } = proto.temporal.api.enums.v1;

/** Every execution of `workflowId` (a continue-as-new chain has several), counted together. */
export async function historyCensus(client: Client, workflowId: string): Promise<HistoryCensus> {
  const received: Record<string, number> = {};
  const sent: Record<string, number> = {};
  let executions = 0;
  let events = 0;
  let workflowTaskMs = 0;
  let handOffsReceived = 0;
  // Walked back from the latest execution by the chain its start events record (visibility may lag).
  let runId: string | undefined = (await client.workflow.getHandle(workflowId).describe()).runId;
  while (runId) {
    const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
    executions += 1;
    const startedAt = new Map<string, number>();
    runId = undefined;
    for (const event of history.events ?? []) {
      events += 1;
      const at = Number(event.eventTime?.seconds ?? 0) * 1000 + (event.eventTime?.nanos ?? 0) / 1e6;
      switch (event.eventType) {
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED:
          runId = event.workflowExecutionStartedEventAttributes?.continuedExecutionRunId || undefined;
          break;
        case EventType.EVENT_TYPE_WORKFLOW_TASK_STARTED:
          startedAt.set(String(event.eventId), at);
          break;
        case EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED: {
          const started = startedAt.get(String(event.workflowTaskCompletedEventAttributes?.startedEventId));
          if (started !== undefined) workflowTaskMs += at - started;
          break;
        }
        case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED: {
          const attributes = event.workflowExecutionSignaledEventAttributes;
          const name = attributes?.signalName ?? '?';
          received[name] = (received[name] ?? 0) + 1;
          // Payloads in a history are as the codec left them (encrypted): decode before reading.
          const [payload] =
            name === 'placementChanges'
              ? await decodeHistoryPayloads(client, attributes?.input?.payloads ?? [])
              : [];
          const data = payload?.data;
          if (data) {
            const changes = JSON.parse(Buffer.from(data).toString('utf8')) as { handOffs?: unknown[] };
            handOffsReceived += changes.handOffs?.length ?? 0;
          }
          break;
        }
        case EventType.EVENT_TYPE_SIGNAL_EXTERNAL_WORKFLOW_EXECUTION_INITIATED: {
          const name = event.signalExternalWorkflowExecutionInitiatedEventAttributes?.signalName ?? '?';
          sent[name] = (sent[name] ?? 0) + 1;
          break;
        }
        default:
          break;
      }
    }
  }
  return { executions, events, workflowTaskSeconds: workflowTaskMs / 1000, received, sent, handOffsReceived };
}

/** Adds censuses up (e.g. of every run of a bench). */
export function sumCensus(all: readonly HistoryCensus[]): HistoryCensus {
  const add = (into: Record<string, number>, from: Readonly<Record<string, number>>) => {
    for (const [k, v] of Object.entries(from)) into[k] = (into[k] ?? 0) + v;
  };
  const received: Record<string, number> = {};
  const sent: Record<string, number> = {};
  for (const c of all) {
    add(received, c.received);
    add(sent, c.sent);
  }
  return {
    executions: all.reduce((s, c) => s + c.executions, 0),
    events: all.reduce((s, c) => s + c.events, 0),
    workflowTaskSeconds: all.reduce((s, c) => s + c.workflowTaskSeconds, 0),
    received,
    sent,
    handOffsReceived: all.reduce((s, c) => s + c.handOffsReceived, 0),
  };
}
