/**
 * Pipeline triggers through the real `gantry` CLI: `trigger create` leaves a background worker that starts
 * the triggered run with no CLI watching, a loop and bad input exit 2, `trigger list --json` and
 * `trigger delete` (also once no worker runs), and `gantry run` of a pipeline that needs an upstream run exits 2.
 */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { triggerRegistryWorkflowId } from '../../common/names.js';
import { loadConfig } from '../../engine/config.js';
import { connectClient } from '../../engine/connection.js';
import type { TriggerView } from '../../workflows/definitions.js';
import { cliEnv, runGantry, terminateCluster } from './cli-harness.js';
import { waitFor } from './harness.js';

const env = cliEnv('cli-trig');
const gantry = (...args: string[]) => runGantry(env, ...args);

const upstream = `name: cli-up
tasks:
  - id: a
    image: gantry/busybox
    command: ["sh", "-c", "printf hello > /gantry/outputs/x"]
    resources: { cpu: 0.25, memoryMiB: 32 }
    outputs: { parameters: [{ name: x }] }
`;
const downstream = `name: cli-down
params: { suffix: "" }
triggers: [{ afterPipeline: cli-up, status: succeeded }]
tasks:
  - id: echo
    image: gantry/busybox
    command: ["sh", "-c", "printf '%s from %s%s' '{{ trigger.outputs.a.x }}' '{{ trigger.runId }}' '{{ params.suffix }}' > /gantry/outputs/said"]
    resources: { cpu: 0.25, memoryMiB: 32 }
    outputs: { parameters: [{ name: said }] }
`;
const loop = `name: cli-up
triggers: [{ afterPipeline: cli-down }]
tasks: [{ id: t, image: gantry/busybox, command: ["true"] }]
`;

describe('pipeline triggers through the CLI', () => {
  const files: Record<string, string> = {};
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-cli-trig-'));
    for (const [name, text] of Object.entries({ upstream, downstream, loop })) {
      files[name] = path.join(dir, `${name}.yaml`);
      await writeFile(files[name], text);
    }
  });
  afterAll(async () => {
    await gantry('worker', '--stop');
    const client = await connectClient(loadConfig());
    await client.workflow
      .getHandle(triggerRegistryWorkflowId(env.GANTRY_CONTROL_TASK_QUEUE))
      .terminate('test finished')
      .catch(() => undefined);
    await client.connection.close();
    await terminateCluster(env.GANTRY_CLUSTER);
  });

  it('refuses to run by hand a pipeline that reads an upstream run', async () => {
    const result = await gantry('run', files['downstream']!);
    expect(result.code).toBe(2);
    expect(result.stderr).toContain(
      `gantry: ${files['downstream']}: task "echo" uses {{ trigger.outputs.a.x }}, which only a run started by a pipeline trigger has; register it with \`gantry trigger create ${files['downstream']}\``,
    );
  });

  it('registers a trigger that starts its run with no CLI watching, refuses a loop, lists and deletes', async () => {
    const created = await gantry(
      'trigger',
      'create',
      files['downstream']!,
      '--id',
      'down-after-up',
      '--param',
      'suffix=!',
    );
    expect(created.code, created.stderr).toBe(0);
    expect(created.stdout).toContain(
      'created trigger down-after-up: pipeline cli-down starts after every run of cli-up (succeeded)',
    );
    expect(created.stderr).toContain('started a background worker for the triggered runs');

    const looped = await gantry('trigger', 'create', files['loop']!, '--id', 'up-after-down');
    expect(looped.code).toBe(2);
    expect(looped.stderr).toContain(
      'gantry: cannot register trigger "up-after-down": trigger loop: cli-up → cli-down → cli-up (triggers "down-after-up", "up-after-down")',
    );
    const badId = await gantry('trigger', 'create', files['downstream']!, '--id', 'Bad Id');
    expect(badId.code).toBe(2);
    expect(badId.stderr).toContain('--id "Bad Id": must be 1-63 lower-case letters');
    const noTriggers = await gantry('trigger', 'create', files['upstream']!);
    expect(noTriggers.code).toBe(2);
    expect(noTriggers.stderr).toContain('pipeline "cli-up" declares no triggers');

    const ran = await gantry('run', files['upstream']!, '--detach', '--json');
    expect(ran.code, ran.stderr).toBe(0);
    const { runId: upstreamRun } = JSON.parse(ran.stdout) as { runId: string };
    // The CLI has returned: the background worker ends the upstream run and starts the downstream one.
    const fired = await waitFor(
      'the trigger to fire',
      async () => {
        const listed = await gantry('trigger', 'list', '--json');
        const view = (JSON.parse(listed.stdout) as TriggerView[]).find((v) => v.id === 'down-after-up');
        return view?.lastRun?.upstreamRunId === upstreamRun ? view : undefined;
      },
      90_000,
    );
    expect(fired).toMatchObject({
      pipeline: 'cli-down',
      after: [{ afterPipeline: 'cli-up', status: 'succeeded' }],
    });
    const downRun = fired.lastRun!.runId;
    const done = await waitFor(
      'the triggered run to end',
      async () => {
        const status = JSON.parse((await gantry('status', downRun, '--json')).stdout) as {
          status: string;
          tasks: Record<string, { outputs?: Record<string, string> }>;
        };
        return status.status === 'running' ? undefined : status;
      },
      90_000,
    );
    expect(done).toMatchObject({
      status: 'succeeded',
      tasks: { echo: { outputs: { said: `hello from ${upstreamRun}!` } } },
    });
    // A rerun keeps the upstream run: the task that runs again reads the same `{{ trigger.* }}` values.
    const rerun = await gantry('rerun', downRun, '--from', 'echo', '--no-cache', '--json');
    expect(rerun.code, rerun.stderr).toBe(0);
    expect(JSON.parse(rerun.stdout.trim().split('\n').at(-1)!)).toMatchObject({
      status: 'succeeded',
      tasks: { echo: { status: 'succeeded', outputs: { said: `hello from ${upstreamRun}!` } } },
    });

    // With the background worker gone, the registration is still there: list and delete bring their own.
    expect((await gantry('worker', '--stop')).stderr).toContain('stopped the background worker');
    const listed = await gantry('trigger', 'list');
    expect(listed.stdout).toMatch(/^ID\s+PIPELINE\s+AFTER\s+FIRED\s+LAST RUN$/m);
    expect(listed.stdout).toMatch(
      new RegExp(`^down-after-up\\s+cli-down\\s+cli-up \\(succeeded\\)\\s+1\\s+${downRun}$`, 'm'),
    );
    expect(listed.stdout).not.toContain('up-after-down');

    const deleted = await gantry('trigger', 'delete', 'down-after-up');
    expect(deleted.code, deleted.stderr).toBe(0);
    expect(deleted.stdout).toContain('deleted trigger down-after-up');
    const again = await gantry('trigger', 'delete', 'down-after-up');
    expect(again.code).toBe(2);
    expect(again.stderr).toContain('gantry: no trigger "down-after-up" (none is registered)');
    expect(JSON.parse((await gantry('trigger', 'list', '--json')).stdout)).toEqual([]);
    // About twenty CLI processes, each a few seconds on a loaded machine.
  }, 300_000);
});
