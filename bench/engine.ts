/**
 * `npm run bench:engine`, part 1 of issue #10: Gantry against a raw dockerode loop on the same 200-task
 * layered DAG of `gantry/busybox true` containers, with the same dependencies and concurrency. Runs
 * interleaved pairs (the machine is noisy) and reports min/median/max of each side's makespan, their ratio,
 * and Gantry's task-ready → container-created latency. Needs the stack up (scripts/bench-engine.sh brings
 * it up). Writes bench/results/engine-dag.{md,json}; bench/engine-report.ts merges it into engine.{md,json}.
 *
 * Usage: tsx bench/engine.ts [--pairs N]
 */
import Docker from 'dockerode';
import { loadavg } from 'node:os';
import { localDockerEndpoint } from '../engine/default-cluster.js';
import type { RunState } from '../workflows/definitions.js';
import { type GantryRun, startGantryBench } from './lib/gantry-dag.js';
import type { LayeredDag } from './lib/layered-dag.js';
import { type RawRun, runRawDockerDag } from './lib/raw-docker-dag.js';
import { writeReport } from './lib/report.js';
import { percentile, sortedOf, spread } from './lib/upstream-gaps.js';

const DAG: LayeredDag = { layers: 10, width: 20, cpu: 0.1, memoryMiB: 64 };
const CONCURRENCY = 20;
const GOALS = { makespanRatio: 1.1, readyCreatedP50Ms: 50, readyCreatedP99Ms: 250 };

function parsePairs(argv: readonly string[]): number {
  const i = argv.indexOf('--pairs');
  if (i < 0) return 3;
  const n = Number(argv[i + 1]);
  if (!Number.isInteger(n) || n < 1) {
    console.error(`bench:engine: --pairs must be a positive integer, got "${argv[i + 1] ?? ''}"`);
    process.exit(2);
  }
  return n;
}

const round1 = (n: number) => Math.round(n * 10) / 10;

interface Latency {
  readonly p50: number;
  readonly p99: number;
  readonly max: number;
  readonly count: number;
}

function latency(
  pairs: readonly { readyAt?: number | undefined; createdAt?: number | undefined }[],
): Latency {
  const s = sortedOf(
    pairs.flatMap((t) =>
      t.readyAt !== undefined && t.createdAt !== undefined ? [t.createdAt - t.readyAt] : [],
    ),
  );
  return { p50: percentile(s, 50), p99: percentile(s, 99), max: s[s.length - 1] ?? NaN, count: s.length };
}

/** The most containers alive at once, from each task's created → finished interval. */
function peakConcurrency(tasks: readonly { createdAt?: number; finishedAt?: number }[]): number {
  const edges = tasks.flatMap((t) =>
    t.createdAt !== undefined && t.finishedAt !== undefined
      ? [
          [t.createdAt, 1],
          [t.finishedAt, -1],
        ]
      : [],
  );
  edges.sort((a, b) => a[0]! - b[0]! || a[1]! - b[1]!);
  let now = 0;
  let peak = 0;
  for (const [, delta] of edges) peak = Math.max(peak, (now += delta!));
  return peak;
}

function gantryMakespan(state: RunState): number {
  if (state.status !== 'succeeded' || state.finishedAt === undefined)
    throw new Error(`bench:engine: the Gantry run ${state.runId} ended ${state.status}`);
  return state.finishedAt - state.startedAt;
}

interface Pair {
  readonly raw: { makespanMs: number; readyToCreated: Latency; peakConcurrency: number };
  readonly gantry: {
    runId: string;
    makespanMs: number;
    wallMs: number;
    historyEvents: number;
    continuations: number;
    readyToCreated: Latency;
    /** The two halves of ready → created: waiting for a placement, then dispatch to the node and create. */
    readyToPlaced: Latency;
    placedToCreated: Latency;
    peakConcurrency: number;
  };
  readonly ratio: number;
  /** The machine's 1-minute load average before and after the pair (other work shares it). */
  readonly loadAverage: readonly [number, number];
}

