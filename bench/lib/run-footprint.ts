/**
 * What a run costs Temporal, measured from the server's own histories: every workflow execution of the run
 * (each continue-as-new execution of the run workflow, and recursively every child workflow it started,
 * with their own continue-as-new chains), each with its event count and its largest payloads. Used by the
 * engine scale bench and by test/integration/scale-bounds.test.ts to hold the limits of issue #10: no
 * workflow input, result or failure grows with the task count, and no one history grows without bound.
 *
 * Sizes are protobuf-encoded sizes, as the server counts them against its blob limit (2 MB by default):
 * a workflow's input and result are a `Payloads` (all arguments together), a failure is a `Failure` proto
 * with its details and causes, a payload is one `Payload` (data plus metadata).
 *
 * Executions are found by following the chain the histories themselves record (WorkflowExecutionStarted's
 * firstExecutionRunId, ContinuedAsNew's newExecutionRunId, ChildWorkflowExecutionStarted's execution)
 * rather than by a visibility query, which lags behind on a busy server.
 */
import type { Client } from '@temporalio/client';
import proto, { type temporal } from '@temporalio/proto';

type HistoryEvent = temporal.api.history.v1.IHistoryEvent;
const EventType = proto.temporal.api.enums.v1.EventType;

/** Where a payload was seen: its execution, event id and event type. */
export interface PayloadSite {
  readonly bytes: number;
  readonly workflowId: string;
  readonly runId: string;
  readonly eventId: number;
  readonly eventType: string;
}

export interface ExecutionFootprint {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  /** The closing event's kind (`completed`, `failed`, `continuedAsNew`, …) or `open`. */
  readonly status: string;
  readonly events: number;
  readonly activitiesCompleted: number;
  /** Completed activities by activity type (from their ActivityTaskScheduled event). */
  readonly activitiesCompletedByType: Readonly<Record<string, number>>;
  /** Server times (ms since the epoch) of its first event and of its closing event (undefined when open). */
  readonly startedAtMs: number;
  readonly closedAtMs: number | undefined;
  /** Sum of the encoded sizes of its events: the server's history size limit is 50 MB. */
  readonly historyBytes: number;
  /** The larger of WorkflowExecutionStarted's and ContinuedAsNew's input (0 when none). */
  readonly inputBytes: number;
  /** WorkflowExecutionCompleted's result (0 when none). */
  readonly resultBytes: number;
  /** WorkflowExecutionFailed's failure proto, details and causes included (0 when none). */
  readonly failureBytes: number;
  /** The largest single payload in any event of this execution. */
  readonly largestPayload: PayloadSite | undefined;
  readonly firstExecutionRunId: string | undefined;
  readonly continuedAsNewRunId: string | undefined;
  /** Children this execution started (first run of each). */
  readonly children: readonly { readonly workflowId: string; readonly runId: string }[];
  /** Children it initiated that never started (their StartChildWorkflowExecutionFailed or still pending). */
  readonly childrenNotStarted: readonly string[];
}

export interface RunFootprint {
  readonly workflowId: string;
  readonly executions: readonly ExecutionFootprint[];
  readonly executionCount: number;
  readonly totalEvents: number;
  readonly activitiesCompleted: number;
  readonly activitiesCompletedByType: Readonly<Record<string, number>>;
  /** totalEvents / tasks, when the task count was given. */
  readonly eventsPerTask: number | undefined;
  readonly maxEvents: { readonly events: number; readonly workflowId: string; readonly runId: string };
  readonly maxHistoryBytes: number;
  /** From the run workflow's first execution's start to its last execution's close (undefined if open). */
  readonly spanMs: number | undefined;
  readonly maxInput: PayloadSite | undefined;
  readonly maxResult: PayloadSite | undefined;
  readonly maxFailure: PayloadSite | undefined;
  readonly largestPayload: PayloadSite | undefined;
}

export function payloadBytes(payload: temporal.api.common.v1.IPayload): number {
  return proto.temporal.api.common.v1.Payload.encode(payload).finish().length;
}

export function payloadsBytes(payloads: temporal.api.common.v1.IPayloads | null | undefined): number {
  return payloads ? proto.temporal.api.common.v1.Payloads.encode(payloads).finish().length : 0;
}

export function failureBytes(failure: temporal.api.failure.v1.IFailure | null | undefined): number {
  return failure ? proto.temporal.api.failure.v1.Failure.encode(failure).finish().length : 0;
}

const eventTypeName = (type: number | null | undefined): string =>
  (EventType[type ?? 0] ?? `EVENT_TYPE_${String(type)}`).replace(/^EVENT_TYPE_/, '');

const toNumber = (value: unknown): number => (value === null || value === undefined ? 0 : Number(value));

const timeMs = (t: temporal.api.history.v1.IHistoryEvent['eventTime']): number =>
  t ? toNumber(t.seconds) * 1000 + Math.round((t.nanos ?? 0) / 1e6) : 0;

function isPayload(value: object): value is temporal.api.common.v1.IPayload {
  return 'metadata' in value && 'data' in value && value.data instanceof Uint8Array;
}

