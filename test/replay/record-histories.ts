/**
 * Records the workflow histories the replay test replays: runs every scenario of scenarios.ts on the real
 * stack (Temporal server + Docker, as for `npm test`), each in its own private test cluster, and writes
 * every execution of every workflow it involved (each continue-as-new run of a run or of the cluster
 * service) to test/replay/histories, with a manifest.
 *
 *   npx tsx test/replay/record-histories.ts [--only NAME[,NAME…]] [--out DIR]
 *
 * `--only` re-records the named scenarios and keeps the others' files. A scenario that fails writes
 * nothing and keeps its previous files; the exit code is then 1. Files of scenarios not defined here (the
 * `legacy-*` histories, recorded with older workflow code) are always kept.
 */
import type { Client } from '@temporalio/client';
import { historyToJSON } from '@temporalio/common/lib/proto-utils.js';
import { execFileSync } from 'node:child_process';
import { mkdir, readdir, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { clusterWorkflowId } from '../../common/names.js';
import { ensureWorkflowBundle } from '../../engine/bundle.js';
import { loadConfig } from '../../engine/config.js';
import { clusterSnapshot } from '../../engine/runs.js';
import { type TestCluster, startTestCluster, waitFor } from '../integration/harness.js';
import {
  HISTORIES_DIR,
  MANIFEST_FILE,
  type ManifestEntry,
  historyFileName,
  readManifest,
  REPLAY_CODEC_KEY,
} from './manifest.js';
import { SCENARIOS, type Scenario } from './scenarios.js';

interface Execution {
  readonly workflowId: string;
  readonly runId: string;
  readonly workflowType: string;
  readonly startTime: Date;
}

interface Provenance {
  readonly recordedAt: string;
  readonly gitCommit: string;
  readonly bundle: string;
}

/** Every execution of a workflow id, oldest first (a continue-as-new chain has several). */
async function executions(client: Client, workflowId: string): Promise<Execution[]> {
  const latest = await client.workflow.getHandle(workflowId).describe();
  // Visibility is eventually consistent: wait until the listing shows the latest execution.
  return waitFor(`the executions of ${workflowId} in visibility`, async () => {
    const found: Execution[] = [];
    for await (const e of client.workflow.list({ query: `WorkflowId="${workflowId}"` }))
      found.push({ workflowId, runId: e.runId, workflowType: e.type, startTime: e.startTime });
    if (!found.some((e) => e.runId === latest.runId)) return undefined;
    return found.sort((a, b) => a.startTime.getTime() - b.startTime.getTime());
  });
}

/** Waits until the cluster service holds no allocation and no request, so its history is at rest. */
async function quiesce(cluster: TestCluster): Promise<void> {
  await waitFor('an idle cluster service', async () => {
    const snapshot = await clusterSnapshot(cluster.client, cluster.name);
    const isIdle = snapshot?.pending.length === 0 && snapshot.nodes.every((n) => n.allocations.length === 0);
    return isIdle ? true : undefined;
  });
  await new Promise((resolve) => setTimeout(resolve, 1_000));
}

async function record(
  scenario: Scenario,
  cluster: TestCluster,
  runWorkflowIds: readonly string[],
  provenance: Provenance,
): Promise<{ entries: ManifestEntry[]; files: Map<string, string> }> {
  const all: Execution[] = [];
  for (const id of [...runWorkflowIds, clusterWorkflowId(cluster.name)])
    all.push(...(await executions(cluster.client, id)));
  const clusterExecutions = all.filter((e) => e.workflowType === 'clusterService').length;
  if (clusterExecutions < (scenario.minClusterExecutions ?? 1))
    throw new Error(
      `${scenario.name}: the cluster service ran ${clusterExecutions} execution(s), expected at least ${scenario.minClusterExecutions}`,
    );
  const entries: ManifestEntry[] = [];
  const files = new Map<string, string>();
  for (const workflowType of [...new Set(all.map((e) => e.workflowType))].sort()) {
    const ofType = all.filter((e) => e.workflowType === workflowType);
    for (const [i, e] of ofType.entries()) {
      const history = await cluster.client.workflow.getHandle(e.workflowId, e.runId).fetchHistory();
      const json = `${historyToJSON(history)}\n`;
      const file = historyFileName(scenario.name, workflowType, ofType.length > 1 ? i + 1 : undefined);
      files.set(file, json);
      entries.push({
        file,
        scenario: scenario.name,
        workflowType,
        workflowId: e.workflowId,
        runId: e.runId,
        events: history.events?.length ?? 0,
        bytes: Buffer.byteLength(json),
        ...provenance,
      });
    }
  }
  return { entries, files };
}

function gitCommit(): string {
  const git = (...args: string[]) => execFileSync('git', args, { encoding: 'utf8' }).trim();
  const head = git('rev-parse', '--short=12', 'HEAD');
  // The bundle's sources (engine/bundle.ts): a difference there means the history is not HEAD's.
  const isDirty = git('status', '--porcelain', '--', 'workflows', 'scheduler', 'pipeline', 'common') !== '';
  return isDirty ? `${head}+dirty` : head;
}

async function main(): Promise<void> {
  // The test clusters read their keys through loadConfig(): the fixtures' public key, not this machine's.
  process.env['GANTRY_CODEC_KEY'] = REPLAY_CODEC_KEY;
  const { values } = parseArgs({ options: { only: { type: 'string' }, out: { type: 'string' } } });
  const only = values.only?.split(',').map((s) => s.trim());
  const unknown = only?.filter((name) => !SCENARIOS.some((s) => s.name === name)) ?? [];
  if (unknown.length > 0)
    throw new Error(
      `--only: unknown scenario(s) ${unknown.join(', ')}; known: ${SCENARIOS.map((s) => s.name).join(', ')}`,
    );
  const outDir = path.resolve(values.out ?? HISTORIES_DIR);
  const scenarios = SCENARIOS.filter((s) => !only || only.includes(s.name));
  const bundlePath = await ensureWorkflowBundle(path.join(loadConfig().home, 'bundles'));
  const provenance: Provenance = {
    recordedAt: new Date().toISOString(),
    gitCommit: gitCommit(),
    bundle: path.basename(bundlePath),
  };
  await mkdir(outDir, { recursive: true });
  let manifest = [...(await readManifest(outDir)).histories];
  const failed: string[] = [];

  for (const scenario of scenarios) {
    const started = Date.now();
    console.log(`${scenario.name}: ${scenario.covers}`);
    let recorded: Awaited<ReturnType<typeof record>> | undefined;
    try {
      const cluster = await startTestCluster(`rec-${scenario.name}`, scenario.nodes, {
        ...scenario.options,
        bundlePath,
      });
      try {
        const runIds = await scenario.drive(cluster);
        await quiesce(cluster);
        recorded = await record(scenario, cluster, runIds, provenance);
      } finally {
        await cluster.stop();
      }
    } catch (err) {
      failed.push(scenario.name);
      console.error(`${scenario.name}: FAILED, its previous histories are kept\n`, err);
      continue;
    }
    for (const file of await readdir(outDir))
      if (file.startsWith(`${scenario.name}--`)) await rm(path.join(outDir, file));
    for (const [file, json] of recorded.files) await writeFile(path.join(outDir, file), json);
    manifest = [...manifest.filter((e) => e.scenario !== scenario.name), ...recorded.entries];
    for (const e of recorded.entries)
      console.log(`  ${e.file}: ${e.events} events, ${(e.bytes / 1024).toFixed(0)} KiB`);
    console.log(`  done in ${((Date.now() - started) / 1000).toFixed(1)} s`);
  }

  manifest.sort((a, b) => a.file.localeCompare(b.file));
  const body = JSON.stringify({ histories: manifest }, null, 2);
  await writeFile(path.join(outDir, MANIFEST_FILE), `${body}\n`);
  const total = manifest.reduce((sum, e) => sum + e.bytes, 0);
  console.log(`${manifest.length} histories, ${(total / 1024).toFixed(0)} KiB, in ${outDir}`);
  if (failed.length > 0) {
    console.error(`failed: ${failed.join(', ')}`);
    process.exitCode = 1;
  }
}

await main();
