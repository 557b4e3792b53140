import { describe, expect, it } from 'vitest';
import { formatRestart, formatRunSummary, toJsonResult } from '../../cli/format.js';
import type { ClusterRestart } from '../../engine/recover-cluster.js';
import { describeTask } from '../../cli/progress.js';
import type { RunState } from '../../workflows/definitions.js';

const state: RunState = {
  runId: 'p-1',
  pipeline: 'p',
  status: 'failed',
  startedAt: 1_000,
  finishedAt: 13_500,
  dependsOn: { a: [], b: ['a'] },
  tasks: {
    a: {
      status: 'failed',
      attempts: 3,
      exitCode: 7,
      node: 'n1',
      error: 'task "a" exited with code 7',
      logTail: 'line 1\nboom\n',
      startedAt: 1_000,
      finishedAt: 9_000,
    },
    b: {
      status: 'skipped',
      attempts: 0,
      exitCode: null,
      node: null,
      error: 'skipped: upstream task "a" failed',
    },
  },
};

describe('run rendering', () => {
  it('renders the --json contract with status, attempts, exit code and node per task', () => {
    expect(toJsonResult(state)).toEqual({
      status: 'failed',
      runId: 'p-1',
      tasks: {
        a: {
          status: 'failed',
          attempts: 3,
          platformRetries: 0,
          exitCode: 7,
          node: 'n1',
          error: 'task "a" exited with code 7',
          outputs: {},
        },
        b: {
          status: 'skipped',
          attempts: 0,
          platformRetries: 0,
          exitCode: null,
          node: null,
          error: 'skipped: upstream task "a" failed',
          outputs: {},
        },
      },
    });
  });

  it('prints a table and the last output of each failed task', () => {
    expect(formatRunSummary(state)).toBe(
      [
        'run p-1: failed in 12.5s',
        'TASK  STATUS   ATTEMPTS  EXIT  NODE',
        'a     failed   3         7     n1',
        'b     skipped  0         -     -',
        '',
        'a: task "a" exited with code 7',
        '  last output:',
        '    line 1',
        '    boom',
      ].join('\n'),
    );
  });

  it('describes a queued task with the reason the cluster gives', () => {
    expect(
      describeTask(
        't',
        { status: 'queued', attempts: 0, exitCode: null, node: null },
        'needs 4 cpu, the largest node has 2',
        0,
      ),
    ).toBe('t: queued (needs 4 cpu, the largest node has 2)');
  });
});

describe('restart rendering', () => {
  const restart: ClusterRestart = {
    clusterName: 'c1',
    spec: { name: 'c1', nodes: [] },
    specSource: 'history',
    allocations: 2,
    pending: 3,
    runs: 1,
    unanswered: [],
    dropped: [],
    isStartedHere: true,
  };

  it('says what was rebuilt, in one line', () => {
    expect(formatRestart('the cluster service "c1" had ended', restart)).toBe(
      'the cluster service "c1" had ended; restarted it with 2 allocation(s) and 3 pending request(s) from 1 run(s)',
    );
  });

  it('adds what was not counted and where the inventory came from', () => {
    expect(
      formatRestart('x', {
        ...restart,
        specSource: 'fallback',
        unanswered: ['gantry-run-a', 'gantry-run-b'],
        dropped: ['gantry-run-c/t'],
        isStartedHere: false,
      }),
    ).toBe(
      'x; restarted it with 2 allocation(s) and 3 pending request(s) from 1 run(s); another client restarted it first; ' +
        'its history held no inventory, so it has the default one (0 node(s)); ' +
        '2 open run(s) did not answer and their placements are not counted: gantry-run-a, gantry-run-b; ' +
        '1 placement(s) on nodes no longer in the inventory left out',
    );
  });
});
