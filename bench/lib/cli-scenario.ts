/**
 * One engine-scale scenario the way a user runs it: `gantry worker --cluster-file` serves two simulated
 * nodes in one process, `gantry run FILE --no-cache --json` starts and watches the run in another, each
 * with its peak RSS sampled. A time limit cancels the run and records how far it got. Whatever the engine
 * does (fails to start, hits a Temporal limit, runs slowly), it is recorded, never hidden.
 */
import type { Client } from '@temporalio/client';
import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { clusterWorkflowId } from '../../common/names.js';
import { getRunState } from '../../engine/runs.js';
import type { RunState } from '../../workflows/definitions.js';
import { sampleRss } from './proc-rss.js';
import { type RunFootprint, measureRunFootprint } from './run-footprint.js';
import { type Scenario, scaleClusterYaml, scalePipeline, scenarioTasks } from './scale-pipelines.js';

const ROOT = path.resolve(import.meta.dirname, '../..');
/** The activity that runs one task attempt on a node (a simulated node's included). */
const TASK_ACTIVITY = 'runContainer';

export type ScenarioOutcome =
  | { readonly kind: 'ok' }
  | { readonly kind: 'failed'; readonly error: string }
  | { readonly kind: 'notFinished'; readonly limitMin: number };

export interface ScenarioResult {
  readonly scenario: Scenario;
  readonly size: number;
  readonly tasks: number;
  readonly outcome: ScenarioOutcome;
  readonly runStatus: string | undefined;
  readonly workflowId: string | undefined;
  /** Tasks (foreach items) that succeeded, when the run's state could be read. */
  readonly tasksDone: number | undefined;
  /** `gantry run` spawned → exited. */
  readonly wallMs: number;
  /** The run workflow's first start → last close, server time. */
  readonly spanMs: number | undefined;
  readonly tasksPerSecond: number | undefined;
  readonly workerPeakRssBytes: number;
  readonly cliPeakRssBytes: number;
  readonly footprint: Omit<RunFootprint, 'executions'> | undefined;
  readonly footprintError: string | undefined;
  readonly loadAverage: readonly [number, number];
}

export interface ScenarioOptions {
  readonly client: Client;
  readonly scenario: Scenario;
  readonly size: number;
  readonly concurrency: number;
  readonly chainWidth: number;
  readonly limitMin: number;
  readonly log: (line: string) => void;
}

// GANTRY_BENCH_CPU_PROF=DIR writes a V8 CPU profile of each gantry process there (Node refuses the flag
// in NODE_OPTIONS): where the worker's time goes at scale.
const profileDir = process.env['GANTRY_BENCH_CPU_PROF'];
const profileFlags = profileDir ? ['--cpu-prof', `--cpu-prof-dir=${profileDir}`] : [];

const cli = (args: readonly string[], env: NodeJS.ProcessEnv): ChildProcess =>
  spawn(process.execPath, [...profileFlags, '--import', 'tsx', path.join(ROOT, 'cli/main.ts'), ...args], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });

/** Keeps the last `max` characters of a stream: a 100,000-task run's progress output is long. */
function tail(stream: NodeJS.ReadableStream | null, max: number): () => string {
  let text = '';
  stream?.setEncoding('utf8');
  stream?.on('data', (chunk: string) => {
    text = (text + chunk).slice(-max);
  });
  return () => text;
}

/**
 * The first match of `pattern` in what `stream` prints, kept once seen. (Read from a tail at the end, the
 * run's workflow id was lost in a 100,000-task run: its progress lines pushed the line out of the tail.)
 */
function firstMatch(stream: NodeJS.ReadableStream | null, pattern: RegExp): () => string | undefined {
  let found: string | undefined;
  let pending = '';
  stream?.on('data', (chunk: string) => {
    if (found !== undefined) return;
    pending = (pending + chunk).slice(-4_096);
    found = pattern.exec(pending)?.[1];
  });
  return () => found;
}

const exited = (child: ChildProcess) =>
  new Promise<number>((resolve) => {
    if (child.exitCode !== null) resolve(child.exitCode);
    else child.once('exit', (code, signal) => resolve(code ?? (signal ? 128 : 1)));
  });

