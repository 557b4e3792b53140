/**
 * One cluster service outlives many worker processes and several hand-overs while runs keep it busy: every
 * new worker process replays what it picks up from history, so any nondeterminism shows here as a failed
 * workflow task, and any lost or repeated decision as a run that hangs or a task that runs twice.
 */
import type { Client } from '@temporalio/client';
import proto from '@temporalio/proto';
import { DefaultLogger, type NativeConnection, Runtime, type Worker } from '@temporalio/worker';
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ClusterSpecSchema } from '../../common/cluster-spec.js';
import { clusterWorkflowId } from '../../common/names.js';
import { type GantryConfig, loadConfig } from '../../engine/config.js';
import { loadDataConverter } from '../../engine/codec/data-converter.js';
import { connectClient, connectWorker } from '../../engine/connection.js';
import { localDockerEndpoint } from '../../engine/default-cluster.js';
import { clusterSnapshot, startRun, waitForRun } from '../../engine/runs.js';
import { createNodeWorker } from '../../engine/workers.js';
import { parsePipeline } from '../../pipeline/parse.js';
import type { PipelineInput } from '../../pipeline/schema.js';
import type { RunState } from '../../workflows/definitions.js';
import { ROOT, cliEnv, runGantry } from './cli-harness.js';

const WORKER_PROCESSES = 20;
// Low, so that the traffic below makes the service hand over several times.
const SERVICE_MAX_HISTORY_EVENTS = 120;

const env = cliEnv('marathon');
const config: GantryConfig = {
  ...loadConfig(env),
  clusterName: env.GANTRY_CLUSTER,
  controlTaskQueue: env.GANTRY_CONTROL_TASK_QUEUE,
};
const spec = ClusterSpecSchema.parse({
  name: env.GANTRY_CLUSTER,
  nodes: [{ id: 'local', capacity: { cpu: 2, memoryMiB: 2048 }, docker: localDockerEndpoint() }],
});

/** A fan-out/fan-in of short tasks; four at 0.5 cpu fill the node, so tasks queue behind each other. */
function fanPipeline(name: string): PipelineInput {
  const task = (id: string, dependsOn: string[]) => ({
    id,
    image: 'gantry/busybox',
    command: ['sh', '-c', 'sleep 0.3'],
    resources: { cpu: 0.5, memoryMiB: 32 },
    retry: { maxAttempts: 1 },
    dependsOn,
  });
  const middle = ['b1', 'b2', 'b3', 'b4'];
  return {
    name,
    tasks: [task('a', []), ...middle.map((id) => task(id, ['a'])), task('c', middle)],
  };
}

interface ExitedWorker {
  readonly code: number | null;
  readonly stderr: string;
}

/** `gantry worker --control` as its own process, stopped with SIGTERM as an operator would. */
async function workerProcess(): Promise<{ stop(): Promise<ExitedWorker> }> {
  const child: ChildProcess = spawn(
    'node',
    ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), 'worker', '--control'],
    { env, cwd: ROOT, stdio: ['ignore', 'ignore', 'pipe'] },
  );
  let stderr = '';
  child.stderr!.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
  const exited = new Promise<ExitedWorker>((resolve) =>
    child.once('exit', (code) => {
      exitedAt.set(identityOf(child.pid), Date.now());
      resolve({ code, stderr });
    }),
  );
  const deadline = Date.now() + 60_000;
  while (!stderr.includes('serving') && child.exitCode === null && Date.now() < deadline) {
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  if (!stderr.includes('serving')) {
    child.kill('SIGKILL');
    throw new Error(`gantry worker did not start: ${stderr}`);
  }
  return {
    async stop() {
      stopAskedAt.set(identityOf(child.pid), Date.now());
      child.kill('SIGTERM');
      return exited;
    },
  };
}

const { WorkflowTaskFailedCause, TimeoutType } = proto.temporal.api.enums.v1;

interface TaskProblems {
  /** Failures and time-outs that mean the workflow code or a worker misbehaved. */
  readonly real: string[];
  /** The server refusing a close while signals were waiting (UnhandledCommand): retried by design. */
  readonly refusedHandOvers: number;
  /** Tasks sent to the sticky queue of a worker process that had just exited, then rescheduled. */
  readonly stickyTimeouts: number;
  /**
   * Tasks a worker process took from its last poll as it shut down, lost in transit (a known limit of
   * Temporal's poll interruption) and retried after the task time-out.
   */
  readonly lostAtShutdown: number;
}

