import { execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../engine/connection.js';
import { loadConfig } from '../../engine/config.js';
import { SearchAttribute, clusterWorkflowId } from '../../common/names.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
// A cluster and control queue of this file's own; the CLI brings up its own in-process workers for them.
const suffix = randomBytes(3).toString('hex');
const env = {
  ...process.env,
  GANTRY_CLUSTER: `cli-${suffix}`,
  GANTRY_CONTROL_TASK_QUEUE: `gantry-test-cli-${suffix}`,
  GANTRY_LOG_DIR: path.join(os.tmpdir(), 'gantry-test-logs'),
};

function gantry(...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return gantryWith(env, ...args);
}

function gantryWith(
  vars: NodeJS.ProcessEnv,
  ...args: string[]
): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(
      'node',
      ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), ...args],
      { env: vars, cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr });
      },
    );
  });
}

let dir: string;
async function pipelineFile(name: string, text: string): Promise<string> {
  const file = path.join(dir, name);
  await writeFile(file, text);
  return file;
}

describe('the gantry CLI', () => {
  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-cli-'));
  });
  afterAll(async () => {
    const client = await connectClient(loadConfig());
    await client.workflow
      .getHandle(clusterWorkflowId(env.GANTRY_CLUSTER))
      .terminate('test finished')
      .catch(() => undefined);
    await client.connection.close();
  });

  it('runs a pipeline with in-process workers, exits 0 and ends with the JSON result', async () => {
    const file = await pipelineFile(
      'ok.yaml',
      `name: cli-ok\ntasks:\n  - id: hello\n    image: gantry/busybox\n    command: ["sh", "-c", "echo hello from gantry"]\n    resources: { cpu: 0.25, memoryMiB: 32 }\n`,
    );
    const { code, stdout, stderr } = await gantry('run', file, '--json');
    expect(stderr).toContain('workers in this process: control, node local');
    expect(code).toBe(0);
    const result = JSON.parse(stdout.trim().split('\n').at(-1)!) as { runId: string };
    expect(result).toMatchObject({
      status: 'succeeded',
      tasks: { hello: { status: 'succeeded', attempts: 1, exitCode: 0, node: 'local' } },
    });
    expect(result.runId).toMatch(/^cli-ok-\d{8}-\d{6}-[0-9a-f]{6}$/);

    const logs = await gantry('logs', result.runId, 'hello');
    expect(logs.code).toBe(0);
    expect(logs.stdout).toBe('hello from gantry\n');

    const status = await gantry('status', result.runId, '--json');
    expect(JSON.parse(status.stdout)).toEqual(result);
  });

  it('serves runs from a long-running `gantry worker`, which stops cleanly on SIGINT', async () => {
    const worker = spawn('node', ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), 'worker'], {
      env,
      cwd: ROOT,
    });
    let stderr = '';
    worker.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const exited = new Promise<number | null>((resolve) => worker.on('exit', resolve));
    try {
      for (let i = 0; i < 150 && !stderr.includes('Ctrl-C stops'); i++)
        await new Promise((r) => setTimeout(r, 200));
      expect(stderr).toContain(
        `gantry worker: serving control (${env.GANTRY_CONTROL_TASK_QUEUE}), node local`,
      );
      const file = await pipelineFile(
        'detached.yaml',
        `name: cli-detached\ntasks:\n  - { id: t, image: gantry/busybox, command: [echo, hi] }\n`,
      );
      const started = await gantry('run', file, '--detach', '--json');
      expect(started.code).toBe(0);
      expect(started.stderr).not.toContain('workers in this process');
      const { runId } = JSON.parse(started.stdout) as { runId: string };
      let status: { status: string } = { status: 'running' };
      for (let i = 0; i < 60 && status.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 500));
        status = JSON.parse((await gantry('status', runId, '--json')).stdout) as { status: string };
      }
      expect(status).toMatchObject({
        status: 'succeeded',
        tasks: { t: { status: 'succeeded', node: 'local' } },
      });
      const cluster = JSON.parse((await gantry('cluster', 'show', '--json')).stdout) as {
        name: string;
        nodes: { id: string }[];
      };
      expect(cluster.name).toBe(env.GANTRY_CLUSTER);
      expect(cluster.nodes.map((n) => n.id)).toEqual(['local']);
    } finally {
      worker.kill('SIGINT');
    }
    expect(await exited).toBe(0);
  });

  it('keeps a background worker with `worker --detach` that serves detached runs, until `worker --stop`', async () => {
    // Its own cluster and queue, so it never competes with the foreground worker of the test above.
    const own = `${env.GANTRY_CLUSTER}-bg`;
    const bg = {
      ...env,
      GANTRY_CLUSTER: own,
      GANTRY_CONTROL_TASK_QUEUE: `${env.GANTRY_CONTROL_TASK_QUEUE}-bg`,
    };
    const run = (...args: string[]) => gantryWith(bg, ...args);
    try {
      const started = await run('worker', '--detach');
      expect(started.code).toBe(0);
      const pid = Number(/pid (\d+)/.exec(started.stderr)?.[1]);
      expect(started.stderr).toContain('background worker started');
      expect((await run('worker', '--detach')).stderr).toContain(
        `a background worker already runs (pid ${pid})`,
      );
      const file = await pipelineFile(
        'background.yaml',
        `name: cli-background\ntasks:\n  - { id: t, image: gantry/busybox, command: [echo, hi] }\n`,
      );
      const detached = await run('run', file, '--detach', '--json');
      expect(detached.code).toBe(0);
      const { runId } = JSON.parse(detached.stdout) as { runId: string };
      let status: { status: string } = { status: 'running' };
      for (let i = 0; i < 60 && status.status === 'running'; i++) {
        await new Promise((r) => setTimeout(r, 500));
        status = JSON.parse((await run('status', runId, '--json')).stdout) as { status: string };
      }
      expect(status).toMatchObject({ status: 'succeeded', tasks: { t: { status: 'succeeded' } } });
      const stopped = await run('worker', '--stop');
      expect(stopped.stderr).toContain(`stopped the background worker (pid ${pid})`);
      expect(() => process.kill(pid, 0)).toThrow();
      expect((await run('worker', '--stop')).stderr).toContain('no background worker runs');
    } finally {
      await run('worker', '--stop');
      const client = await connectClient(loadConfig());
      await client.workflow
        .getHandle(clusterWorkflowId(own))
        .terminate('test finished')
        .catch(() => undefined);
      await client.connection.close();
    }
  });

  it('exits 1 when a task fails', async () => {
    const file = await pipelineFile(
      'fail.yaml',
      `name: cli-fail\ntasks:\n  - id: boom\n    image: gantry/busybox\n    command: ["sh", "-c", "exit 5"]\n    retry: { maxAttempts: 1 }\n`,
    );
    const { code, stdout } = await gantry('run', file, '--json');
    expect(code).toBe(1);
    expect(JSON.parse(stdout.trim().split('\n').at(-1)!)).toMatchObject({
      status: 'failed',
      tasks: { boom: { status: 'failed', exitCode: 5, attempts: 1 } },
    });
  });

  const invalid: [string, string, string][] = [
    [
      'a cycle',
      'name: bad\ntasks:\n  - { id: a, image: x, dependsOn: [b] }\n  - { id: b, image: x, dependsOn: [a] }\n',
      'cycle a -> b -> a',
    ],
    [
      'an unknown dependency',
      'name: bad\ntasks:\n  - { id: a, image: x, dependsOn: [build] }\n',
      'tasks[0].dependsOn[0]: unknown task "build"',
    ],
    [
      'a duplicate id',
      'name: bad\ntasks:\n  - { id: a, image: x }\n  - { id: a, image: x }\n',
      'tasks[1].id: duplicate task id "a"',
    ],
    [
      'a self dependency',
      'name: bad\ntasks:\n  - { id: a, image: x, dependsOn: [a] }\n',
      'tasks[0].dependsOn[0]: task "a" depends on itself',
    ],
    [
      'a non-positive cpu',
      'name: bad\ntasks:\n  - { id: a, image: x, resources: { cpu: 0 } }\n',
      'tasks[0].resources.cpu',
    ],
    [
      'an unknown field',
      'name: bad\ntasks:\n  - { id: a, image: x, comand: [ls] }\n',
      'unknown field "comand"',
    ],
    [
      'malformed YAML',
      'name: bad\ntasks:\n  - id: a\n   image: x\n',
      'bad.yaml: 1 problem\n  4:1: Sequence item without - indicator',
    ],
    [
      'more memory than any node has',
      'name: bad\ntasks:\n  - { id: a, image: x, resources: { memoryMiB: 99999999 } }\n',
      'tasks[0].resources.memoryMiB: 99999999 is larger than every node',
    ],
  ];
  it.each(invalid)(
    'rejects %s with exit code 2, names the place, and starts nothing',
    async (_what, text, message) => {
      const file = await pipelineFile('bad.yaml', text);
      const { code, stderr } = await gantry('run', file);
      expect(stderr).toContain(message);
      expect(code).toBe(2);
      const client = await connectClient(loadConfig());
      const started = await client.workflow.count(`${SearchAttribute.Pipeline} = 'bad'`);
      await client.connection.close();
      expect(started.count).toBe(0);
    },
  );

  it('validates several files at once and prints every problem', async () => {
    const bad = await pipelineFile(
      'two-problems.yaml',
      'name: bad\ntasks:\n  - { id: a, image: x, dependsOn: [zz] }\n  - { id: a, image: x }\n',
    );
    const good = await pipelineFile('good.yaml', 'name: good\ntasks:\n  - { id: a, image: x }\n');
    const { code, stdout, stderr } = await gantry('validate', good, bad);
    expect(code).toBe(2);
    expect(stdout).toContain('good.yaml: ok (pipeline "good", 1 task)');
    expect(stderr).toContain('2 problems');
    expect(stderr).toContain('unknown task "zz"');
    expect(stderr).toContain('duplicate task id "a"');
  });
});
