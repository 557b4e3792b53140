/** Commands that look at runs and the cluster: status, cancel, logs, cluster show/apply/recover (list: list.ts). */
import { open, readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { clusterWorkflowId } from '../../common/names.js';
import type { GantryConfig } from '../../engine/config.js';
import { connectClient } from '../../engine/connection.js';
import { ClusterServiceStuckError, RunStuckError } from '../../engine/errors.js';
import { applyClusterSpec, openClusterService } from '../../engine/open-cluster-service.js';
import { type Recovery, recoverClusterService } from '../../engine/recover-cluster.js';
import { summarizeRunLocally } from '../../engine/run-summary.js';
import { clusterSnapshot, findRun, getRunState } from '../../engine/runs.js';
import { workflowHealth } from '../../engine/service-health.js';
import { GantryCliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatRestart, formatRunSummary, formatServiceRestart, toJsonResult } from '../format.js';
import { readClusterFile } from '../read-cluster-file.js';
import type { NodeSnapshot } from '../../workflows/definitions.js';

export async function statusCommand(
  run: string,
  options: { json: boolean },
  config: GantryConfig,
): Promise<number> {
  const client = await connectClient(config);
  try {
    const handle = await findRun(client, run);
    // A stuck run would not answer its query for half a minute; say why at once instead.
    const health = await workflowHealth(client, handle.workflowId);
    if (health.kind === 'stuck') throw new RunStuckError(handle.workflowId, health.problem);
    const state = await getRunState(handle);
    const summary = await summarizeRunLocally(state, config);
    process.stdout.write(
      options.json ? `${JSON.stringify(toJsonResult(summary))}\n` : `${formatRunSummary(summary)}\n`,
    );
    if (state.status === 'running') await warnAboutService(client, config);
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

/** A running run waits on its cluster service: one line on stderr when that service cannot serve it. */
async function warnAboutService(client: Awaited<ReturnType<typeof connectClient>>, config: GantryConfig) {
  const service = await workflowHealth(client, clusterWorkflowId(config.clusterName));
  if (service.kind === 'stuck')
    process.stderr.write(
      `gantry: ${new ClusterServiceStuckError(config.clusterName, service.problem).message}\n`,
    );
  if (service.kind === 'closed') {
    process.stderr.write(
      `gantry: the cluster service "${config.clusterName}" has ended (${service.status.toLowerCase()}); run \`gantry cluster recover\`\n`,
    );
  }
}

export async function cancelCommand(run: string, config: GantryConfig): Promise<number> {
  const client = await connectClient(config);
  try {
    const handle = await findRun(client, run);
    await handle.cancel();
    process.stdout.write(
      `cancellation requested for ${handle.workflowId}; its containers are killed and removed\n`,
    );
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

/** A node's health as `cluster show` prints it; a node no worker has sent heartbeats for is `unwatched`. */
export function formatNodeHealth(node: NodeSnapshot, now: number): string {
  if (node.health === undefined) return 'health: unwatched (no heartbeats)';
  const ago =
    node.lastHeartbeatAt === undefined
      ? ''
      : `, last heartbeat ${Math.max(0, Math.round((now - node.lastHeartbeatAt) / 1000))}s ago`;
  return `health: ${node.health}${ago}`;
}

export async function clusterShowCommand(options: { json: boolean }, config: GantryConfig): Promise<number> {
  const client = await connectClient(config);
  try {
    const service = await openClusterService(client, config);
    if (service?.restart) {
      process.stderr.write(
        `gantry: ${formatServiceRestart(config.clusterName, service.endedAs, service.restart)}\n`,
      );
    }
    const snapshot = service && (await clusterSnapshot(client, config.clusterName));
    if (!snapshot) throw noServiceYet(config);
    if (options.json) {
      process.stdout.write(`${JSON.stringify(snapshot)}\n`);
      return ExitCode.Ok;
    }
    process.stdout.write(
      `cluster ${snapshot.name}: ${snapshot.nodes.length} node(s), ${snapshot.pending.length} task(s) queued, ${snapshot.placements} placed so far\n`,
    );
    for (const node of snapshot.nodes) {
      const use = Object.keys(node.capacity)
        .map((k) => `${k} ${+(node.used[k] ?? 0).toFixed(2)}/${node.capacity[k]}`)
        .join(', ');
      // A simulated node's tasks run no container: say so wherever the node is listed.
      const runtime = node.runtime === 'simulated' ? '  runtime: SIMULATED' : '';
      process.stdout.write(
        `  ${node.id.padEnd(12)} ${use}  tasks: ${node.allocations.length}${runtime}  ${formatNodeHealth(node, Date.now())}\n`,
      );
    }
    for (const p of snapshot.pending) process.stdout.write(`  queued ${p.key}: ${p.reason}\n`);
    for (const up of snapshot.scaling?.scaleUp ?? []) {
      const shape = Object.entries(up.capacity)
        .map(([k, v]) => `${k} ${v}`)
        .join(', ');
      process.stdout.write(
        `  advice: add ${up.count} node(s) to group ${up.nodeGroup} (${shape}) to place ${up.taskIds.length} queued task(s)\n`,
      );
    }
    for (const down of snapshot.scaling?.scaleDown ?? []) {
      process.stdout.write(
        `  advice: release idle node(s) ${down.nodeIds.join(', ')} of group ${down.nodeGroup}\n`,
      );
    }
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

function noServiceYet(config: GantryConfig): GantryCliError {
  return new GantryCliError(
    `cluster "${config.clusterName}" has no service yet (it starts with the first \`gantry run\` or \`gantry cluster apply\`)`,
  );
}

/** `gantry cluster recover`: terminates a stuck service and restarts it from the open runs. */
export async function clusterRecoverCommand(
  options: { force: boolean },
  config: GantryConfig,
): Promise<number> {
  const client = await connectClient(config);
  try {
    const recovery = await recoverClusterService(client, config, { isForced: options.force });
    if (recovery.kind === 'missing') throw noServiceYet(config);
    process.stdout.write(`${describeRecovery(config.clusterName, recovery)}\n`);
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

function describeRecovery(clusterName: string, recovery: Exclude<Recovery, { kind: 'missing' }>): string {
  if (recovery.kind === 'healthy')
    return `cluster "${clusterName}": its service runs and its workflow task does not fail; nothing to recover (--force restarts it anyway)`;
  const { previous, restart } = recovery;
  switch (previous.kind) {
    case 'stuck': {
      const { cause, message } = previous.problem;
      return formatRestart(
        `cluster "${clusterName}": terminated its stuck service (${message === '' ? cause : `${cause}: ${message}`})`,
        restart,
      );
    }
    case 'running':
      return formatRestart(`cluster "${clusterName}": terminated its service (--force)`, restart);
    case 'closed':
      return formatRestart(
        `cluster "${clusterName}": its service had ended (${previous.status.toLowerCase()})`,
        restart,
      );
  }
}

export async function clusterApplyCommand(file: string, config: GantryConfig): Promise<number> {
  const spec = await readClusterFile(file);
  const client = await connectClient(config);
  try {
    const { snapshot, restart, endedAs } = await applyClusterSpec(client, config, spec);
    if (restart) process.stderr.write(`gantry: ${formatServiceRestart(spec.name, endedAs, restart)}\n`);
    const nodes = snapshot.nodes.map((n) => (n.runtime === 'simulated' ? `${n.id} (SIMULATED)` : n.id));
    process.stdout.write(`cluster ${snapshot.name}: ${nodes.join(', ')}\n`);
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

/** Logs live on the worker host that ran the task, under GANTRY_LOG_DIR/<run>/<task>/attempt-N.log. */
export async function logsCommand(
  run: string,
  task: string,
  options: { attempt?: number; follow: boolean },
  config: GantryConfig,
): Promise<number> {
  const runId = run.replace(/^gantry-run-/, '');
  const dir = path.join(config.logDir, runId, task);
  let files: string[];
  try {
    files = (await readdir(dir))
      .filter((f) => /^attempt-\d+\.log$/.test(f))
      .sort((a, b) => Number(a.match(/\d+/)![0]) - Number(b.match(/\d+/)![0]));
  } catch {
    files = [];
  }
  if (options.attempt !== undefined) files = files.filter((f) => f === `attempt-${options.attempt}.log`);
  if (files.length === 0) {
    throw new GantryCliError(
      `no logs for task "${task}" of run "${runId}"${options.attempt ? ` attempt ${options.attempt}` : ''} in ${dir} (logs are kept on the host whose worker ran the task)`,
    );
  }
  for (const file of files) {
    if (files.length > 1)
      process.stdout.write(`==> ${task} ${file.replace('.log', '').replace('-', ' ')} <==\n`);
    const size = await copyFrom(path.join(dir, file), 0);
    if (options.follow && file === files.at(-1))
      await follow(path.join(dir, file), size, runId, task, config);
  }
  return ExitCode.Ok;
}

async function copyFrom(file: string, offset: number): Promise<number> {
  const handle = await open(file, 'r');
  try {
    const { size } = await handle.stat();
    if (size > offset) {
      const buffer = Buffer.alloc(size - offset);
      await handle.read(buffer, 0, buffer.length, offset);
      process.stdout.write(buffer);
    }
    return Math.max(size, offset);
  } finally {
    await handle.close();
  }
}

async function follow(
  file: string,
  offset: number,
  runId: string,
  task: string,
  config: GantryConfig,
): Promise<void> {
  const client = await connectClient(config);
  try {
    const handle = await findRun(client, runId);
    for (;;) {
      offset = await copyFrom(file, offset);
      const state = await getRunState(handle).catch(() => undefined);
      const status = state?.tasks[task]?.status;
      if (!status || !['queued', 'running'].includes(status)) break;
      await new Promise((resolve) => setTimeout(resolve, 500));
      await stat(file);
    }
    await copyFrom(file, offset);
  } finally {
    await client.connection.close();
  }
}
