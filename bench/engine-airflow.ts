// Usage: npm run bench:airflow -- [--rounds N]   (scripts/bench-airflow.sh: stack up, Airflow cached, then this)
/**
 * `npm run bench:engine`, part 2 of issue #10: Gantry against Apache Airflow 3 (LocalExecutor, Postgres, one
 * DockerOperator per task) on part 1's 200-task layered DAG, each measured as its overhead over the raw
 * dockerode loop run in the same round. Rounds run the three sides one after another, rotating who goes
 * first (the machine is shared and noisy). Reports makespans, overheads and their ratio (goal: Gantry's at
 * most a tenth of Airflow's), and the gap from an upstream task's end to the next task's start.
 * Needs GANTRY_AIRFLOW_VENV and GANTRY_PG_BIN (scripts/ensure-airflow.sh prints them) and the dev stack.
 * Writes bench/results/engine-airflow.{md,json}.
 */
import Docker from 'dockerode';
import { loadavg } from 'node:os';
import { localDockerEndpoint } from '../engine/default-cluster.js';
import { AIRFLOW_CONTAINER_LABEL, airflowDagFile } from './lib/airflow-dag-file.js';
import { reportAirflowBench, type Round } from './lib/airflow-report.js';
import { type AirflowRun, type AirflowStack, startAirflow } from './lib/airflow-stack.js';
import { type GantryBench, type GantryRun, startGantryBench } from './lib/gantry-dag.js';
import { type LayeredDag, dagTasks } from './lib/layered-dag.js';
import { type RawRun, runRawDockerDag } from './lib/raw-docker-dag.js';
import { upstreamGaps } from './lib/upstream-gaps.js';

const DAG: LayeredDag = { layers: 10, width: 20, cpu: 0.1, memoryMiB: 64 };
const WARM_UP: LayeredDag = { ...DAG, layers: 1 };
const CONCURRENCY = 20;
const DAG_ID = 'gantry_bench_engine';
const WARM_UP_DAG_ID = 'gantry_bench_warm_up';
const AIRFLOW_RUN_TIMEOUT_MS = 15 * 60_000;
const SIDES = ['raw', 'gantry', 'airflow'] as const;