async function stopProcess(child: ChildProcess, graceMs: number): Promise<void> {
  if (child.exitCode !== null || child.signalCode !== null) return;
  child.kill('SIGINT');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited(child);
  clearTimeout(timer);
}

function waitForLine(read: () => string, pattern: RegExp, child: ChildProcess, ms: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const deadline = Date.now() + ms;
    const check = setInterval(() => {
      if (pattern.test(read())) {
        clearInterval(check);
        resolve();
      } else if (child.exitCode !== null || Date.now() > deadline) {
        clearInterval(check);
        reject(new Error(`gantry worker did not start: ${read().trim().split('\n').slice(-3).join(' | ')}`));
      }
    }, 200);
  });
}

/** Succeeded tasks, counting a foreach task's succeeded items rather than the task itself. */
function countDone(state: RunState): number {
  return Object.values(state.tasks).reduce(
    (sum, t) => sum + (t.foreach ? t.foreach.succeeded : t.status === 'succeeded' ? 1 : 0),
    0,
  );
}

/** The error a failed `gantry run` printed: its `gantry:` lines, else its last lines. */
function cliError(stderr: string, code: number): string {
  const lines = stderr.split('\n').map((l) => l.trim());
  const own = lines.filter((l) => /^gantry: (?!started run|watch it at)/.test(l));
  return `exit ${code}: ${(own.length > 0 ? own.slice(-2) : lines.filter(Boolean).slice(-3)).join(' | ')}`;
}

type RunPart = Omit<ScenarioResult, 'workerPeakRssBytes' | 'loadAverage'>;

export async function runScenario(options: ScenarioOptions): Promise<ScenarioResult> {
  const { client, scenario, size, concurrency, chainWidth, log } = options;
  const tasks = scenarioTasks(scenario, size, chainWidth);
  const dir = await mkdtemp(path.join(os.tmpdir(), `gantry-bench-scale-${scenario}-`));
  const name = `bench-scale-${randomBytes(3).toString('hex')}`;
  const env = {
    ...process.env,
    GANTRY_CLUSTER: name,
    GANTRY_CONTROL_TASK_QUEUE: `gantry-${name}`,
    GANTRY_LOG_DIR: path.join(dir, 'logs'),
  };
  await writeFile(path.join(dir, 'cluster.yaml'), scaleClusterYaml(name, concurrency));
  const pipelineFile = path.join(dir, 'pipeline.json');
  await writeFile(pipelineFile, JSON.stringify(scalePipeline(scenario, size, { chainWidth, concurrency })));
  const loadBefore = os.loadavg()[0]!;
  const worker = cli(['worker', '--cluster-file', path.join(dir, 'cluster.yaml')], env);
  const workerErr = tail(worker.stderr, 16_384);
  worker.stdout?.resume();
  const workerRss = sampleRss(worker.pid!);
  let part: RunPart;
  try {
    await waitForLine(workerErr, /gantry worker: serving/, worker, 300_000);
    log(`${scenario} ${size}: worker serving; starting the run (${tasks} tasks)`);
    part = await runAndMeasure(options, tasks, pipelineFile, env);
  } catch (err) {
    part = {
      scenario,
      size,
      tasks,
      outcome: { kind: 'failed', error: err instanceof Error ? err.message : String(err) },
      runStatus: undefined,
      workflowId: undefined,
      tasksDone: undefined,
      wallMs: 0,
      spanMs: undefined,
      tasksPerSecond: undefined,
      cliPeakRssBytes: 0,
      footprint: undefined,
      footprintError: undefined,
    };
  } finally {
    await stopProcess(worker, 30_000);
    await client.workflow
      .getHandle(clusterWorkflowId(name))
      .terminate('bench finished')
      .catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  }
  return { ...part, workerPeakRssBytes: await workerRss.stop(), loadAverage: [loadBefore, os.loadavg()[0]!] };
}

function withoutExecutions(footprint: RunFootprint): Omit<RunFootprint, 'executions'> {
  return Object.fromEntries(Object.entries(footprint).filter(([key]) => key !== 'executions')) as Omit<
    RunFootprint,
    'executions'
  >;
}

