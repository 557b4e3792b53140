import { describe, expect, it } from 'vitest';
import { formatRunSummary, toJsonResult } from '../../cli/format.js';
import { describeTask } from '../../cli/progress.js';
import type { ItemSummary, RunSummary, TaskSummary } from '../../engine/run-summary.js';
import type { ForeachProgress } from '../../workflows/definitions.js';

const digest = `sha256:${'ab'.repeat(32)}`;

function makeTask(overrides: Partial<TaskSummary> = {}): TaskSummary {
  return {
    status: 'succeeded',
    attempts: 1,
    platformRetries: 0,
    exitCode: 0,
    node: 'n1',
    outputs: {},
    artifacts: {},
    ...overrides,
  };
}

function makeItem(index: number, overrides: Partial<ItemSummary> = {}): ItemSummary {
  return {
    index,
    status: 'succeeded',
    attempts: 1,
    platformRetries: 0,
    exitCode: 0,
    node: 'n1',
    outputs: {},
    artifacts: {},
    ...overrides,
  };
}

function makeForeach(overrides: Partial<ForeachProgress> = {}): ForeachProgress {
  return {
    total: 3,
    succeeded: 3,
    cached: 0,
    failed: 0,
    cancelled: 0,
    slicesStarted: 1,
    slicesDone: 1,
    ...overrides,
  };
}

function makeSummary(tasks: Record<string, TaskSummary>, overrides: Partial<RunSummary> = {}): RunSummary {
  return {
    runId: 'p-2',
    pipeline: 'p',
    status: 'succeeded',
    startedAt: 1_000,
    finishedAt: 3_000,
    tasks,
    problems: [],
    ...overrides,
  };
}

const summary = makeSummary({
  prep: makeTask({ status: 'cached', attempts: 0, exitCode: null, node: null, cachedFrom: 'p-1' }),
  each: makeTask({
    attempts: 0,
    exitCode: null,
    node: null,
    outputs: { v: '["x","y",null]' },
    foreach: makeForeach({ succeeded: 1, cached: 1, failed: 1 }),
    items: [
      makeItem(0, { outputs: { v: 'x' }, artifacts: { out: { digest, sizeBytes: 2048 } } }),
      makeItem(1, { status: 'cached', cachedFrom: 'p-1', outputs: { v: 'y' } }),
      makeItem(2, { status: 'failed', exitCode: 3, attempts: 2, error: 'item 2 exited with code 3' }),
    ],
  }),
  report: makeTask({
    outputs: { text: 'line one\nline two ' + 'z'.repeat(80) },
    artifacts: { html: { digest, sizeBytes: 1_572_864 } },
  }),
});

describe('the --json summary', () => {
  it('has each task with its outputs, artifacts when it has some, and the run a cached result came from', () => {
    const json = toJsonResult(summary);
    expect(json.tasks['prep']).toEqual({
      status: 'cached',
      attempts: 0,
      platformRetries: 0,
      exitCode: null,
      node: null,
      outputs: {},
      cachedFrom: 'p-1',
    });
    expect(json.tasks['report']).toEqual({
      status: 'succeeded',
      attempts: 1,
      platformRetries: 0,
      exitCode: 0,
      node: 'n1',
      outputs: { text: 'line one\nline two ' + 'z'.repeat(80) },
      artifacts: { html: { digest, sizeBytes: 1_572_864 } },
    });
  });

  it("counts the platform's re-runs apart from the user's attempts, in JSON and in the table", () => {
    const run: RunSummary = {
      ...summary,
      tasks: { train: makeTask({ attempts: 1, platformRetries: 2 }) },
    };
    expect(toJsonResult(run).tasks['train']).toMatchObject({ attempts: 1, platformRetries: 2 });
    expect(formatRunSummary(run)).toMatch(/train\s+succeeded\s+1\s+0\s+n1\s+2 platform retries/);
  });

  it('follows a foreach task with one entry per item, ID[index]', () => {
    const json = toJsonResult(summary);
    expect(Object.keys(json.tasks)).toEqual(['prep', 'each', 'each[0]', 'each[1]', 'each[2]', 'report']);
    expect(json.tasks['each']).toEqual({
      status: 'succeeded',
      attempts: 0,
      platformRetries: 0,
      exitCode: null,
      node: null,
      outputs: { v: '["x","y",null]' },
    });
    expect(json.tasks['each[0]']).toEqual({
      status: 'succeeded',
      attempts: 1,
      platformRetries: 0,
      exitCode: 0,
      node: 'n1',
      outputs: { v: 'x' },
      artifacts: { out: { digest, sizeBytes: 2048 } },
    });
    expect(json.tasks['each[1]']).toMatchObject({ status: 'cached', cachedFrom: 'p-1' });
    expect(json.tasks['each[2]']).toEqual({
      status: 'failed',
      attempts: 2,
      platformRetries: 0,
      exitCode: 3,
      node: 'n1',
      error: 'item 2 exited with code 3',
      outputs: {},
    });
  });
});

