/**
 * `npm run chaos` (issue #11): each case runs a pipeline of 60 tasks (6 chains of 10 `sleep 1`) on a
 * cluster of two node engines (scripts/ensure-nodes.sh), with the control worker and each node's worker in
 * a `gantry worker` process of its own, injects one fault mid-run (bench/lib/chaos-cases.ts), waits for every
 * run to end, and checks from each engine's Docker event stream and Gantry's run states that no task ran
 * twice or had two containers alive at once, that no task of a run expected to succeed was lost, and that
 * no container and no reservation is left (bench/lib/chaos-invariants.ts). Writes bench/results/chaos.{md,json}.
 *
 * Usage (via scripts/chaos.sh, which brings up the stack and the node engines):
 *   npx tsx bench/chaos.ts [--cases a,b] [--chains 6] [--length 10]
 * By default every case whose recovery is built (all seven now).
 * Exit 1 if a case breaks an invariant.
 */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { stringify } from 'yaml';
import { createDockerRuntime } from '../activities/docker-runtime.js';
import { ClusterSpecSchema } from '../common/cluster-spec.js';
import { Label, clusterWorkflowId } from '../common/names.js';
import { type GantryConfig, loadConfig } from '../engine/config.js';
import { connectClient } from '../engine/connection.js';
import { getRunState, startRun } from '../engine/runs.js';
import { parsePipeline } from '../pipeline/parse.js';
import type { PipelineInput } from '../pipeline/schema.js';
import { clusterSnapshotQuery, type RunState, runStateQuery } from '../workflows/definitions.js';
import { CHAOS_CASES, type ChaosCase, type ChaosContext } from './lib/chaos-cases.js';
import { type Verdict, judge } from './lib/chaos-invariants.js';
import { followEvents } from './lib/event-stream.js';
import { workerProcess } from './lib/worker-process.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..');
const RESULTS = path.join(ROOT, 'bench', 'results');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const RUN_TIMEOUT_MS = 10 * 60_000;
/** The fault comes once this many tasks of the first run have succeeded: mid-run, with work in flight. */
const FAULT_AFTER_TASKS = 12;

interface Args {
  readonly cases: readonly ChaosCase[];
  readonly chains: number;
  readonly length: number;
}

function parseArgs(argv: readonly string[]): Args {
  let names = CHAOS_CASES.filter((c) => c.isImplemented !== false).map((c) => c.name);
  let chains = 6;
  let length = 10;
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    if (flag === '--cases' && value) names = value.split(',');
    else if (flag === '--chains' && value) chains = Number(value);
    else if (flag === '--length' && value) length = Number(value);
    else throw new Error(`chaos: unknown or incomplete flag "${flag}" (--cases a,b --chains N --length N)`);
    i++;
  }
  const cases = names.map((name) => {
    const found = CHAOS_CASES.find((c) => c.name === name);
    if (!found)
      throw new Error(
        `chaos: --cases: unknown case "${name}" (${CHAOS_CASES.map((c) => c.name).join(', ')})`,
      );
    return found;
  });
  return { cases, chains, length };
}

function pipeline(name: string, chains: number, length: number): PipelineInput {
  return {
    name,
    tasks: Array.from({ length: chains * length }, (_, i) => {
      const chain = Math.floor(i / length);
      const step = i % length;
      return {
        id: `c${chain}-s${step}`,
        image: 'gantry/busybox',
        command: ['sh', '-c', 'sleep 1'],
        resources: { cpu: 0.25, memoryMiB: 32 },
        retry: { maxAttempts: 1 },
        ...(step > 0 ? { dependsOn: [`c${chain}-s${step - 1}`] } : {}),
      };
    }),
  };
}

function nodeHosts(): string[] {
  const hosts = [process.env['GANTRY_NODE_1'], process.env['GANTRY_NODE_2']];
  if (hosts.some((h) => !h?.startsWith('unix://')))
    throw new Error(
      'chaos: GANTRY_NODE_1 and GANTRY_NODE_2 must name the node engines (run it via scripts/chaos.sh)',
    );
  return hosts as string[];
}

