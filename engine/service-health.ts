/**
 * Is a workflow (the cluster service, a run) making progress? Temporal knows when a workflow task keeps
 * failing: the pending task's attempt count (DescribeWorkflowExecution), the `TemporalReportedProblems`
 * search attribute, and the last WorkflowTaskFailed event in the history, which names the cause. The facts
 * are read here and judged by a pure function.
 */
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import { defineSearchAttributeKey } from '@temporalio/common';
import proto from '@temporalio/proto';
import { clusterWorkflowId } from '../common/names.js';
import {
  ClusterQueryFailedError,
  ClusterServiceStuckError,
  ClusterUnavailableError,
  type WorkflowTaskProblem,
} from './errors.js';
import { hasPollers } from './pollers.js';

export type WorkflowHealth =
  | { readonly kind: 'missing' }
  | { readonly kind: 'closed'; readonly status: string; readonly taskQueue: string }
  | { readonly kind: 'running'; readonly taskQueue: string }
  | { readonly kind: 'stuck'; readonly taskQueue: string; readonly problem: WorkflowTaskProblem };

/** The last workflow-task failure or timeout since the last completed workflow task. */
export type TaskProblemEvent =
  | { readonly kind: 'failed'; readonly cause: string; readonly message: string }
  | { readonly kind: 'timedOut'; readonly timeoutType: string };

export interface WorkflowFacts {
  /** As the client names it: RUNNING, TERMINATED, FAILED, TIMED_OUT, … */
  readonly status: string;
  readonly taskQueue: string;
  /** Attempt of the pending workflow task; absent when none is pending. */
  readonly pendingTaskAttempt?: number;
  /** Values of `TemporalReportedProblems`, e.g. `category=WorkflowTaskFailed`. */
  readonly reportedProblems: readonly string[];
  readonly lastTaskProblem?: TaskProblemEvent;
}

const OPEN_STATUSES: ReadonlySet<string> = new Set(['RUNNING', 'PAUSED', 'UNSPECIFIED', 'UNKNOWN']);
// Failures the server causes in the normal course (a signal arrived while the task ran, a sticky queue was
// reset): the next attempt succeeds, so they say nothing about the workflow.
const ROUTINE_CAUSES: ReadonlySet<string> = new Set(['UnhandledCommand', 'ResetStickyTaskQueue']);
// A second attempt after a real failure is already a repeat; a lone timeout is usually a worker that went
// away mid-task, so timeouts need one more.
const MIN_ATTEMPTS_AFTER_FAILURE = 2;
const MIN_ATTEMPTS_AFTER_TIMEOUT = 3;
const MAX_MESSAGE_LENGTH = 240;

/** `WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR` → `NonDeterministicError`. */
export function pascalCaseOf(enumName: string, prefix: string): string {
  return enumName
    .replace(prefix, '')
    .toLowerCase()
    .split('_')
    .filter(Boolean)
    .map((word) => word[0]!.toUpperCase() + word.slice(1))
    .join('');
}

/** Collapses a failure message to one line, shortened to what fits on a terminal line or two. */
export function oneLine(message: string): string {
  const line = message.replace(/\s+/g, ' ').trim();
  return line.length > MAX_MESSAGE_LENGTH ? `${line.slice(0, MAX_MESSAGE_LENGTH - 1)}…` : line;
}

/** Judges the facts: stuck when Temporal reports a problem or the workflow task keeps failing. */
export function judgeWorkflowHealth(facts: WorkflowFacts): WorkflowHealth {
  const { taskQueue } = facts;
  if (!OPEN_STATUSES.has(facts.status)) return { kind: 'closed', status: facts.status, taskQueue };
  const attempts = facts.pendingTaskAttempt ?? 0;
  const reported = facts.reportedProblems.filter((p) => p.startsWith('category=WorkflowTask'));
  const last = facts.lastTaskProblem;
  const isRepeatedFailure =
    last?.kind === 'failed' && !ROUTINE_CAUSES.has(last.cause) && attempts >= MIN_ATTEMPTS_AFTER_FAILURE;
  const isRepeatedTimeout = last?.kind === 'timedOut' && attempts >= MIN_ATTEMPTS_AFTER_TIMEOUT;
  if (!isRepeatedFailure && !isRepeatedTimeout && reported.length === 0)
    return { kind: 'running', taskQueue };
  if (last?.kind === 'failed')
    return {
      kind: 'stuck',
      taskQueue,
      problem: { cause: last.cause, message: oneLine(last.message), attempts },
    };
  if (last?.kind === 'timedOut') {
    return {
      kind: 'stuck',
      taskQueue,
      problem: {
        cause: 'WorkflowTaskTimedOut',
        message: `no worker completed it within its ${last.timeoutType} timeout`,
        attempts,
      },
    };
  }
  // Only the search attribute knows: `cause=WorkflowTaskFailedCauseNonDeterministicError` or the category.
  const cause = facts.reportedProblems.find((p) => p.startsWith('cause='))?.slice('cause='.length);
  return {
    kind: 'stuck',
    taskQueue,
    problem: {
      cause: cause?.replace(/^WorkflowTaskFailedCause/, '') ?? reported[0]!.slice('category='.length),
      message: '',
      attempts,
    },
  };
}

