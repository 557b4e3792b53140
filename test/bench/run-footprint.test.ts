import proto, { type temporal } from '@temporalio/proto';
import { describe, expect, it } from 'vitest';
import {
  aggregateFootprint,
  executionFootprint,
  failureBytes,
  formatBytes,
  payloadBytes,
  payloadsBytes,
} from '../../bench/lib/run-footprint.js';

const E = proto.temporal.api.enums.v1.EventType;
type Event = temporal.api.history.v1.IHistoryEvent;

const json = (value: unknown): temporal.api.common.v1.IPayload => ({
  metadata: { encoding: new TextEncoder().encode('json/plain') },
  data: new TextEncoder().encode(JSON.stringify(value)),
});
const blob = (bytes: number) => json('x'.repeat(bytes));

let nextId = 1;
// Plain objects as the decoder's would be; ids and times are numbers here, Longs from the server.
const event = (eventType: temporal.api.enums.v1.EventType, attributes: object): Event =>
  ({ eventId: nextId++, eventType, ...attributes }) as unknown as Event;

const started = (input: number, firstExecutionRunId = 'r1') =>
  event(E.EVENT_TYPE_WORKFLOW_EXECUTION_STARTED, {
    workflowExecutionStartedEventAttributes: {
      workflowType: { name: 'runPipeline' },
      firstExecutionRunId,
      input: { payloads: [blob(input)] },
    },
  });
const activityDone = (result: number, type = 'runContainer') => [
  event(E.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED, {
    activityTaskScheduledEventAttributes: { activityType: { name: type } },
  }),
  event(E.EVENT_TYPE_ACTIVITY_TASK_COMPLETED, {
    activityTaskCompletedEventAttributes: {
      scheduledEventId: nextId - 1,
      result: { payloads: [blob(result)] },
    },
  }),
];

describe('payload sizes', () => {
  it('counts a payload as its encoded data and metadata', () => {
    const p = json('abc');
    // data "\"abc\"" (5) + metadata entry "encoding" → "json/plain", each with proto framing.
    expect(payloadBytes(p)).toBe(proto.temporal.api.common.v1.Payload.encode(p).finish().length);
    expect(payloadBytes(p)).toBeGreaterThan(5 + 'encoding'.length + 'json/plain'.length);
    expect(payloadBytes(blob(1000))).toBeGreaterThan(payloadBytes(blob(10)) + 980);
  });

  it('sums every argument of a Payloads and counts a failure with its details and causes', () => {
    expect(payloadsBytes({ payloads: [blob(100), blob(100)] })).toBeGreaterThan(2 * 100);
    expect(payloadsBytes(undefined)).toBe(0);
    const small = failureBytes({ message: 'boom' });
    const withDetails = failureBytes({
      message: 'boom',
      applicationFailureInfo: { type: 'X', details: { payloads: [blob(5000)] } },
      cause: { message: 'inner' },
    });
    expect(withDetails - small).toBeGreaterThan(5000);
    expect(failureBytes(null)).toBe(0);
  });

  it('formats bytes for reports', () => {
    expect([formatBytes(812), formatBytes(14_540), formatBytes(2_000_000), formatBytes(undefined)]).toEqual([
      '812 B',
      '14.2 KiB',
      '1.9 MiB',
      '–',
    ]);
  });
});

