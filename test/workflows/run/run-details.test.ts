import { describe, expect, it } from 'vitest';
import type { TaskState } from '../../../workflows/definitions.js';
import { MAX_LISTED, ProgressDetails } from '../../../workflows/run/run-details.js';

const pending: TaskState = { status: 'pending', attempts: 0, exitCode: null, node: null };
const heading = { noun: 'task', title: 'Run `r1` of **etl**' };

/** A details view over `n` pending tasks `t0`…, recording every text it shows. */
function makeDetails(n: number) {
  const shown: string[] = [];
  const tasks = new Map<string, TaskState>(Array.from({ length: n }, (_, i) => [`t${i}`, pending]));
  const details = new ProgressDetails(heading, tasks, (text) => shown.push(text));
  const set = (id: string, patch: Partial<TaskState>) => {
    const before = tasks.get(id)!;
    const after = { ...before, ...patch };
    tasks.set(id, after);
    details.note(id, before, after);
  };
  return { details, set, shown, last: () => shown.at(-1)! };
}

const tick = () => new Promise<void>((resolve) => setTimeout(resolve, 0));

describe('ProgressDetails', () => {
  it('shows the counts by status, the running tasks with their node and the failures with their log tail', async () => {
    const { set, last } = makeDetails(4);
    set('t0', { status: 'succeeded', attempts: 1, exitCode: 0, node: 'n1' });
    set('t1', { status: 'running', attempts: 1, node: 'n2' });
    set('t2', {
      status: 'failed',
      attempts: 2,
      exitCode: 3,
      node: 'n1',
      failureType: 'NonRetryableExitCode',
      error: 'container exited with code 3\nmore',
      logTail: 'starting\nreading `input`\ndisk full on /data\n',
    });
    await tick();
    expect(last()).toBe(
      [
        'Run `r1` of **etl**',
        '',
        '**running** · 4 task(s): 1 succeeded, 1 failed, 1 running, 1 pending',
        '',
        '**Running** (1)',
        '',
        '- `t1` on node `n2`',
        '',
        '**Failed** (1)',
        '',
        '- `t2` node `n1` · exit 3 · 2 attempt(s) · NonRetryableExitCode: container exited with code 3',
        '',
        '```',
        'starting',
        "reading 'input'",
        'disk full on /data',
        '```',
        '',
      ].join('\n'),
    );
  });

  it('rebuilds its text once for all the changes of one activation', async () => {
    const { set, shown } = makeDetails(3);
    const before = shown.length;
    set('t0', { status: 'queued' });
    set('t0', { status: 'running', node: 'n1' });
    set('t1', { status: 'running', node: 'n1' });
    expect(shown.length).toBe(before);
    await tick();
    expect(shown.length).toBe(before + 1);
  });

  it(`names at most ${MAX_LISTED} running tasks and says how many more there are`, async () => {
    const { set, last } = makeDetails(2_000);
    for (let i = 0; i < 1_500; i += 1) set(`t${i}`, { status: 'running', node: 'n1' });
    for (let i = 0; i < 3; i += 1) set(`t${i}`, { status: 'succeeded' });
    await tick();
    const text = last();
    expect(text).toContain('2000 task(s): 3 succeeded, 1497 running, 500 pending');
    expect(text).toContain('**Running** (1497)');
    expect(text).toContain('- `t3` on node `n1`');
    expect(text).not.toContain('`t2`');
    expect(text).toContain(`- … and ${1497 - MAX_LISTED} more`);
  });

  it('shows a foreach task by its items and a sub-pipeline task by its child run', async () => {
    const { set, last } = makeDetails(2);
    set('t0', {
      status: 'running',
      foreach: {
        total: 300,
        succeeded: 40,
        cached: 0,
        failed: 2,
        cancelled: 0,
        slicesStarted: 3,
        slicesDone: 0,
      },
    });
    set('t1', { status: 'running', childRunId: 'r1--t1' });
    await tick();
    expect(last()).toContain('- `t0` foreach: 42/300 items done, 2 failed (3 slice(s) started)');
    expect(last()).toContain('- `t1` sub-pipeline run `r1--t1`');
  });

  it("says the workflow's end at once", () => {
    const { details, set, last } = makeDetails(1);
    set('t0', { status: 'succeeded' });
    details.finish('succeeded');
    expect(last()).toContain('**succeeded** · 1 task(s): 1 succeeded');
    expect(last()).not.toContain('**Running**');
  });
});