interface CaseResult {
  readonly name: string;
  readonly fault: string;
  readonly verdict: Verdict;
  /** From the fault until every task queued or running at the fault had finished. */
  readonly recoverySeconds: number | null;
  readonly wallSeconds: number;
  /** Container starts seen in the engines' event streams: the evidence the checks read. */
  readonly containerStarts: number;
  /**
   * Tasks moved off a node the service took for lost. Only a case that kills a node may have any: in the
   * others a lost node is a false alarm (heartbeats missed during a server or worker restart).
   */
  readonly nodeLossMoves: number;
  readonly error?: string;
}

async function runCase(chaos: ChaosCase, args: Args, hosts: readonly string[]): Promise<CaseResult> {
  const tag = randomBytes(3).toString('hex');
  const base = loadConfig();
  const config: GantryConfig = {
    ...base,
    clusterName: `chaos-${chaos.name}-${tag}`.slice(0, 40),
    controlTaskQueue: `gantry-chaos-${chaos.name}-${tag}`,
    logDir: path.join(os.tmpdir(), 'gantry-chaos-logs'),
  };
  const spec = ClusterSpecSchema.parse({
    name: config.clusterName,
    reconcileIntervalSeconds: 5,
    nodes: hosts.map((host, i) => ({
      id: `n${i + 1}`,
      capacity: { cpu: 1, memoryMiB: 1024 },
      docker: { socketPath: host.slice('unix://'.length) },
    })),
  });
  const file = path.join(os.tmpdir(), `gantry-chaos-${config.clusterName}.yaml`);
  await writeFile(file, stringify(spec));
  const env = {
    GANTRY_CLUSTER: config.clusterName,
    GANTRY_CONTROL_TASK_QUEUE: config.controlTaskQueue,
    GANTRY_LOG_DIR: config.logDir,
  };
  const control = workerProcess(env, ['--control', '--cluster-file', file]);
  const nodes = Object.fromEntries(spec.nodes.map((n) => [n.id, workerProcess(env, ['--node', n.id])]));
  const client = await connectClient(config);
  const started = Date.now();
  const stream = followEvents(hosts);
  let faultAt = 0;
  const handles: Awaited<ReturnType<typeof startRun>>[] = [];
  try {
    await control.start();
    await Promise.all(Object.values(nodes).map((n) => n.start()));
    const parsed = parsePipeline(pipeline(`chaos-${chaos.name}`, args.chains, args.length), {
      nodes: spec.nodes,
    });
    for (let i = 0; i < (chaos.runs ?? 1); i++) handles.push(await startRun(client, config, parsed));
    const first = handles[0]!.handle;
    for (;;) {
      const state = await getRunState(first);
      const done = Object.values(state.tasks).filter((t) => t.status === 'succeeded').length;
      if (done >= FAULT_AFTER_TASKS || state.status !== 'running') break;
      await pause(250);
    }
    // The work in flight when the fault comes: recovery is done when every piece of it is done.
    const inFlight = await Promise.all(
      handles.map(async (h) => {
        const state = await getRunState(h.handle);
        return Object.entries(state.tasks)
          .filter(([, t]) => t.status === 'running' || t.status === 'queued')
          .map(([id]) => id);
      }),
    );
    faultAt = Date.now();
    process.stderr.write(`chaos: ${chaos.name}: ${chaos.fault}\n`);
    const context: ChaosContext = {
      home: config.home,
      control,
      nodes,
      runs: handles.map((h) => h.handle),
      runState: (h) => h.query(runStateQuery),
      nodeHealth: async (nodeId) =>
        (
          await client.workflow.getHandle(clusterWorkflowId(config.clusterName)).query(clusterSnapshotQuery)
        ).nodes.find((n) => n.id === nodeId)?.health,
    };
    await chaos.inject(context);
    const deadline = Date.now() + RUN_TIMEOUT_MS;
    const states: RunState[] = [];
    const closedAs: string[] = [];
    for (const h of handles) {
      for (;;) {
        const { status } = await h.handle.describe();
        if (status.name !== 'RUNNING') {
          closedAs.push(status.name.toLowerCase());
          break;
        }
        if (Date.now() > deadline)
          throw new Error(`run ${h.runId} did not end within ${RUN_TIMEOUT_MS / 60_000} min`);
        await pause(500);
      }
      states.push(
        await getRunState(h.handle).catch(() => ({ status: 'terminated', tasks: {} }) as unknown as RunState),
      );
    }
    const end = Date.now();
    await chaos.recover?.(context);
    // A terminated run's attempts learn on their next heartbeat; the service's next round frees its room.
    await pause(12_000);
    const snapshot = await client.workflow
      .getHandle(clusterWorkflowId(config.clusterName))
      .query(clusterSnapshotQuery);
    const held = snapshot.nodes.flatMap((n) => n.allocations);
    const left = (
      await Promise.all(
        hosts.map(async (host) => {
          const engine = createDockerRuntime({ socketPath: host.slice('unix://'.length) });
          const found = (
            await Promise.all(
              handles
                .map((h) => engine.findContainers({ [Label.Run]: h.runId }))
                .map((p) => p.catch(() => [])),
            )
          ).flat();
          return found.map((c) => `${host}/${c.name}`);
        }),
      )
    ).flat();
    const events = stream.stop();
    // Over the runs expected to succeed: a terminated run's tasks never finish.
    const recoveredAt = Math.max(
      faultAt,
      ...states.flatMap((s, i) =>
        (chaos.isExpectedToSucceed?.(i) ?? true)
          ? inFlight[i]!.map((id) => s.tasks[id]?.finishedAt ?? faultAt)
          : [],
      ),
    );
    const verdict = judge(
      handles.map((h, i) => ({
        runId: h.runId,
        isExpectedToSucceed: chaos.isExpectedToSucceed?.(i) ?? true,
        // A terminated run's last state still says running: Temporal's own status says how it closed.
        status: closedAs[i] === 'terminated' ? 'terminated' : states[i]!.status,
        tasks: Object.fromEntries(Object.entries(states[i]!.tasks).map(([id, t]) => [id, t.status])),
      })),
      events,
      end,
      left,
      held,
    );
    return {
      name: chaos.name,
      fault: chaos.fault,
      verdict,
      recoverySeconds: (recoveredAt - faultAt) / 1000,
      wallSeconds: (Date.now() - started) / 1000,
      containerStarts: events.filter((e) => e.action === 'start').length,
      nodeLossMoves: states
        .flatMap((s) => Object.values(s.tasks))
        .filter((t) => /node \S+ lost/.test(t.lastPreemption ?? '')).length,
    };
  } catch (err) {
    return {
      name: chaos.name,
      fault: chaos.fault,
      verdict: { runs: handles.length, runsFinished: 0, lost: [], duplicated: [], leaked: [] },
      recoverySeconds: null,
      wallSeconds: (Date.now() - started) / 1000,
      containerStarts: 0,
      nodeLossMoves: 0,
      error: err instanceof Error ? err.message : String(err),
    };
  } finally {
    stream.stop();
    for (const h of handles) await h.handle.terminate('chaos: case over').catch(() => undefined);
    await Promise.all([control, ...Object.values(nodes)].map((w) => w.stop('SIGTERM')));
    await client.workflow
      .getHandle(clusterWorkflowId(config.clusterName))
      .terminate('chaos: case over')
      .catch(() => undefined);
    await client.connection.close();
    // Whatever a case stopped comes back for the next one; its runs' containers go.
    await run('bash', [path.join(ROOT, 'scripts/ensure-nodes.sh'), String(hosts.length)], { cwd: ROOT });
    await run('bash', [path.join(ROOT, 'scripts/ensure-temporal.sh')], { cwd: ROOT });
    for (const host of hosts) {
      const engine = createDockerRuntime({ socketPath: host.slice('unix://'.length) });
      for (const h of handles)
        for (const c of await engine.findContainers({ [Label.Run]: h.runId }).catch(() => []))
          await engine.removeContainer(c.id).catch(() => undefined);
    }
  }
}