describe('executionFootprint', () => {
  it('reports input, result, the largest payload anywhere and the children started', () => {
    const f = executionFootprint('wf', 'r1', [
      started(3000),
      ...activityDone(20_000),
      event(E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, {
        startChildWorkflowExecutionInitiatedEventAttributes: { workflowId: 'wf/slice-0' },
      }),
      event(E.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED, {
        startChildWorkflowExecutionInitiatedEventAttributes: { workflowId: 'wf/slice-1' },
      }),
      event(E.EVENT_TYPE_CHILD_WORKFLOW_EXECUTION_STARTED, {
        childWorkflowExecutionStartedEventAttributes: {
          workflowExecution: { workflowId: 'wf/slice-0', runId: 'c1' },
        },
      }),
      event(E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, {
        workflowExecutionCompletedEventAttributes: { result: { payloads: [blob(500)] } },
      }),
    ]);
    expect(f).toMatchObject({
      workflowType: 'runPipeline',
      status: 'completed',
      events: 7,
      activitiesCompleted: 1,
      activitiesCompletedByType: { runContainer: 1 },
      failureBytes: 0,
      firstExecutionRunId: 'r1',
      continuedAsNewRunId: undefined,
      children: [{ workflowId: 'wf/slice-0', runId: 'c1' }],
      childrenNotStarted: ['wf/slice-1'],
    });
    expect(f.inputBytes).toBeGreaterThan(3000);
    expect(f.inputBytes).toBeLessThan(3100);
    expect(f.resultBytes).toBeGreaterThan(500);
    expect(f.resultBytes).toBeLessThan(600);
    expect(f.largestPayload).toMatchObject({
      workflowId: 'wf',
      runId: 'r1',
      eventType: 'ACTIVITY_TASK_COMPLETED',
    });
    expect(f.largestPayload!.bytes).toBeGreaterThan(20_000);
    expect(f.historyBytes).toBeGreaterThan(3000 + 20_000 + 500);
  });

  it('takes the larger of the started and continued-as-new inputs, and the failure with its details', () => {
    const can = executionFootprint('wf', 'r1', [
      started(100),
      event(E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, {
        workflowExecutionContinuedAsNewEventAttributes: {
          newExecutionRunId: 'r2',
          input: { payloads: [blob(9000)] },
        },
      }),
    ]);
    expect(can.status).toBe('continuedAsNew');
    expect(can.continuedAsNewRunId).toBe('r2');
    expect(can.inputBytes).toBeGreaterThan(9000);

    const failed = executionFootprint('wf', 'r2', [
      started(9000),
      event(E.EVENT_TYPE_WORKFLOW_EXECUTION_FAILED, {
        workflowExecutionFailedEventAttributes: {
          failure: {
            message: 'run failed',
            applicationFailureInfo: { details: { payloads: [blob(40_000)] } },
          },
        },
      }),
    ]);
    expect(failed.status).toBe('failed');
    expect(failed.failureBytes).toBeGreaterThan(40_000);
    expect(failed.resultBytes).toBe(0);
  });

  it('leaves an execution without a close event open', () => {
    expect(executionFootprint('wf', 'r1', [started(10)]).status).toBe('open');
  });
});

describe('aggregateFootprint', () => {
  it('sums events and finds each maximum with the execution it came from', () => {
    const parent = executionFootprint('wf', 'r1', [
      started(100),
      ...activityDone(10),
      ...activityDone(10, 'loadValues'),
    ]);
    const child = executionFootprint('wf/slice-0', 'c1', [
      started(5000, 'c1'),
      event(E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, {
        workflowExecutionCompletedEventAttributes: { result: { payloads: [blob(300)] } },
      }),
    ]);
    const f = aggregateFootprint('wf', [parent, child], 10);
    expect(f).toMatchObject({
      executionCount: 2,
      totalEvents: 7,
      activitiesCompleted: 2,
      activitiesCompletedByType: { runContainer: 1, loadValues: 1 },
      eventsPerTask: 0.7,
      maxEvents: { events: 5, workflowId: 'wf', runId: 'r1' },
      maxInput: { workflowId: 'wf/slice-0', eventType: 'input' },
      maxResult: { workflowId: 'wf/slice-0', eventType: 'result' },
      maxFailure: undefined,
      largestPayload: { workflowId: 'wf/slice-0', eventType: 'WORKFLOW_EXECUTION_STARTED' },
    });
    expect(f.maxHistoryBytes).toBe(Math.max(parent.historyBytes, child.historyBytes));
  });

  it('spans the run from its first execution start to its last execution close', () => {
    const at = (seconds: number) => ({ eventTime: { seconds, nanos: 500_000_000 } }) as unknown as Event;
    const first = executionFootprint('wf', 'r1', [
      { ...started(10), ...at(100) },
      event(E.EVENT_TYPE_WORKFLOW_EXECUTION_CONTINUED_AS_NEW, {
        ...at(150),
        workflowExecutionContinuedAsNewEventAttributes: { newExecutionRunId: 'r2' },
      }),
    ]);
    const child = executionFootprint('wf/slice-0', 'c1', [{ ...started(10, 'c1'), ...at(120) }]);
    const second = executionFootprint('wf', 'r2', [
      { ...started(10), ...at(150) },
      event(E.EVENT_TYPE_WORKFLOW_EXECUTION_COMPLETED, { ...at(172) }),
    ]);
    expect(first).toMatchObject({ startedAtMs: 100_500, closedAtMs: 150_500 });
    expect(child.closedAtMs).toBeUndefined();
    expect(aggregateFootprint('wf', [first, child, second]).spanMs).toBe(72_000);
    expect(aggregateFootprint('wf', [first, child]).spanMs).toBeUndefined();
  });

  it('gives no events per task without a task count', () => {
    expect(aggregateFootprint('wf', []).eventsPerTask).toBeUndefined();
    expect(aggregateFootprint('wf', []).maxEvents.events).toBe(0);
  });
});
