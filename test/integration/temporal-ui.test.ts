/**
 * A run as people see it in the Temporal Web UI, with no Gantry knowledge: its title (static summary) and
 * task list (static details), its live progress (current details), activities and child workflows that
 * name their task, and search attributes that make "failed runs of pipeline X from schedule Y" one query,
 * in the UI and in `gantry list`. Read back through the client, then looked at in a headless Chromium
 * (Debian's, installed by scripts/ensure-chromium.sh) with a screenshot in test/integration/output/.
 */
import type { WorkflowHandle } from '@temporalio/client';
import { defaultPayloadConverter } from '@temporalio/common';
import type { temporal } from '@temporalio/proto';
import { randomBytes } from 'node:crypto';
import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import { chromium } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { ListedRun } from '../../engine/list-runs.js';
import { waitForRun } from '../../engine/runs.js';
import type { PipelineInput } from '../../pipeline/schema.js';
import { runWorkflowId } from '../../common/names.js';
import { sliceWorkflowId } from '../../workflows/run/foreach-task.js';
import { childRunId } from '../../workflows/run/sub-pipeline-unit.js';
import { startCodecServer } from '../../engine/codec/codec-server.js';
import { loadCodec } from '../../engine/codec/data-converter.js';
import type { EncryptionCodec } from '../../engine/codec/encryption-codec.js';
import { runGantry } from './cli-harness.js';
import { type TestCluster, shTask, startTestCluster, waitFor } from './harness.js';

const OUTPUT_DIR = path.join(import.meta.dirname, 'output');
const CHROMIUM = process.env['GANTRY_CHROMIUM'] ?? '/usr/bin/chromium';
/** scripts/up.sh exports it; the dev server's UI is 1000 ports above its frontend otherwise. */
function temporalUi(address: string): string {
  if (process.env['GANTRY_TEMPORAL_UI']) return process.env['GANTRY_TEMPORAL_UI'];
  const [host, port] = [
    address.slice(0, address.lastIndexOf(':')),
    address.slice(address.lastIndexOf(':') + 1),
  ];
  return `http://${host}:${Number(port) + 1000}`;
}

const suffix = randomBytes(3).toString('hex');
const name = `ui-${suffix}`;
const scheduleId = `ui-nightly-${suffix}`;
const childName = `ui-child-${suffix}`;

/** A list, a fan-out over it, a slow task, one failing with a log line unless CODE=0, a sub-pipeline, a join. */
function pipeline(code: string): PipelineInput {
  return {
    name,
    description: 'what the Temporal UI shows of a run',
    params: { code },
    tasks: [
      shTask('prepare', `echo '["a","b","c"]' > /gantry/outputs/items`, {
        outputs: { parameters: [{ name: 'items' }] },
      }),
      shTask('fan', 'echo item $ITEM', {
        dependsOn: ['prepare'],
        foreach: '{{ tasks.prepare.outputs.items }}',
        env: { ITEM: '{{ item }}' },
      }),
      shTask('slow', 'sleep 4; echo done', { dependsOn: ['prepare'] }),
      shTask('load', 'echo loading rows; echo disk full on /data; exit $CODE', {
        dependsOn: ['prepare'],
        env: { CODE: '{{ params.code }}' },
      }),
      {
        id: 'sub',
        dependsOn: ['prepare'],
        pipelineSpec: { name: childName, tasks: [shTask('inner', 'true')] },
      },
      shTask('report', 'echo report', { dependsOn: ['fan', 'slow', 'load', 'sub'] }),
    ],
  };
}

interface WorkflowMetadata {
  readonly currentDetails: string;
}
const currentDetails = async (handle: WorkflowHandle) =>
  (await handle.query<WorkflowMetadata>('__temporal_workflow_metadata')).currentDetails;

// The stack's codec: user metadata is a payload like any other, encrypted in the history.
let codec: EncryptionCodec;

async function summaryOf(event: temporal.api.history.v1.IHistoryEvent): Promise<string | undefined> {
  const payload = event.userMetadata?.summary;
  if (!payload) return undefined;
  const [decoded] = await codec.decode([payload]);
  return defaultPayloadConverter.fromPayload<string>(decoded!);
}

/** The summaries of the activities and child workflows a workflow scheduled, in history order. */
async function scheduledSummaries(handle: WorkflowHandle) {
  const history = await handle.fetchHistory();
  const events = history.events ?? [];
  return {
    activities: await Promise.all(
      events.filter((e) => e.activityTaskScheduledEventAttributes).map(summaryOf),
    ),
    children: await Promise.all(
      events.filter((e) => e.startChildWorkflowExecutionInitiatedEventAttributes).map(summaryOf),
    ),
  };
}