function parseRounds(argv: readonly string[]): number {
  const i = argv.indexOf('--rounds');
  if (i < 0) return 2;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:airflow: --rounds must be a positive integer, got "${argv[i + 1] ?? ''}"`);
    process.exit(2);
  }
  return n;
}

function requiredEnv(name: string): string {
  const value = process.env[name];
  if (value) return value;
  console.error(
    `bench:airflow: ${name} is not set; run scripts/bench-airflow.sh (it runs scripts/ensure-airflow.sh)`,
  );
  process.exit(2);
}

const round1 = (n: number) => Math.round(n * 10) / 10;
const s = (ms: number) => (ms / 1000).toFixed(1);

async function main(): Promise<void> {
  const rounds = parseRounds(process.argv.slice(2));
  const venv = requiredEnv('GANTRY_AIRFLOW_VENV');
  const pgBin = requiredEnv('GANTRY_PG_BIN');
  const endpoint = localDockerEndpoint();
  const docker = new Docker(endpoint);
  const tasks = dagTasks(DAG);
  console.error(`bench:airflow: ${tasks.length}-task DAG, concurrency ${CONCURRENCY}, ${rounds} rounds`);

  let gantry: GantryBench | undefined;
  let airflow: AirflowStack | undefined;
  // Set as soon as Airflow's directory exists, so a Ctrl-C during its start-up stops what has started.
  let stopAirflow: (() => Promise<void>) | undefined;
  const cleanUp = async () => {
    const stopping = [gantry?.stop() ?? Promise.resolve(), stopAirflow?.() ?? Promise.resolve()];
    gantry = undefined;
    stopAirflow = undefined;
    await Promise.allSettled(stopping);
    await removeAirflowContainers(docker);
  };
  for (const signal of ['SIGINT', 'SIGTERM'] as const)
    process.once(signal, () => {
      console.error(`bench:airflow: ${signal}: stopping Airflow, Postgres and Gantry's workers`);
      void cleanUp().finally(() => process.exit(130));
    });

  const results: Round[] = [];
  try {
    console.error(
      'bench:airflow: starting Airflow (fresh Postgres, db migrate, api-server, dag-processor, scheduler)',
    );
    const t0 = Date.now();
    airflow = await startAirflow({
      venv,
      pgBin,
      dags: {
        [DAG_ID]: airflowDagFile(DAG_ID, DAG, CONCURRENCY, endpoint),
        [WARM_UP_DAG_ID]: airflowDagFile(WARM_UP_DAG_ID, WARM_UP, CONCURRENCY, endpoint),
      },
      parallelism: CONCURRENCY,
      onStop: (stop) => (stopAirflow = stop),
    });
    console.error(`bench:airflow: Airflow ${airflow.version} up in ${s(Date.now() - t0)} s`);
    gantry = await startGantryBench(CONCURRENCY, DAG);

    // One small warm-up of each side, not reported: first container starts, the workflow bundle's load and
    // Airflow's first task processes are not what this compares.
    console.error('bench:airflow: warm-up');
    await runRawDockerDag(docker, WARM_UP, CONCURRENCY);
    await gantry.run(WARM_UP);
    await airflow.run(WARM_UP_DAG_ID, AIRFLOW_RUN_TIMEOUT_MS);

    for (let i = 0; i < rounds; i++) {
      const order = SIDES.map((_, k) => SIDES[(i + k) % SIDES.length]!);
      const loadBefore = loadavg()[0]!;
      let raw: RawRun | undefined;
      let g: GantryRun | undefined;
      let a: AirflowRun | undefined;
      let airflowCpuOwn = 0;
      let airflowCpuIdle = 0;
      for (const side of order) {
        const cpu0 = airflow.cpuSeconds();
        if (side === 'raw') raw = await runRawDockerDag(docker, DAG, CONCURRENCY);
        else if (side === 'gantry') g = await gantry.run(DAG);
        else a = await airflow.run(DAG_ID, AIRFLOW_RUN_TIMEOUT_MS);
        const used = airflow.cpuSeconds() - cpu0;
        if (side === 'airflow') airflowCpuOwn += used;
        else airflowCpuIdle += used;
      }
      const round = measureRound(order, raw!, g!, a!, [round1(loadBefore), round1(loadavg()[0]!)], {
        ownRun: round1(airflowCpuOwn),
        othersRuns: round1(airflowCpuIdle),
      });
      results.push(round);
      console.error(
        `bench:airflow: round ${i + 1} (${order.join(', ')}): raw ${s(round.raw.makespanMs)} s, gantry ${s(round.gantry.makespanMs)} s (+${s(round.gantry.overheadMs)}), airflow ${s(round.airflow.makespanMs)} s (+${s(round.airflow.overheadMs)}), overhead ratio ${round.overheadRatio.toFixed(3)}; gap p50/p95 gantry ${round.gantry.gapToCreated.p50}/${round.gantry.gapToCreated.p95} ms, airflow ${round.airflow.gap.p50}/${round.airflow.gap.p95} ms`,
      );
    }
    const settings = airflow.settings;
    const version = airflow.version;
    await cleanUp();
    console.log(
      reportAirflowBench({
        dag: DAG,
        concurrency: CONCURRENCY,
        airflowVersion: version,
        airflowSettings: settings,
        rounds: results,
      }),
    );
  } finally {
    await cleanUp();
  }

  function measureRound(
    order: readonly string[],
    raw: RawRun,
    g: GantryRun,
    a: AirflowRun,
    loadAverage: readonly [number, number],
    airflowCpuSeconds: Round['airflowCpuSeconds'],
  ): Round {
    const { state } = g;
    if (state.status !== 'succeeded' || state.finishedAt === undefined)
      throw new Error(`bench:airflow: the Gantry run ${state.runId} ended ${state.status}`);
    const gMakespan = state.finishedAt - state.startedAt;
    const aMakespan = a.finishedAt - a.startedAt;
    const aTimes = Object.values(a.tasks);
    const gTask = (id: string) => state.tasks[id];
    return {
      order,
      raw: {
        makespanMs: raw.makespanMs,
        gap: upstreamGaps(
          tasks,
          (id) => raw.tasks[id]?.createdAt,
          (id) => raw.tasks[id]?.finishedAt,
        ),
      },
      gantry: {
        runId: state.runId,
        makespanMs: gMakespan,
        wallMs: g.wallMs,
        overheadMs: gMakespan - raw.makespanMs,
        gapToPlaced: upstreamGaps(
          tasks,
          (id) => gTask(id)?.startedAt,
          (id) => gTask(id)?.finishedAt,
        ),
        gapToCreated: upstreamGaps(
          tasks,
          (id) => gTask(id)?.createdAt,
          (id) => gTask(id)?.finishedAt,
        ),
      },
      airflow: {
        runId: a.runId,
        makespanMs: aMakespan,
        taskSpanMs:
          Math.max(...aTimes.map((t) => t.finishedAt)) - Math.min(...aTimes.map((t) => t.startedAt)),
        wallMs: a.wallMs,
        overheadMs: aMakespan - raw.makespanMs,
        gap: upstreamGaps(
          tasks,
          (id) => a.tasks[id]?.startedAt,
          (id) => a.tasks[id]?.finishedAt,
        ),
      },
      overheadRatio: (gMakespan - raw.makespanMs) / (aMakespan - raw.makespanMs),
      loadAverage,
      airflowCpuSeconds,
    };
  }
}

async function removeAirflowContainers(docker: Docker): Promise<void> {
  const label = `${AIRFLOW_CONTAINER_LABEL.key}=${AIRFLOW_CONTAINER_LABEL.value}`;
  const leftovers = await docker.listContainers({ all: true, filters: { label: [label] } }).catch(() => []);
  await Promise.allSettled(leftovers.map((c) => docker.getContainer(c.Id).remove({ force: true })));
  if (leftovers.length > 0)
    console.error(`bench:airflow: removed ${leftovers.length} leftover Airflow containers`);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