async function main(): Promise<void> {
  const pairs = parsePairs(process.argv.slice(2));
  const docker = new Docker(localDockerEndpoint());
  const tasks = DAG.layers * DAG.width;
  console.error(`bench:engine: ${tasks}-task DAG, concurrency ${CONCURRENCY}, ${pairs} interleaved pairs`);
  const gantry = await startGantryBench(CONCURRENCY, DAG);
  const results: Pair[] = [];
  try {
    // One warm-up of each side, not reported: first container starts and the workflow bundle's load are
    // not what this compares.
    console.error('bench:engine: warm-up');
    await runRawDockerDag(docker, { ...DAG, layers: 1 }, CONCURRENCY);
    await gantry.run({ ...DAG, layers: 1 });
    for (let i = 0; i < pairs; i++) {
      // Alternate who goes first, so a drift in the machine's load does not favour one side.
      const order = i % 2 === 0 ? (['raw', 'gantry'] as const) : (['gantry', 'raw'] as const);
      const loadBefore = loadavg()[0]!;
      let raw: RawRun | undefined;
      let g: GantryRun | undefined;
      for (const side of order) {
        if (side === 'raw') raw = await runRawDockerDag(docker, DAG, CONCURRENCY);
        else g = await gantry.run(DAG);
      }
      const gMakespan = gantryMakespan(g!.state);
      const pair: Pair = {
        raw: {
          makespanMs: raw!.makespanMs,
          readyToCreated: latency(Object.values(raw!.tasks)),
          peakConcurrency: peakConcurrency(Object.values(raw!.tasks)),
        },
        gantry: {
          runId: g!.state.runId,
          makespanMs: gMakespan,
          wallMs: g!.wallMs,
          historyEvents: g!.historyEvents,
          continuations: g!.state.continuations ?? 0,
          readyToCreated: latency(Object.values(g!.state.tasks)),
          readyToPlaced: latency(
            Object.values(g!.state.tasks).map((t) => ({ readyAt: t.readyAt, createdAt: t.startedAt })),
          ),
          placedToCreated: latency(
            Object.values(g!.state.tasks).map((t) => ({ readyAt: t.startedAt, createdAt: t.createdAt })),
          ),
          peakConcurrency: peakConcurrency(Object.values(g!.state.tasks)),
        },
        ratio: gMakespan / raw!.makespanMs,
        loadAverage: [round1(loadBefore), round1(loadavg()[0]!)],
      };
      results.push(pair);
      console.error(
        `bench:engine: pair ${i + 1}: raw ${(pair.raw.makespanMs / 1000).toFixed(1)} s, gantry ${(gMakespan / 1000).toFixed(1)} s (wall ${(g!.wallMs / 1000).toFixed(1)} s), ratio ${pair.ratio.toFixed(2)}×, ready→created p50 ${pair.gantry.readyToCreated.p50} ms p99 ${pair.gantry.readyToCreated.p99} ms`,
      );
    }
  } finally {
    await gantry.stop();
  }
  report(results, tasks);
}