const REPORTED_PROBLEMS = defineSearchAttributeKey('TemporalReportedProblems', 'KEYWORD_LIST');
const HISTORY_PAGES_SCANNED = 3;

/** Reads what Temporal knows about the workflow's latest execution and judges it. */
export async function workflowHealth(client: Client, workflowId: string): Promise<WorkflowHealth> {
  let description;
  try {
    description = await client.workflow.getHandle(workflowId).describe();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return { kind: 'missing' };
    throw err;
  }
  const reportedProblems = description.typedSearchAttributes.get(REPORTED_PROBLEMS) ?? [];
  const pendingTaskAttempt = description.raw.pendingWorkflowTask?.attempt ?? undefined;
  const facts: WorkflowFacts = {
    status: description.status.name,
    taskQueue: description.taskQueue,
    ...(pendingTaskAttempt ? { pendingTaskAttempt } : {}),
    reportedProblems,
  };
  const mayBeStuck = (pendingTaskAttempt ?? 0) >= MIN_ATTEMPTS_AFTER_FAILURE || reportedProblems.length > 0;
  if (facts.status !== 'RUNNING' || !mayBeStuck) return judgeWorkflowHealth(facts);
  const lastTaskProblem = await lastWorkflowTaskProblem(client, workflowId, description.runId);
  return judgeWorkflowHealth({ ...facts, ...(lastTaskProblem ? { lastTaskProblem } : {}) });
}

/** The newest WorkflowTaskFailed or WorkflowTaskTimedOut event after the last completed workflow task. */
async function lastWorkflowTaskProblem(
  client: Client,
  workflowId: string,
  runId: string,
): Promise<TaskProblemEvent | undefined> {
  const { EventType, WorkflowTaskFailedCause, TimeoutType } = proto.temporal.api.enums.v1;
  let nextPageToken: Uint8Array | undefined;
  for (let page = 0; page < HISTORY_PAGES_SCANNED; page++) {
    const response = await client.workflowService.getWorkflowExecutionHistoryReverse({
      namespace: client.options.namespace,
      execution: { workflowId, runId },
      maximumPageSize: 100,
      ...(nextPageToken ? { nextPageToken } : {}),
    });
    for (const event of response.history?.events ?? []) {
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_COMPLETED) return undefined;
      const failed = event.workflowTaskFailedEventAttributes;
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_FAILED && failed) {
        return {
          kind: 'failed',
          cause: pascalCaseOf(
            WorkflowTaskFailedCause[failed.cause ?? 0] ?? 'UNSPECIFIED',
            'WORKFLOW_TASK_FAILED_CAUSE_',
          ),
          message: failed.failure?.message ?? '',
        };
      }
      const timedOut = event.workflowTaskTimedOutEventAttributes;
      if (event.eventType === EventType.EVENT_TYPE_WORKFLOW_TASK_TIMED_OUT && timedOut) {
        return {
          kind: 'timedOut',
          timeoutType: pascalCaseOf(TimeoutType[timedOut.timeoutType ?? 0] ?? 'UNSPECIFIED', 'TIMEOUT_TYPE_'),
        };
      }
    }
    if (!response.nextPageToken?.length) return undefined;
    nextPageToken = response.nextPageToken;
  }
  return undefined;
}

/**
 * Turns a failed query to the cluster service into the error that says why: the service is stuck, no
 * control worker polls its queue, or (neither) the query's own failure.
 */
export async function explainClusterQueryFailure(
  client: Client,
  clusterName: string,
  err: unknown,
): Promise<Error> {
  const health = await workflowHealth(client, clusterWorkflowId(clusterName)).catch(() => undefined);
  if (health?.kind === 'stuck')
    return new ClusterServiceStuckError(clusterName, health.problem, { cause: err });
  if (health && health.kind !== 'missing') {
    const isServed = await hasPollers(client, client.options.namespace, health.taskQueue, true).catch(
      () => true,
    );
    if (!isServed) return new ClusterUnavailableError(clusterName, { cause: err });
  }
  return new ClusterQueryFailedError(clusterName, oneLine(causeMessage(err)), { cause: err });
}

function causeMessage(err: unknown): string {
  const inner = (err as { cause?: unknown } | undefined)?.cause;
  if (inner instanceof Error && inner.message !== '') return inner.message;
  return err instanceof Error ? err.message : String(err);
}
