/** The results of bench/engine-airflow.ts as bench/results/engine-airflow.{md,json}. */
import type { LayeredDag } from './layered-dag.js';
import { writeReport } from './report.js';
import { type GapSummary, type Spread, spread } from './upstream-gaps.js';

/** Gantry's overhead over the raw loop at most this fraction of Airflow's (issue #10). */
export const OVERHEAD_RATIO_GOAL = 0.1;

export interface Round {
  /** Which side ran first, second, third. */
  readonly order: readonly string[];
  readonly raw: { readonly makespanMs: number; readonly gap: GapSummary };
  readonly gantry: {
    readonly runId: string;
    readonly makespanMs: number;
    readonly wallMs: number;
    readonly overheadMs: number;
    readonly gapToPlaced: GapSummary;
    readonly gapToCreated: GapSummary;
  };
  readonly airflow: {
    readonly runId: string;
    readonly makespanMs: number;
    /** First task instance's start to the last one's end. */
    readonly taskSpanMs: number;
    readonly wallMs: number;
    readonly overheadMs: number;
    readonly gap: GapSummary;
  };
  /** Gantry's overhead over raw divided by Airflow's, in this round. */
  readonly overheadRatio: number;
  readonly loadAverage: readonly [number, number];
  /** CPU Airflow's processes used during its own run, and while the raw loop and Gantry ran. */
  readonly airflowCpuSeconds: { readonly ownRun: number; readonly othersRuns: number };
}

export interface AirflowBenchResults {
  readonly dag: LayeredDag;
  readonly concurrency: number;
  readonly airflowVersion: string;
  readonly airflowSettings: Readonly<Record<string, string>>;
  readonly rounds: readonly Round[];
}

const sec = (ms: number) => (ms / 1000).toFixed(1);
const ms = (n: number) => String(Math.round(n));
const fmt = (v: Spread, f: (n: number) => string) => `${f(v.min)} / ${f(v.median)} / ${f(v.max)}`;

/** Writes the report files and returns the markdown. */
export function reportAirflowBench(results: AirflowBenchResults): string {
  const { rounds, dag, concurrency } = results;
  const over = (f: (r: Round) => number) => spread(rounds.map(f));
  const gapRow = (label: string, f: (r: Round) => GapSummary): (string | number)[] => [
    label,
    `${fmt(
      over((r) => f(r).p50),
      ms,
    )}; ${fmt(
      over((r) => f(r).p95),
      ms,
    )}`,
    '',
  ];
  const ratio = over((r) => r.overheadRatio);
  const rows: (string | number)[][] = [
    [
      'Raw dockerode loop makespan (s)',
      fmt(
        over((r) => r.raw.makespanMs),
        sec,
      ),
      '',
    ],
    [
      'Gantry makespan, run start → close (s)',
      fmt(
        over((r) => r.gantry.makespanMs),
        sec,
      ),
      '',
    ],
    [
      `Airflow ${results.airflowVersion} makespan, DAG run start → end (s)`,
      fmt(
        over((r) => r.airflow.makespanMs),
        sec,
      ),
      '',
    ],
    [
      'Airflow first task start → last task end (s)',
      fmt(
        over((r) => r.airflow.taskSpanMs),
        sec,
      ),
      '',
    ],
    [
      'Airflow wall, trigger command → run seen finished (s)',
      fmt(
        over((r) => r.airflow.wallMs),
        sec,
      ),
      '',
    ],
    [
      'Gantry overhead over raw (s)',
      fmt(
        over((r) => r.gantry.overheadMs),
        sec,
      ),
      '',
    ],
    [
      'Airflow overhead over raw (s)',
      fmt(
        over((r) => r.airflow.overheadMs),
        sec,
      ),
      '',
    ],
    [
      'Overhead ratio Gantry / Airflow',
      fmt(ratio, (n) => n.toFixed(3)),
      `≤ ${OVERHEAD_RATIO_GOAL}: ${ratio.median <= OVERHEAD_RATIO_GOAL ? 'met' : 'not met'}`,
    ],
    ['Upstream end → start: (p50; p95 in ms, each min / median / max)', '', ''],
    gapRow('… raw loop (→ container created)', (r) => r.raw.gap),
    gapRow('… Gantry (→ placed, `startedAt`)', (r) => r.gantry.gapToPlaced),
    gapRow('… Gantry (→ container created, `createdAt`)', (r) => r.gantry.gapToCreated),
    gapRow('… Airflow (→ task instance start_date)', (r) => r.airflow.gap),
    [
      '1-min load average around each round (2 cores)',
      rounds.map((r) => `${r.loadAverage[0]}→${r.loadAverage[1]}`).join(', '),
      '',
    ],
    [
      'Airflow CPU s during its run; while idle during the others',
      rounds.map((r) => `${r.airflowCpuSeconds.ownRun}; ${r.airflowCpuSeconds.othersRuns}`).join(', '),
      '',
    ],
  ];
  const settings = Object.entries(results.airflowSettings)
    .map(([k, v]) => `\`${k}=${v}\``)
    .join(', ');
  return writeReport({
    name: 'engine-airflow',
    title: `Engine: Gantry vs Apache Airflow ${results.airflowVersion} vs a raw dockerode loop`,
    command: 'npm run bench:airflow',
    header: [`Measure (${rounds.length} rounds)`, 'min / median / max', 'Goal (on the median)'],
    rows,
    notes: [
      `DAG: part 1's (bench/lib/layered-dag.ts): ${dag.layers} layers of ${dag.width} \`gantry/busybox true\` tasks (cpu ${dag.cpu}, ${dag.memoryMiB} MiB), each after the first layer depending on two of the layer before; ${concurrency} at once on every side.`,
      "Makespan is run start → end on every side, as in part 1: the raw loop from its start to its last container removed; Gantry the run state's finishedAt − startedAt (workflow time); Airflow the DAG run's end_date − start_date as its scheduler recorded them (the run is already out of the queue at start_date, so the trigger command is not counted; \"wall\" counts it). Overhead is a side's makespan minus the raw loop's in the same round.",
      `Airflow ${results.airflowVersion} from PyPI (scripts/ensure-airflow.sh, cached venv; no constraints file, Airflow and apache-airflow-providers-docker pinned), LocalExecutor, metadata in a fresh PostgreSQL cluster (Debian's server, on a free local port), \`airflow api-server\`, \`dag-processor\` and \`scheduler\` started by the bench and stopped at its end. Settings changed from Airflow's defaults: ${settings}. One DockerOperator per task (bench/lib/airflow-dag-file.ts): docker_url the local engine's socket, auto_remove, no tmp-dir mount, network none, no XCom, no retries; the raw loop and Gantry use the bridge network, which costs them a little more per container.`,
      "Upstream end → start: for each task with upstreams, its start minus the latest end among its upstreams; it includes any wait for a free slot (rare here: a layer is as wide as the concurrency). Airflow's start is the task instance's start_date, taken when its task runner starts, before the container is created; Gantry's is shown at placement (`startedAt`, workflow time) and at container creation (`createdAt`, node wall clock), its ends are `finishedAt` (workflow time); the raw loop's start is its create call's return.",
      "Rounds rotate which side goes first; one small warm-up (one layer) of each side runs before, unreported. Airflow's processes stay up during the other sides' runs: their CPU then is in the last row. Gantry's cluster service and workers run in the bench process (bench/lib/gantry-dag.ts).",
    ],
    data: results,
  });
}
