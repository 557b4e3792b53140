import { spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { connectClient } from '../../engine/connection.js';
import { loadConfig } from '../../engine/config.js';
import { SearchAttribute } from '../../common/names.js';
import { ROOT, cliEnv, runGantry, terminateCluster } from './cli-harness.js';

const env = cliEnv('cli');
const gantry = (...args: string[]) => runGantry(env, ...args);

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
  afterAll(() => terminateCluster(env.GANTRY_CLUSTER));

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
      'tasks[0].dependsOn[0]: unknown task "build" (task "a")',
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
      'name: bad\ntasks:\n  - { id: a, image: x, resources: { memoryMiB: 9999999 } }\n',
      'tasks[0].resources.memoryMiB: 9999999 is larger than every node',
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
