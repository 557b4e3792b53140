import { describe, expect, it } from 'vitest';
import { ClusterServiceStuckError, RunStuckError } from '../../engine/errors.js';
import {
  type WorkflowFacts,
  judgeWorkflowHealth,
  oneLine,
  pascalCaseOf,
} from '../../engine/service-health.js';

const NONDETERMINISM =
  '[TMPRL1100] Nondeterminism error: No command scheduled for event HistoryEvent(id: 12, SignalExternalWorkflowExecutionInitiated)';

function facts(overrides: Partial<WorkflowFacts> = {}): WorkflowFacts {
  return { status: 'RUNNING', taskQueue: 'gantry-control', reportedProblems: [], ...overrides };
}

describe('judgeWorkflowHealth', () => {
  it.each([
    ['no workflow task is pending', {}],
    ['the first attempt is pending', { pendingTaskAttempt: 1 }],
    [
      'the last failure is a routine one (a signal arrived while the task ran)',
      {
        pendingTaskAttempt: 2,
        lastTaskProblem: { kind: 'failed', cause: 'UnhandledCommand', message: '' },
      },
    ],
    [
      'a single timeout (a worker went away mid-task)',
      { pendingTaskAttempt: 2, lastTaskProblem: { kind: 'timedOut', timeoutType: 'StartToClose' } },
    ],
    ['an attempt count with no failure since the last completed task', { pendingTaskAttempt: 2 }],
  ] as const)('calls a workflow running when %s', (_, overrides) => {
    expect(judgeWorkflowHealth(facts(overrides))).toEqual({ kind: 'running', taskQueue: 'gantry-control' });
  });

  it('calls a workflow stuck when its task failed and is being retried, naming the cause', () => {
    const health = judgeWorkflowHealth(
      facts({
        pendingTaskAttempt: 2,
        lastTaskProblem: { kind: 'failed', cause: 'NonDeterministicError', message: NONDETERMINISM },
      }),
    );
    expect(health).toEqual({
      kind: 'stuck',
      taskQueue: 'gantry-control',
      problem: { cause: 'NonDeterministicError', message: NONDETERMINISM, attempts: 2 },
    });
  });

  it('calls a workflow stuck after repeated timeouts', () => {
    const health = judgeWorkflowHealth(
      facts({ pendingTaskAttempt: 3, lastTaskProblem: { kind: 'timedOut', timeoutType: 'StartToClose' } }),
    );
    expect(health).toMatchObject({
      kind: 'stuck',
      problem: {
        cause: 'WorkflowTaskTimedOut',
        message: 'no worker completed it within its StartToClose timeout',
        attempts: 3,
      },
    });
  });

  it('believes TemporalReportedProblems even without the history, taking the cause from it', () => {
    const health = judgeWorkflowHealth(
      facts({
        pendingTaskAttempt: 1,
        reportedProblems: [
          'category=WorkflowTaskFailed',
          'cause=WorkflowTaskFailedCauseNonDeterministicError',
        ],
      }),
    );
    expect(health).toMatchObject({ kind: 'stuck', problem: { cause: 'NonDeterministicError', message: '' } });
  });

  it.each(['TERMINATED', 'FAILED', 'TIMED_OUT', 'COMPLETED', 'CANCELLED'])(
    'calls a %s workflow closed, whatever its last task did',
    (status) => {
      expect(judgeWorkflowHealth(facts({ status, pendingTaskAttempt: 5 }))).toEqual({
        kind: 'closed',
        status,
        taskQueue: 'gantry-control',
      });
    },
  );
});

describe('pascalCaseOf', () => {
  it('names enum values as the Temporal UI does', () => {
    expect(
      pascalCaseOf('WORKFLOW_TASK_FAILED_CAUSE_NON_DETERMINISTIC_ERROR', 'WORKFLOW_TASK_FAILED_CAUSE_'),
    ).toBe('NonDeterministicError');
    expect(pascalCaseOf('TIMEOUT_TYPE_START_TO_CLOSE', 'TIMEOUT_TYPE_')).toBe('StartToClose');
  });
});

describe('oneLine', () => {
  it('folds a multi-line failure into one line', () => {
    expect(oneLine('boom\n    at f (x.ts:1)\n')).toBe('boom at f (x.ts:1)');
  });

  it('shortens a long message with an ellipsis', () => {
    const line = oneLine('x'.repeat(1000));
    expect(line).toHaveLength(240);
    expect(line.endsWith('…')).toBe(true);
  });
});

describe('stuck errors', () => {
  it('say which cluster service is stuck, why, and what to run', () => {
    const error = new ClusterServiceStuckError('default', {
      cause: 'NonDeterministicError',
      message: NONDETERMINISM,
      attempts: 4,
    });
    expect(error.message).toBe(
      `the cluster service "default" is stuck: its workflow task fails (NonDeterministicError: ${NONDETERMINISM}); run \`gantry cluster recover\``,
    );
  });

  it('say which run is stuck and how to end it', () => {
    const error = new RunStuckError('gantry-run-p-1', {
      cause: 'WorkflowWorkerUnhandledFailure',
      message: 'boom',
      attempts: 2,
    });
    expect(error.message).toBe(
      'run "gantry-run-p-1" is stuck: its workflow task fails (WorkflowWorkerUnhandledFailure: boom); end it with `temporal workflow terminate --workflow-id gantry-run-p-1`',
    );
  });
});