describe('the text summary', () => {
  it('notes cached tasks and foreach counts, lists items, failures and a short OUTPUTS section', () => {
    expect(formatRunSummary(summary)).toBe(
      [
        'run p-2: succeeded in 2.0s',
        'TASK       STATUS     ATTEMPTS  EXIT  NODE  NOTE',
        'prep       cached     0         -     -     cached from p-1',
        'each       succeeded  0         -     -     2/3 items, 1 cached, 1 failed',
        '  each[0]  succeeded  1         0     n1',
        '  each[1]  cached     1         0     n1    cached from p-1',
        '  each[2]  failed     2         3     n1',
        'report     succeeded  1         0     n1',
        '',
        'each[2]: item 2 exited with code 3',
        '',
        'OUTPUTS',
        '  each.outputs.v         ["x","y",null]',
        `  report.outputs.text    line one\\nline two ${'z'.repeat(40)}…`,
        `  report.artifacts.html  sha256:abababababab… (1.5 MiB)`,
      ].join('\n'),
    );
  });

  it('shows at most 20 items of a foreach task, failed ones first, and counts the rest', () => {
    const items = Array.from({ length: 30 }, (_, i) =>
      makeItem(i, i === 25 ? { status: 'failed', exitCode: 1, error: 'boom' } : {}),
    );
    const text = formatRunSummary(
      makeSummary({
        fan: makeTask({ foreach: makeForeach({ total: 30, succeeded: 29, failed: 1 }), items }),
      }),
    );
    const itemRows = text.split('\n').filter((l) => l.startsWith('  fan['));
    expect(itemRows).toHaveLength(20);
    expect(itemRows.map((l) => l.trim().split(' ')[0])).toEqual([
      ...Array.from({ length: 19 }, (_, i) => `fan[${i}]`),
      'fan[25]',
    ]);
    expect(text).toContain('\n  … and 10 more items\n');
    expect(text).toContain('\nfan        succeeded  1         0     n1    29/30 items, 1 failed\n');
  });

  it('lists what the store could not give as warnings', () => {
    const text = formatRunSummary(
      makeSummary({ a: makeTask() }, { problems: [`value ${digest} could not be read: gone`] }),
    );
    expect(text.split('\n').at(-1)).toBe(`warning: value ${digest} could not be read: gone`);
  });
});

describe('progress lines', () => {
  it('shows the run a cached task came from', () => {
    expect(
      describeTask(
        'prep',
        { status: 'cached', attempts: 0, exitCode: null, node: null, cachedFrom: 'p-1' },
        undefined,
        0,
      ),
    ).toBe('prep: cached from p-1');
  });

  it("shows a foreach task's finished items, and its failed ones when there are any", () => {
    const running = { status: 'running', attempts: 0, exitCode: null, node: null } as const;
    expect(
      describeTask(
        'fan',
        { ...running, foreach: makeForeach({ total: 10, succeeded: 4, cached: 2 }) },
        undefined,
        0,
      ),
    ).toBe('fan: running items 6/10');
    expect(
      describeTask(
        'fan',
        { ...running, foreach: makeForeach({ total: 10, succeeded: 4, failed: 2 }) },
        undefined,
        0,
      ),
    ).toBe('fan: running items 6/10 (failed 2)');
  });
});