// Worker identity (`pid@host`) → when that process exited, and when it was asked to stop.
const exitedAt = new Map<string, number>();
const stopAskedAt = new Map<string, number>();
const identityOf = (pid: number | undefined) => `${String(pid)}@${os.hostname()}`;

// Temporal's default workflow task time-out, which the run and service workflows keep.
const WORKFLOW_TASK_TIMEOUT_MS = 10_000;

/**
 * A task started by a worker process that was told to stop (or exited) before the task's time-out could
 * elapse: the shutdown, not the workflow code, is why it timed out. The stop request counts rather than
 * the exit, because a loaded CI machine was seen taking 20 s from SIGTERM to exit. (A fixed 5 s window
 * after the exit misjudged such machines too.)
 */
function isLostAtShutdown(identity: string, startedAt: number): boolean {
  const exit = exitedAt.get(identity);
  if (exit === undefined || startedAt > exit) return false;
  const stopping = Math.min(stopAskedAt.get(identity) ?? exit, exit);
  return stopping - startedAt < WORKFLOW_TASK_TIMEOUT_MS;
}

/** Sorts one execution's workflow task failures and time-outs into what is a bug and what is routine. */
async function taskProblems(client: Client, workflowId: string, runId: string): Promise<TaskProblems> {
  const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
  const real: string[] = [];
  let refusedHandOvers = 0;
  let stickyTimeouts = 0;
  let lostAtShutdown = 0;
  let startedBy = '';
  let startedAt = 0;
  for (const e of history.events ?? []) {
    if (e.workflowTaskStartedEventAttributes) {
      startedBy = e.workflowTaskStartedEventAttributes.identity ?? '';
      startedAt = Number(e.eventTime?.seconds ?? 0) * 1000 + Math.floor((e.eventTime?.nanos ?? 0) / 1e6);
    }
    const failed = e.workflowTaskFailedEventAttributes;
    const timedOut = e.workflowTaskTimedOutEventAttributes;
    if (failed?.cause === WorkflowTaskFailedCause.WORKFLOW_TASK_FAILED_CAUSE_UNHANDLED_COMMAND)
      refusedHandOvers += 1;
    else if (failed)
      real.push(
        `${workflowId} event ${String(e.eventId)}: failed (${String(failed.cause)}) ${failed.failure?.message ?? ''}`,
      );
    else if (timedOut?.timeoutType === TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START) stickyTimeouts += 1;
    else if (
      timedOut?.timeoutType === TimeoutType.TIMEOUT_TYPE_START_TO_CLOSE &&
      isLostAtShutdown(startedBy, startedAt)
    )
      lostAtShutdown += 1;
    else if (timedOut)
      real.push(
        `${workflowId} event ${String(e.eventId)}: timed out (${String(timedOut.timeoutType)}), ` +
          `started by ${startedBy || '?'} (asked to stop ${String((stopAskedAt.get(startedBy) ?? NaN) - startedAt)} ms ` +
          `and exited ${String((exitedAt.get(startedBy) ?? NaN) - startedAt)} ms after)`,
      );
  }
  return { real, refusedHandOvers, stickyTimeouts, lostAtShutdown };
}