/** `gantry run` under a time limit (cancelling the run at the limit), then the run's state and footprint. */
async function runAndMeasure(
  options: ScenarioOptions,
  tasks: number,
  pipelineFile: string,
  env: NodeJS.ProcessEnv,
): Promise<RunPart> {
  const { client, scenario, size, limitMin } = options;
  const t0 = Date.now();
  const run = cli(['run', pipelineFile, '--no-cache', '--json'], env);
  const runRss = sampleRss(run.pid!);
  const runOut = tail(run.stdout, 4_000_000);
  const runErr = tail(run.stderr, 65_536);
  const workflowIdOf = firstMatch(run.stderr, /\(workflow ([^)]+)\)/);
  let isTimedOut = false;
  let doneAtLimit: number | undefined;
  const limit = setTimeout(() => {
    isTimedOut = true;
    void (async () => {
      const id = workflowIdOf();
      if (id) {
        const handle = client.workflow.getHandle(id);
        // A busy worker may not answer the query soon: the cancel must not wait for it.
        doneAtLimit = await Promise.race([
          getRunState(handle)
            .then(countDone)
            .catch(() => undefined),
          new Promise<undefined>((resolve) => setTimeout(() => resolve(undefined), 30_000)),
        ]);
        await handle.cancel().catch(() => undefined);
      }
      // A CLI that does not notice the cancel within two minutes is stopped.
      setTimeout(() => void stopProcess(run, 10_000), 120_000).unref();
    })();
  }, limitMin * 60_000);
  let code: number;
  try {
    code = await exited(run);
  } finally {
    clearTimeout(limit);
  }
  const wallMs = Date.now() - t0;
  const cliPeakRssBytes = await runRss.stop();
  const workflowId = workflowIdOf();
  const state = workflowId
    ? await getRunState(client.workflow.getHandle(workflowId)).catch(() => undefined)
    : undefined;
  const lastLine = runOut().trim().split('\n').pop() ?? '';
  let jsonStatus: string | undefined;
  try {
    jsonStatus = lastLine.startsWith('{') ? (JSON.parse(lastLine) as { status?: string }).status : undefined;
  } catch {
    jsonStatus = undefined;
  }
  const runStatus = state?.status ?? jsonStatus;
  const outcome: ScenarioOutcome = isTimedOut
    ? { kind: 'notFinished', limitMin }
    : code === 0 && runStatus === 'succeeded'
      ? { kind: 'ok' }
      : { kind: 'failed', error: cliError(runErr(), code) };
  let footprint: RunFootprint | undefined;
  let footprintError: string | undefined;
  if (workflowId) {
    try {
      footprint = await measureRunFootprint(client, workflowId, tasks);
    } catch (err) {
      footprintError = err instanceof Error ? err.message : String(err);
    }
  }
  // A partitioned run's state may not list its slices' tasks until they end: the histories' completed
  // runContainer activities (one per task attempt that succeeded) count them wherever they ran.
  const fromState = isTimedOut ? (doneAtLimit ?? (state && countDone(state))) : state && countDone(state);
  const fromHistory = footprint?.activitiesCompletedByType[TASK_ACTIVITY];
  const tasksDone =
    fromState === undefined && fromHistory === undefined
      ? undefined
      : Math.max(fromState ?? 0, fromHistory ?? 0);
  const spanMs = footprint?.spanMs;
  const seconds = (spanMs ?? (isTimedOut ? limitMin * 60_000 : wallMs)) / 1000;
  // The per-execution list stays out of the results file: a 100,000-task run has hundreds of them.
  const summary: Omit<RunFootprint, 'executions'> | undefined = footprint && withoutExecutions(footprint);
  return {
    scenario,
    size,
    tasks,
    outcome,
    runStatus,
    workflowId,
    tasksDone,
    wallMs,
    spanMs,
    tasksPerSecond: tasksDone === undefined ? undefined : tasksDone / seconds,
    cliPeakRssBytes,
    footprint: summary,
    footprintError,
  };
}
