import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { cliEnv, runGantry, terminateCluster } from './cli-harness.js';

// Its own cluster and queue, so the background worker never competes with another file's workers.
const env = cliEnv('cli-bg');
const gantry = (...args: string[]) => runGantry(env, ...args);

describe('the background worker', () => {
  afterAll(async () => {
    await gantry('worker', '--stop');
    await terminateCluster(env.GANTRY_CLUSTER);
  });

  it('serves detached runs after `worker --detach` returns, until `worker --stop`', async () => {
    const started = await gantry('worker', '--detach');
    expect(started.code).toBe(0);
    expect(started.stderr).toContain('background worker started');
    const pid = Number(/pid (\d+)/.exec(started.stderr)?.[1]);
    expect(() => process.kill(pid, 0)).not.toThrow();
    expect((await gantry('worker', '--detach')).stderr).toContain(
      `a background worker already runs (pid ${pid})`,
    );

    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'gantry-cli-bg-')), 'background.yaml');
    await writeFile(
      file,
      'name: cli-background\ntasks:\n  - { id: t, image: gantry/busybox, command: [echo, hi] }\n',
    );
    const detached = await gantry('run', file, '--detach', '--json');
    expect(detached.code).toBe(0);
    // Workers the run command would have embedded would have died with it: the daemon did the work.
    expect(detached.stderr).not.toContain('workers in this process');
    const { runId } = JSON.parse(detached.stdout) as { runId: string };
    let status: { status: string } = { status: 'running' };
    for (let i = 0; i < 60 && status.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 500));
      status = JSON.parse((await gantry('status', runId, '--json')).stdout) as { status: string };
    }
    expect(status).toMatchObject({ status: 'succeeded', tasks: { t: { status: 'succeeded' } } });

    const stopped = await gantry('worker', '--stop');
    expect(stopped.stderr).toContain(`stopped the background worker (pid ${pid})`);
    expect(() => process.kill(pid, 0)).toThrow();
    expect((await gantry('worker', '--stop')).stderr).toContain('no background worker runs');
  });

  it('reports a worker that cannot start, with what its log says', async () => {
    // A cluster of its own: the one above has no control worker any more, so asking it would time out.
    const other = cliEnv('cli-bad');
    const failed = await runGantry(other, 'worker', '--detach', '--node', 'nowhere');
    await terminateCluster(other.GANTRY_CLUSTER);
    expect(failed.code).not.toBe(0);
    expect(failed.stderr).toContain('the worker daemon exited with code 2');
    expect(failed.stderr).toContain('--node nowhere: no such node in cluster');
  });
});