describe('a run in the Temporal Web UI', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('ui', [{ id: 'n1', cpu: 2, memoryMiB: 2048 }]);
    codec = await loadCodec(cluster.config.codecKeys);
  });
  afterAll(() => cluster.stop());

  it('has a title, a task list, live progress, named activities and filterable search attributes', async () => {
    const fromSchedule = { origin: { kind: 'schedule', scheduleId } } as const;
    const failedScheduled = await cluster.start(pipeline('3'), fromSchedule);
    const failedByHand = await cluster.start(pipeline('3'));
    const succeededScheduled = await cluster.start(pipeline('0'), fromSchedule);
    const { handle, runId, workflowId } = failedScheduled;

    // Live progress while `slow` runs: counts, and the running task with its node.
    const live = await waitFor('the running task in the current details', async () => {
      const details = await currentDetails(handle);
      return details.includes('- `slow` on node `n1`') ? details : undefined;
    });
    expect(live).toContain(`Run \`${runId}\` of **${name}**`);
    expect(live).toMatch(/^\*\*running\*\* · 6 task\(s\): (\d+ [a-z]+, )*\d+ running/m);

    const states = await Promise.all(
      [failedScheduled, failedByHand, succeededScheduled].map((r) => waitForRun(r.handle)),
    );
    expect(states.map((s) => s.status)).toEqual(['failed', 'failed', 'succeeded']);

    // The run's title and task list.
    const description = await handle.describe();
    const summary = `${name} · schedule ${scheduleId}`;
    expect(await description.staticSummary()).toBe(summary);
    const details = await description.staticDetails();
    expect(details).toContain(`**${name}**: 6 task(s) — what the Temporal UI shows of a run`);
    expect(details).toContain('- `fan` foreach · gantry/busybox ← prepare');
    expect(details).toContain(`- \`sub\` pipeline ${childName} ← prepare`);

    // The end state: counts, and the failure with its log tail.
    const final = await currentDetails(handle);
    expect(final).toContain('**failed** · 6 task(s): 4 succeeded, 1 failed, 1 skipped');
    expect(final).toMatch(
      /- `load` node `n1` · exit 3 · 1 attempt\(s\).*\n\n```\nloading rows\ndisk full on \/data\n```/,
    );
    expect(final).not.toContain('**Running**');

    // Every activity and child says which task (or item) it is: the history reads as the pipeline does.
    const run = await scheduledSummaries(handle);
    expect(run.activities.slice().sort()).toEqual(
      [
        `open pipeline ${name}`,
        'task prepare on node n1 (gantry/busybox)',
        'task slow on node n1 (gantry/busybox)',
        'task load on node n1 (gantry/busybox)',
        'gather the outputs of foreach fan (3 items)',
        `clean up run ${runId} on node n1`,
      ].sort(),
    );
    const sliceSummary = `foreach fan · slice 1 of 1 (items 0–2) · run ${runId}`;
    const childSummary = `${childName} · sub-pipeline of task sub in run ${runId}`;
    expect(run.children.slice().sort()).toEqual([sliceSummary, childSummary].sort());
    const slice = cluster.client.workflow.getHandle(sliceWorkflowId(workflowId, 'fan', 0));
    expect(await (await slice.describe()).staticSummary()).toBe(sliceSummary);
    const child = await cluster.client.workflow.getHandle(runWorkflowId(childRunId(runId, 'sub'))).describe();
    expect(await child.staticSummary()).toBe(childSummary);
    expect(await child.staticDetails()).toBe(`**${childName}**: 1 task(s)\n\n- \`inner\``);
    expect((await scheduledSummaries(slice)).activities.slice().sort()).toEqual([
      'store the results of items 0–2 of fan',
      'task fan[0] on node n1 (gantry/busybox)',
      'task fan[1] on node n1 (gantry/busybox)',
      'task fan[2] on node n1 (gantry/busybox)',
    ]);
    expect(await currentDetails(slice)).toContain('**succeeded** · 3 item(s): 3 succeeded');

    // "All failed runs of pipeline X from schedule Y" is one visibility query (what the UI's filter sends)…
    const query = `GantryPipeline = '${name}' AND GantryStatus = 'failed' AND GantrySchedule = '${scheduleId}'`;
    const found = await waitFor(
      'the runs in the visibility store',
      async () => {
        const ids: string[] = [];
        for await (const wf of cluster.client.workflow.list({ query })) ids.push(wf.workflowId);
        const closed = await cluster.client.workflow.count(
          `GantryPipeline = '${name}' AND ExecutionStatus != 'Running'`,
        );
        return closed.count === 3 ? ids : undefined;
      },
      60_000,
    );
    expect(found).toEqual([workflowId]);

    // …and one `gantry list` through the real CLI binary.
    const gantryList = async (...args: string[]) => {
      const result = await runGantry(process.env, 'list', ...args, '--json');
      expect(result.code, result.stderr).toBe(0);
      return JSON.parse(result.stdout) as ListedRun[];
    };
    const listOfPipeline = (...args: string[]) => gantryList('--pipeline', name, ...args);
    expect(await listOfPipeline('--status', 'failed', '--schedule', scheduleId)).toEqual([
      {
        runId,
        workflowId,
        pipeline: name,
        status: 'failed',
        trigger: 'schedule',
        schedule: scheduleId,
        upstreamRun: null,
        startedAt: description.startTime.toISOString(),
        closedAt: description.closeTime?.toISOString(),
      },
    ]);
    expect((await listOfPipeline('--trigger', 'manual')).map((r) => r.runId)).toEqual([failedByHand.runId]);
    expect((await listOfPipeline('--status', 'succeeded')).map((r) => r.runId)).toEqual([
      succeededScheduled.runId,
    ]);
    expect((await listOfPipeline()).map((r) => r.runId).sort()).toEqual(
      [runId, failedByHand.runId, succeededScheduled.runId].sort(),
    );
    // A sub-pipeline's runs belong to their parent: listed only with --all.
    expect(await gantryList('--pipeline', childName)).toEqual([]);
    const children = await gantryList('--pipeline', childName, '--all');
    expect(children.map((r) => r.runId).sort()).toEqual(
      [runId, failedByHand.runId, succeededScheduled.runId].map((id) => childRunId(id, 'sub')).sort(),
    );
    const bad = await runGantry(process.env, 'list', '--status', 'broken');
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain("option '--status <status>' argument 'broken' is invalid");

    // As a person sees it, in a browser: the run's title, task list and progress under User Metadata, the
    // tasks by name in its timeline, and the one query in the workflow list.
    await mkdir(OUTPUT_DIR, { recursive: true });
    const ui = temporalUi(cluster.config.temporalAddress);
    const namespace = `${ui}/namespaces/${cluster.config.namespace}/workflows`;
    const runPage = `${namespace}/${encodeURIComponent(workflowId)}/${description.runId}`;
    // The UI decodes through `gantry codec-server`, as a person would set it under Data Encoder (the UI keeps
    // that setting in localStorage: "endpoint", used when "overrideRemoteCodecConfiguration" is on).
    const codecServer = await startCodecServer({
      codec,
      host: '127.0.0.1',
      port: 0,
      corsOrigins: [new URL(ui).origin],
      token: undefined,
    });
    const browser = await chromium.launch({ executablePath: CHROMIUM, args: ['--no-sandbox'] });
    try {
      const page = await browser.newPage({ viewport: { width: 1440, height: 1000 } });
      // In a script of its own (this file has no DOM types); a sandboxed frame without storage just skips it.
      await page.addInitScript({
        content: `try { localStorage.setItem('endpoint', ${JSON.stringify(JSON.stringify(codecServer.url))}); localStorage.setItem('overrideRemoteCodecConfiguration', 'true'); } catch {}`,
      });
      const shoot = (file: string) => page.screenshot({ path: path.join(OUTPUT_DIR, file), fullPage: true });
      // The UI renders user metadata (markdown) in iframes of its own: look in every frame.
      const isVisible = async (text: string) => {
        for (const frame of page.frames()) {
          // A frame the UI replaces while it is checked is detached: it shows nothing, the next look decides.
          const shown = await frame
            .getByText(text)
            .first()
            .isVisible()
            .catch(() => false);
          if (shown) return true;
        }
        return undefined;
      };
      // Waits for a text as a person would: a page that shows nothing for half a minute is reloaded once.
      // On a miss, the page as it was is kept beside the other screenshots, to see why.
      const seen = async (text: string) => {
        const what = `"${text}" on ${page.url()}`;
        try {
          await waitFor(what, () => isVisible(text), 30_000).catch(async () => {
            await page.reload();
            await waitFor(`${what} (reloaded)`, () => isVisible(text), 30_000);
          });
        } catch (err) {
          await shoot('temporal-ui-missing-text.png');
          throw err;
        }
      };

      await page.goto(`${runPage}/user-metadata`);
      await seen(summary);
      await seen('what the Temporal UI shows of a run');
      await seen('6 task(s): 4 succeeded, 1 failed, 1 skipped');
      await seen('disk full on /data');
      await shoot('temporal-ui-run-metadata.png');

      // The timeline scrolls inside the page: a taller window shows all of it.
      await page.setViewportSize({ width: 1440, height: 2000 });
      await page.goto(`${runPage}/timeline`);
      await seen('task load on node n1 (gantry/busybox)');
      await seen(`foreach fan · slice 1 of 1 (items 0–2) · run ${runId}`);
      await shoot('temporal-ui-run-timeline.png');

      await page.setViewportSize({ width: 1440, height: 600 });
      await page.goto(`${namespace}?query=${encodeURIComponent(query)}`);
      await seen(workflowId);
      expect(await page.getByText(failedByHand.workflowId).count()).toBe(0);
      expect(await page.getByText(succeededScheduled.workflowId).count()).toBe(0);
      await shoot('temporal-ui-failed-from-schedule.png');
    } finally {
      await browser.close();
      await codecServer.close();
    }
  });
});