describe('a long-lived cluster service', () => {
  let client: Client;
  let connection: NativeConnection;
  let nodeWorker: Worker;
  let nodeRunning: Promise<void>;

  beforeAll(async () => {
    try {
      Runtime.install({ logger: new DefaultLogger('ERROR') });
    } catch {
      // Installed already by another file in this process: that one is fine.
    }
    client = await connectClient(config);
    connection = await connectWorker(config);
    // The node worker lives through the whole test: what is replaced is the workflow side.
    nodeWorker = await createNodeWorker({
      connection,
      artifactDir: config.artifactDir,
      namespace: config.namespace,
      clusterName: spec.name,
      node: spec.nodes[0]!,
      logDir: config.logDir,
      hostMountAllowlist: [],
      dataConverter: await loadDataConverter(config.codecKeys),
    });
    nodeRunning = nodeWorker.run();
    await client.workflow.start('clusterService', {
      workflowId: clusterWorkflowId(spec.name),
      taskQueue: config.controlTaskQueue,
      args: [{ spec, maxHistoryEvents: SERVICE_MAX_HISTORY_EVENTS }],
    });
  });

  afterAll(async () => {
    await client.workflow
      .getHandle(clusterWorkflowId(spec.name))
      .terminate('test finished')
      .catch(() => undefined);
    nodeWorker.shutdown();
    await nodeRunning;
    await connection.close();
    await client.connection.close();
  });

  it(`keeps one service through ${WORKER_PROCESSES} worker processes and 3+ hand-overs, every run finishing with no workflow task failing in the code`, async () => {
    const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'gantry-marathon-')), 'fan.yaml');
    await writeFile(file, JSON.stringify(fanPipeline('marathon-cli')));
    const detached: { workflowId: string; runId: string; done: Promise<RunState> }[] = [];
    const startDetached = async (i: number) => {
      const started = await startRun(
        client,
        config,
        parsePipeline(fanPipeline(`marathon-${i}`), { nodes: spec.nodes }),
      );
      const firstRunId = (await started.handle.describe()).runId;
      detached.push({ workflowId: started.workflowId, runId: firstRunId, done: waitForRun(started.handle) });
    };
    const cliRuns: string[] = [];

    for (let i = 0; i < 3; i++) await startDetached(i);
    for (let p = 0; p < WORKER_PROCESSES; p++) {
      if (p % 5 === 4) {
        // A fresh `gantry run`: no worker serves the control queue now, so it brings up its own.
        const result = await runGantry(env, 'run', file, '--json');
        exitedAt.set(identityOf(result.pid), Date.now());
        expect(result.code, result.stderr).toBe(0);
        const summary = JSON.parse(result.stdout.trim().split('\n').at(-1)!) as Pick<
          RunState,
          'runId' | 'status'
        >;
        expect(summary.status).toBe('succeeded');
        cliRuns.push(summary.runId);
      } else {
        const worker = await workerProcess();
        await new Promise((resolve) => setTimeout(resolve, 1_500));
        const exited = await worker.stop();
        expect(exited.code, exited.stderr).toBe(0);
      }
      if (p % 3 === 0) await startDetached(3 + p);
    }
    const last = await workerProcess();
    try {
      const states = await Promise.all(detached.map((r) => r.done));
      for (const state of states) {
        expect(state.status).toBe('succeeded');
        for (const task of Object.values(state.tasks)) expect(task.attempts).toBe(1);
      }
      const snapshot = await clusterSnapshot(client, spec.name);
      const tasksRun = (detached.length + cliRuns.length) * fanPipeline('x').tasks.length;
      // Each task was placed once: no request was lost, and none decided twice.
      expect(snapshot?.placements).toBe(tasksRun);
      expect(snapshot?.nodes[0]?.allocations).toEqual([]);
    } finally {
      await last.stop();
    }

    const executions: { runId: string; workflowId: string }[] = [];
    for await (const execution of client.workflow.list({
      query: `WorkflowId = "${clusterWorkflowId(spec.name)}"`,
    })) {
      executions.push({ runId: execution.runId, workflowId: execution.workflowId });
    }
    expect(executions.length).toBeGreaterThanOrEqual(4);
    const problems = await Promise.all([
      ...executions.map((e) => taskProblems(client, e.workflowId, e.runId)),
      ...detached.map((r) => taskProblems(client, r.workflowId, r.runId)),
    ]);
    expect(problems.flatMap((p) => p.real)).toEqual([]);
    const refused = problems.reduce((sum, p) => sum + p.refusedHandOvers, 0);
    console.info(
      `long-running: ${executions.length} executions of the service, ${cliRuns.length + detached.length} runs, ` +
        `${refused} hand-over(s) refused and retried, ` +
        `${problems.reduce((sum, p) => sum + p.stickyTimeouts, 0)} sticky-queue time-out(s), ` +
        `${problems.reduce((sum, p) => sum + p.lostAtShutdown, 0)} task(s) lost by a worker shutting down`,
    );
  }, 600_000);
});
