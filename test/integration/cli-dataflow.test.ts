/**
 * The data features through the real `gantry` CLI: `--param`, the `--json` summary with outputs, foreach
 * items (`ID[i]`) and cached tasks, `--no-cache`, and `gantry rerun [--from]`.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { cliEnv, runGantry, terminateCluster } from './cli-harness.js';

const env = cliEnv('clidata');
const gantry = (...args: string[]) => runGantry(env, ...args);

interface JsonTask {
  status: string;
  attempts: number;
  outputs?: Record<string, string>;
  artifacts?: Record<string, { digest: string; sizeBytes: number }>;
  cachedFrom?: string;
  error?: string;
}
interface JsonRun {
  status: string;
  runId: string;
  tasks: Record<string, JsonTask>;
}
const lastJson = (stdout: string) => JSON.parse(stdout.trim().split('\n').at(-1)!) as JsonRun;

const sweep = (marker: string) => `name: cli-sweep
params:
  threshold: "0.5"
  marker: "${marker}"
defaults:
  image: gantry/busybox
  resources: { cpu: 0.25, memoryMiB: 32 }
  retry: { maxAttempts: 1 }
tasks:
  - id: prepare
    command: ["sh", "-c", "echo '[{\\"lr\\":\\"0.1\\"},{\\"lr\\":\\"0.2\\"},{\\"lr\\":\\"0.3\\"}]' > /gantry/outputs/configs; mkdir -p /data/out; echo rows > /data/out/rows"]
    outputs:
      parameters: [{ name: configs }]
      artifacts: [{ name: dataset, path: /data/out }]
  - id: train
    dependsOn: [prepare]
    foreach: "{{ tasks.prepare.outputs.configs }}"
    maxParallel: 2
    env: { LR: "{{ item.lr }}", I: "{{ index }}" }
    command: ["sh", "-c", "cat /data/in/rows >/dev/null && echo 0.$((I + 7)) > /gantry/outputs/accuracy && echo $GANTRY_TASK_ID > /gantry/outputs/me"]
    inputs:
      artifacts: [{ from: "{{ tasks.prepare.outputs.artifacts.dataset }}", path: /data/in }]
    outputs:
      parameters: [{ name: accuracy }, { name: me }]
  - id: pick
    dependsOn: [train]
    env: { ACCS: "{{ tasks.train.outputs.accuracy }}", MARKER: "{{ params.marker }}" }
    command: ["sh", "-c", "echo \\"$ACCS\\" | tr -d '[]\\" ' | tr , '\\\\n' | sort | tail -n 1 > /gantry/outputs/best"]
    outputs:
      parameters: [{ name: best }]
    cache: { version: "1" }
  - id: notify
    dependsOn: [pick]
    trigger: allDone
    when: "tasks.pick.status in ['succeeded', 'cached'] && double(tasks.pick.outputs.best) > double(params.threshold)"
    command: ["sh", "-c", "echo best {{ tasks.pick.outputs.best }}"]
`;

describe('data features through the CLI', () => {
  let file: string;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-cli-data-'));
    file = path.join(dir, 'sweep.yaml');
    await writeFile(file, sweep(`m${Date.now()}`));
  });
  afterAll(() => terminateCluster(env.GANTRY_CLUSTER));

  it('runs a sweep, then reuses the cache, honours --param, --no-cache and rerun --from', async () => {
    const first = await gantry('run', file, '--json');
    expect(first.code, first.stderr).toBe(0);
    const run1 = lastJson(first.stdout);
    expect(run1.tasks['train']).toMatchObject({ status: 'succeeded' });
    expect(run1.tasks['train[1]']).toMatchObject({
      status: 'succeeded',
      attempts: 1,
      outputs: { accuracy: '0.8', me: 'train[1]' },
    });
    expect(run1.tasks['train']!.outputs).toEqual({
      accuracy: '["0.7","0.8","0.9"]',
      me: '["train[0]","train[1]","train[2]"]',
    });
    expect(run1.tasks['prepare']!.artifacts!['dataset']!.digest).toMatch(/^sha256:/);
    expect(run1.tasks['pick']).toMatchObject({ status: 'succeeded', outputs: { best: '0.9' } });
    expect(run1.tasks['notify']!.status).toBe('succeeded');
    expect(first.stdout).toContain('train[2]');

    const strict = await gantry('run', file, '--json', '--param', 'threshold=0.95');
    expect(strict.code, strict.stderr).toBe(0);
    const run2 = lastJson(strict.stdout);
    expect(run2.tasks['pick']).toMatchObject({
      status: 'cached',
      cachedFrom: run1.runId,
      outputs: { best: '0.9' },
    });
    expect(run2.tasks['notify']!.status).toBe('skipped');

    const fresh = await gantry('run', file, '--json', '--no-cache');
    expect(lastJson(fresh.stdout).tasks['pick']).toMatchObject({ status: 'succeeded', attempts: 1 });

    const unknown = await gantry('run', file, '--param', 'nope=1');
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('nope');

    const rerun = await gantry('rerun', run2.runId, '--from', 'notify', '--json');
    expect(rerun.code, rerun.stderr).toBe(0);
    const run3 = lastJson(rerun.stdout);
    for (const id of ['prepare', 'train', 'pick'])
      expect(run3.tasks[id]).toMatchObject({ status: 'cached', cachedFrom: run2.runId });
    // Same params as the run it repeats: threshold 0.95, so notify is skipped again.
    expect(run3.tasks['notify']!.status).toBe('skipped');

    const badFrom = await gantry('rerun', run2.runId, '--from', 'zzz');
    expect(badFrom.code).toBe(2);
    expect(badFrom.stderr).toContain('zzz');
  });
});
