import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

// Each middle task announces itself, then waits for the other: they only both succeed if they overlap.
const rendezvous = (me: string, other: string) =>
  `touch /workspace/${me}.started; i=0; while [ ! -f /workspace/${other}.started ]; do i=$((i+1)); [ $i -gt 200 ] && exit 9; sleep 0.1; done; cat /workspace/a.out > /workspace/${me}.out`;

describe('a diamond pipeline', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('dag', [
      { id: 'n1', cpu: 1, memoryMiB: 512 },
      { id: 'n2', cpu: 1, memoryMiB: 512 },
    ]);
  });
  afterAll(() => cluster.stop());

  it('runs the middle tasks in parallel and passes files through the run workspace', async () => {
    const result = await cluster.run({
      name: 'diamond',
      tasks: [
        shTask('a', 'echo from-a > /workspace/a.out'),
        shTask('b', rendezvous('b', 'c'), { dependsOn: ['a'] }),
        shTask('c', rendezvous('c', 'b'), { dependsOn: ['a'] }),
        shTask('d', 'test "$(cat /workspace/b.out /workspace/c.out)" = "$(printf "from-a\\nfrom-a")"', {
          dependsOn: ['b', 'c'],
        }),
      ],
    });
    expect(result.status).toBe('succeeded');
    for (const id of ['a', 'b', 'c', 'd']) {
      expect(result.tasks[id]).toMatchObject({ status: 'succeeded', attempts: 1, exitCode: 0 });
      expect(['n1', 'n2']).toContain(result.tasks[id]!.node);
    }
  });

  it('skips everything downstream of a task that failed for good and fails the run', async () => {
    const result = await cluster.run({
      name: 'broken-diamond',
      tasks: [
        shTask('a', 'true'),
        shTask('b', 'exit 4', { dependsOn: ['a'] }),
        shTask('c', 'true', { dependsOn: ['a'] }),
        shTask('d', 'true', { dependsOn: ['b', 'c'] }),
        shTask('e', 'true', { dependsOn: ['d'] }),
      ],
    });
    expect(result.status).toBe('failed');
    expect(result.tasks['b']).toMatchObject({ status: 'failed', exitCode: 4, attempts: 1 });
    expect(result.tasks['c']!.status).toBe('succeeded');
    expect(result.tasks['d']).toMatchObject({
      status: 'skipped',
      error: 'skipped: upstream task "b" failed',
    });
    expect(result.tasks['e']!.status).toBe('skipped');
  });

  it('runs the same task twice across runs without name clashes', async () => {
    const pipeline = { name: 'twice', tasks: [shTask('only', 'echo $GANTRY_RUN_ID')] };
    const [first, second] = await Promise.all([cluster.run(pipeline), cluster.run(pipeline)]);
    expect(first.status).toBe('succeeded');
    expect(second.status).toBe('succeeded');
    expect(first.runId).not.toBe(second.runId);
  });
});