/** Every Payload nested anywhere in an event (activity inputs and results, signals, markers, failures). */
function forEachPayload(value: unknown, visit: (p: temporal.api.common.v1.IPayload) => void): void {
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return;
  if (Array.isArray(value)) {
    for (const item of value) forEachPayload(item, visit);
    return;
  }
  const record = value as Record<string, unknown>;
  if (isPayload(record)) {
    visit(record);
    return;
  }
  for (const child of Object.values(record)) forEachPayload(child, visit);
}

const CLOSE_STATUS: Partial<Record<number, string>> = {
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED]: 'completed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED]: 'failed',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TIMED_OUT]: 'timedOut',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CANCELED]: 'cancelled',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_TERMINATED]: 'terminated',
  [EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW]: 'continuedAsNew',
};

/** One execution's footprint from its events, as fetched from the server. Pure. */
export function executionFootprint(
  workflowId: string,
  runId: string,
  events: readonly HistoryEvent[],
): ExecutionFootprint {
  let workflowType = '';
  let status = 'open';
  let historyBytes = 0;
  let activitiesCompleted = 0;
  const activityTypes = new Map<number, string>();
  const byType: Record<string, number> = {};
  let inputBytes = 0;
  let resultBytes = 0;
  let failure = 0;
  let largestPayload: PayloadSite | undefined;
  let firstExecutionRunId: string | undefined;
  let continuedAsNewRunId: string | undefined;
  const children: { workflowId: string; runId: string }[] = [];
  const initiated = new Set<string>();
  for (const event of events) {
    historyBytes += proto.temporal.api.history.v1.HistoryEvent.encode(event).finish().length;
    const eventType = eventTypeName(event.eventType);
    const eventId = toNumber(event.eventId);
    forEachPayload(event, (p) => {
      const bytes = payloadBytes(p);
      if (!largestPayload || bytes > largestPayload.bytes)
        largestPayload = { bytes, workflowId, runId, eventId, eventType };
    });
    status = CLOSE_STATUS[event.eventType ?? 0] ?? status;
    switch (event.eventType) {
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED: {
        const a = event.workflowExecutionStartedEventAttributes;
        workflowType = a?.workflowType?.name ?? '';
        firstExecutionRunId = a?.firstExecutionRunId || undefined;
        inputBytes = Math.max(inputBytes, payloadsBytes(a?.input));
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW: {
        const a = event.workflowExecutionContinuedAsNewEventAttributes;
        continuedAsNewRunId = a?.newExecutionRunId || undefined;
        inputBytes = Math.max(inputBytes, payloadsBytes(a?.input));
        failure = Math.max(failure, failureBytes(a?.failure));
        break;
      }
      case EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED:
        activityTypes.set(eventId, event.activityTaskScheduledEventAttributes?.activityType?.name ?? '');
        break;
      case EventType.EVENT_TYPE_ACTIVITY_TASK_COMPLETED: {
        activitiesCompleted += 1;
        const scheduled = toNumber(event.activityTaskCompletedEventAttributes?.scheduledEventId);
        const type = activityTypes.get(scheduled) ?? '';
        byType[type] = (byType[type] ?? 0) + 1;
        break;
      }
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED:
        resultBytes = payloadsBytes(event.workflowExecutionCompletedEventAttributes?.result);
        break;
      case EventType.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED:
        failure = Math.max(failure, failureBytes(event.workflowExecutionFailedEventAttributes?.failure));
        break;
      case EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED:
        initiated.add(event.startChildWorkflowExecutionInitiatedEventAttributes?.workflowId ?? '');
        break;
      case EventType.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED: {
        const execution = event.childWorkflowExecutionStartedEventAttributes?.workflowExecution;
        if (execution?.workflowId && execution.runId) {
          children.push({ workflowId: execution.workflowId, runId: execution.runId });
          initiated.delete(execution.workflowId);
        }
        break;
      }
      default:
        break;
    }
  }
  return {
    workflowId,
    runId,
    workflowType,
    status,
    events: events.length,
    activitiesCompleted,
    activitiesCompletedByType: byType,
    startedAtMs: timeMs(events[0]?.eventTime),
    closedAtMs: status === 'open' ? undefined : timeMs(events[events.length - 1]?.eventTime),
    historyBytes,
    inputBytes,
    resultBytes,
    failureBytes: failure,
    largestPayload,
    firstExecutionRunId,
    continuedAsNewRunId,
    children,
    childrenNotStarted: [...initiated].filter((id) => id !== ''),
  };
}

function maxSite(
  executions: readonly ExecutionFootprint[],
  bytesOf: (e: ExecutionFootprint) => number,
  eventType: string,
): PayloadSite | undefined {
  let best: PayloadSite | undefined;
  for (const e of executions) {
    const bytes = bytesOf(e);
    if (bytes > 0 && (!best || bytes > best.bytes))
      best = { bytes, workflowId: e.workflowId, runId: e.runId, eventId: 0, eventType };
  }
  return best;
}

function sumByType(executions: readonly ExecutionFootprint[]): Record<string, number> {
  const sum: Record<string, number> = {};
  for (const e of executions)
    for (const [type, n] of Object.entries(e.activitiesCompletedByType)) sum[type] = (sum[type] ?? 0) + n;
  return sum;
}

function runSpan(chain: readonly ExecutionFootprint[]): number | undefined {
  const last = chain[chain.length - 1];
  if (!last || last.closedAtMs === undefined || last.status === 'continuedAsNew') return undefined;
  return last.closedAtMs - chain[0]!.startedAtMs;
}

/** The run's totals and maxima over its executions. Pure. */
export function aggregateFootprint(
  workflowId: string,
  executions: readonly ExecutionFootprint[],
  tasks?: number,
): RunFootprint {
  const totalEvents = executions.reduce((sum, e) => sum + e.events, 0);
  let maxEvents = { events: 0, workflowId, runId: '' };
  let largestPayload: PayloadSite | undefined;
  for (const e of executions) {
    if (e.events > maxEvents.events)
      maxEvents = { events: e.events, workflowId: e.workflowId, runId: e.runId };
    if (e.largestPayload && (!largestPayload || e.largestPayload.bytes > largestPayload.bytes))
      largestPayload = e.largestPayload;
  }
  return {
    workflowId,
    executions,
    executionCount: executions.length,
    totalEvents,
    activitiesCompleted: executions.reduce((sum, e) => sum + e.activitiesCompleted, 0),
    activitiesCompletedByType: sumByType(executions),
    eventsPerTask: tasks && tasks > 0 ? totalEvents / tasks : undefined,
    maxEvents,
    maxHistoryBytes: Math.max(0, ...executions.map((e) => e.historyBytes)),
    spanMs: runSpan(executions.filter((e) => e.workflowId === workflowId)),
    maxInput: maxSite(executions, (e) => e.inputBytes, 'input'),
    maxResult: maxSite(executions, (e) => e.resultBytes, 'result'),
    maxFailure: maxSite(executions, (e) => e.failureBytes, 'failure'),
    largestPayload,
  };
}

async function fetchEvents(client: Client, workflowId: string, runId?: string): Promise<HistoryEvent[]> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  return history.events ?? [];
}