function isClean(r: CaseResult): boolean {
  const v = r.verdict;
  // No container seen means the events were not read: the checks would pass on nothing.
  return (
    r.containerStarts > 0 &&
    (r.nodeLossMoves === 0 || CHAOS_CASES.find((c) => c.name === r.name)?.losesNode === true) &&
    r.error === undefined &&
    v.runsFinished === v.runs &&
    v.lost.length === 0 &&
    v.duplicated.length === 0 &&
    v.leaked.length === 0
  );
}

function report(results: readonly CaseResult[], args: Args): string {
  const rows = results.map((r) => {
    const v = r.verdict;
    return `| ${r.name} | ${r.fault} | ${v.runsFinished}/${v.runs} | ${v.lost.length} | ${v.duplicated.length} | ${v.leaked.length} | ${r.recoverySeconds === null ? '–' : r.recoverySeconds.toFixed(1)} | ${r.containerStarts} | ${r.nodeLossMoves} | ${r.wallSeconds.toFixed(0)} | ${isClean(r) ? 'pass' : 'FAIL'} |`;
  });
  const details = results.flatMap((r) => [
    ...(r.error ? [`- ${r.name}: error: ${r.error}`] : []),
    ...[...r.verdict.lost, ...r.verdict.duplicated, ...r.verdict.leaked]
      .slice(0, 10)
      .map((d) => `- ${r.name}: ${d}`),
  ]);
  return [
    '# Chaos suite',
    '',
    `Date: ${new Date().toISOString()}  `,
    `Machine: ${os.cpus()[0]?.model ?? '?'} (${os.cpus().length} cpus), Node ${process.version}  `,
    `Reproduce: \`npm run chaos -- --cases ${args.cases.map((c) => c.name).join(',')}\``,
    '',
    `Each case: a pipeline of ${args.chains * args.length} tasks (${args.chains} chains of ${args.length} \`sleep 1\`, cpu 0.25) on two node engines of 1 cpu each; the fault comes once ${FAULT_AFTER_TASKS} tasks have succeeded. Recovery: from the fault until every task that was queued or running at the fault had finished.`,
    '',
    '| Case | Fault | Runs finished | Tasks lost | Duplicated | Leaked | Recovery (s) | Container starts | Moved off a lost node | Wall (s) | Result |',
    '|---|---|---|---|---|---|---|---|---|---|---|',
    ...rows,
    '',
    ...(details.length > 0 ? ['Findings:', '', ...details, ''] : []),
  ].join('\n');
}

async function main(): Promise<void> {
  const args = parseArgs(process.argv.slice(2));
  const hosts = nodeHosts();
  const results: CaseResult[] = [];
  for (const chaos of args.cases) {
    const result = await runCase(chaos, args, hosts);
    process.stderr.write(
      `chaos: ${chaos.name}: ${isClean(result) ? 'pass' : 'FAIL'} (${JSON.stringify({ ...result.verdict, recoverySeconds: result.recoverySeconds, error: result.error })})\n`,
    );
    results.push(result);
  }
  await mkdir(RESULTS, { recursive: true });
  await writeFile(path.join(RESULTS, 'chaos.md'), `${report(results, args)}\n`);
  await writeFile(
    path.join(RESULTS, 'chaos.json'),
    `${JSON.stringify({ date: new Date().toISOString(), results }, null, 2)}\n`,
  );
  process.exitCode = results.every(isClean) ? 0 : 1;
}

await main();