function report(results: readonly Pair[], tasks: number): void {
  const s = (ms: number) => (ms / 1000).toFixed(1);
  const fmt = (v: { min: number; median: number; max: number }, f: (n: number) => string) =>
    `${f(v.min)} / ${f(v.median)} / ${f(v.max)}`;
  const ms = (n: number) => String(Math.round(n));
  const x = (n: number) => `${n.toFixed(2)}×`;
  const raw = spread(results.map((r) => r.raw.makespanMs));
  const gMake = spread(results.map((r) => r.gantry.makespanMs));
  const gWall = spread(results.map((r) => r.gantry.wallMs));
  const ratio = spread(results.map((r) => r.ratio));
  const overhead = spread(results.map((r) => r.gantry.makespanMs - r.raw.makespanMs));
  const p50 = spread(results.map((r) => r.gantry.readyToCreated.p50));
  const p99 = spread(results.map((r) => r.gantry.readyToCreated.p99));
  const rawP50 = spread(results.map((r) => r.raw.readyToCreated.p50));
  const rawP99 = spread(results.map((r) => r.raw.readyToCreated.p99));
  const placedP50 = spread(results.map((r) => r.gantry.readyToPlaced.p50));
  const placedP99 = spread(results.map((r) => r.gantry.readyToPlaced.p99));
  const dispatchP50 = spread(results.map((r) => r.gantry.placedToCreated.p50));
  const dispatchP99 = spread(results.map((r) => r.gantry.placedToCreated.p99));
  const peaks = (side: 'raw' | 'gantry') => spread(results.map((r) => r[side].peakConcurrency));
  const events = spread(results.map((r) => r.gantry.historyEvents / tasks));
  const met = (ok: boolean) => (ok ? 'met' : 'not met');
  const rows: (string | number)[][] = [
    ['Raw dockerode loop makespan (s)', fmt(raw, s), ''],
    ['Gantry makespan, run start → close (s)', fmt(gMake, s), ''],
    ['Gantry wall, client start → result (s)', fmt(gWall, s), ''],
    [
      'Makespan ratio Gantry / raw',
      fmt(ratio, x),
      `≤ ${GOALS.makespanRatio}×: ${met(ratio.median <= GOALS.makespanRatio)}`,
    ],
    ['Overhead over raw (s)', fmt(overhead, s), ''],
    [
      'Gantry ready → created p50 (ms)',
      fmt(p50, ms),
      `≤ ${GOALS.readyCreatedP50Ms} ms: ${met(p50.median <= GOALS.readyCreatedP50Ms)}`,
    ],
    [
      'Gantry ready → created p99 (ms)',
      fmt(p99, ms),
      `≤ ${GOALS.readyCreatedP99Ms} ms: ${met(p99.median <= GOALS.readyCreatedP99Ms)}`,
    ],
    ['… of which ready → placed p50 / p99 (ms)', `${fmt(placedP50, ms)}; ${fmt(placedP99, ms)}`, ''],
    ['… of which placed → created p50 / p99 (ms)', `${fmt(dispatchP50, ms)}; ${fmt(dispatchP99, ms)}`, ''],
    ['Raw loop ready → created p50 (ms)', fmt(rawP50, ms), ''],
    ['Raw loop ready → created p99 (ms)', fmt(rawP99, ms), ''],
    [
      'Peak containers at once, raw / Gantry',
      `${fmt(peaks('raw'), String)}; ${fmt(peaks('gantry'), String)}`,
      '',
    ],
    [
      '1-min load average around each pair (2 cores)',
      results.map((r) => `${r.loadAverage[0]}→${r.loadAverage[1]}`).join(', '),
      '',
    ],
    ['Gantry history events per task', fmt(events, (n) => n.toFixed(1)), ''],
  ];
  const markdown = writeReport({
    name: 'engine-dag',
    title: 'Engine: Gantry vs a raw dockerode loop',
    command: 'npm run bench:engine -- --part 1',
    header: [`Measure (${results.length} interleaved pairs)`, 'min / median / max', 'Goal (on the median)'],
    rows,
    notes: [
      `DAG: ${DAG.layers} layers of ${DAG.width} \`gantry/busybox true\` tasks (cpu ${DAG.cpu}, ${DAG.memoryMiB} MiB); each task after the first layer depends on two of the layer before (the one below and its right neighbour). Both sides run ${CONCURRENCY} at once: the raw loop with a ${CONCURRENCY}-slot FIFO, Gantry with one node of ${CONCURRENCY * DAG.cpu} cpus.`,
      'Raw loop (bench/lib/raw-docker-dag.ts): dockerode create (the same create options Gantry builds: limits, hardening, log config; no workspace volume), start, wait, remove, as soon as the upstreams are done and a slot is free.',
      "Gantry (bench/lib/gantry-dag.ts): a private one-node cluster (cluster service, control worker and node worker in the bench process) on the real Temporal server and Docker engine; cache off. Makespan is the run state's finishedAt − startedAt (workflow time); wall is from the client's start call to its result.",
      "Ready → created: `readyAt` is the workflow time at which the DAG made the task ready (dataflow-run takes it from takeReady); `createdAt` is the node worker's wall clock right after Docker's create returned. Both are real clock readings on this one machine (workflow time is the workflow task's start time as the server recorded it), so their difference is meaningful here, not across machines. It includes waiting for a free slot on the node. Its halves split at `startedAt` (workflow time the cluster service's placement arrived): ready → placed is the wait for a placement, placed → created the activity's dispatch to the node worker and Docker's create.",
      'Pairs alternate which side goes first; one small warm-up of each side runs before, unreported.',
    ],
    data: { dag: DAG, concurrency: CONCURRENCY, goals: GOALS, pairs: results },
  });
  console.log(markdown);
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