/**
 * Walks every execution of the run whose workflow id is `workflowId` (from its first execution, whatever
 * execution is the latest) and of every child it started, depth first, and sums them up. `tasks`, when
 * given, divides the event total.
 */
export async function measureRunFootprint(
  client: Client,
  workflowId: string,
  tasks?: number,
): Promise<RunFootprint> {
  const executions: ExecutionFootprint[] = [];
  const seen = new Set<string>();
  const walkChain = async (id: string, firstRunId: string | undefined): Promise<void> => {
    let runId = firstRunId;
    let latest: { runId: string; events: HistoryEvent[] } | undefined;
    if (runId === undefined) {
      // The latest execution knows the chain's first one (kept: it is often the only one).
      const latestRunId = (await client.workflow.getHandle(id).describe()).runId;
      latest = { runId: latestRunId, events: await fetchEvents(client, id, latestRunId) };
      runId = latest.events[0]?.workflowExecutionStartedEventAttributes?.firstExecutionRunId || undefined;
      if (runId === undefined) return;
    }
    while (runId !== undefined && !seen.has(runId)) {
      seen.add(runId);
      const events = runId === latest?.runId ? latest.events : await fetchEvents(client, id, runId);
      const footprint = executionFootprint(id, runId, events);
      executions.push(footprint);
      for (const child of footprint.children) await walkChain(child.workflowId, child.runId);
      runId = footprint.continuedAsNewRunId;
    }
  };
  await walkChain(workflowId, undefined);
  return aggregateFootprint(workflowId, executions, tasks);
}

/** Bytes as a short human figure: `812 B`, `14.2 KiB`, `1.9 MiB`. */
export function formatBytes(bytes: number | undefined): string {
  if (bytes === undefined) return '–';
  if (bytes < 1024) return `${bytes} B`;
  if (bytes < 1024 * 1024) return `${(bytes / 1024).toFixed(1)} KiB`;
  return `${(bytes / 1024 / 1024).toFixed(1)} MiB`;
}

/** A one-line summary for logs and reports. */
export function describeFootprint(f: RunFootprint): string {
  return [
    `${f.executionCount} executions`,
    `${f.totalEvents} events${f.eventsPerTask === undefined ? '' : ` (${f.eventsPerTask.toFixed(1)}/task)`}`,
    `max ${f.maxEvents.events} events in one (${f.maxEvents.workflowId})`,
    `max input ${formatBytes(f.maxInput?.bytes ?? 0)}`,
    `max result ${formatBytes(f.maxResult?.bytes ?? 0)}`,
    `max failure ${formatBytes(f.maxFailure?.bytes ?? 0)}`,
    `largest payload ${formatBytes(f.largestPayload?.bytes ?? 0)}${f.largestPayload ? ` (${f.largestPayload.eventType} in ${f.largestPayload.workflowId})` : ''}`,
  ].join(', ');
}
