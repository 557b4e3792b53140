/** The engine scale bench's report: bench/results/engine-scale.{md,json} from its scenarios and ceilings. */
import { existsSync, readFileSync } from 'node:fs';
import type { BareCeilingRun } from './bare-ceiling.js';
import type { ScenarioResult } from './cli-scenario.js';
import { writeReport } from './report.js';
import { formatBytes } from './run-footprint.js';
import type { ScaleArgs } from './scale-args.js';

const GOALS = { throughputVsBare: 0.5, workerRssBytes: 1024 ** 3 };
const round1 = (n: number) => Math.round(n * 10) / 10;

export interface BareRow {
  readonly tasks: number;
  readonly run: BareCeilingRun | undefined;
  readonly error: string | undefined;
  /** ISO time of the measurement: rows kept from an earlier run (`--keep`) carry theirs. */
  readonly measuredAt?: string;
}

/** A scenario's result with the time it was measured (rows kept by `--keep` come from earlier runs). */
export type DatedScenario = ScenarioResult & { readonly measuredAt?: string };

/**
 * `--keep`: the earlier file's scenarios and ceilings that this run does not measure again, so that a long
 * scenario (100,000 tasks take most of an hour) need not be rerun to refresh the short ones. Each kept row
 * shows its own date.
 */
export function keptResults(
  file: string,
  plan: readonly { scenario: string; tasks: number }[],
): { scenarios: DatedScenario[]; bare: BareRow[] } {
  if (!existsSync(file)) return { scenarios: [], bare: [] };
  const earlier = JSON.parse(readFileSync(file, 'utf8')) as {
    date?: string;
    results?: { scenarios?: DatedScenario[]; bare?: BareRow[] };
  };
  const dated = <T extends { measuredAt?: string }>(row: T): T => ({
    ...row,
    measuredAt: row.measuredAt ?? earlier.date,
  });
  const tasks = new Set(plan.map((p) => p.tasks));
  return {
    scenarios: (earlier.results?.scenarios ?? [])
      .filter((s) => !plan.some((p) => p.scenario === s.scenario && p.tasks === s.tasks))
      .map(dated),
    bare: (earlier.results?.bare ?? []).filter((b) => !tasks.has(b.tasks)).map(dated),
  };
}

export function outcomeText(r: ScenarioResult): string {
  switch (r.outcome.kind) {
    case 'ok':
      return 'ok';
    case 'failed':
      return `failed: ${r.outcome.error}`;
    case 'notFinished':
      return `not finished in ${r.outcome.limitMin} min (${r.tasksDone ?? '?'} of ${r.tasks} tasks done)`;
  }
}

export const rateText = (r: ScenarioResult) =>
  r.tasksPerSecond === undefined ? 'no rate' : `${r.tasksPerSecond.toFixed(1)} tasks/s`;

/** Writes the results files and returns the markdown. */
export function writeScaleReport(
  args: ScaleArgs,
  results: readonly DatedScenario[],
  bare: ReadonlyMap<number, BareRow>,
): string {
  const s = (ms: number | undefined) => (ms === undefined ? '–' : (ms / 1000).toFixed(1));
  const mib = (bytes: number) => (bytes > 0 ? `${Math.round(bytes / 1024 / 1024)} MiB` : '–');
  const ceilingOf = (r: ScenarioResult) => bare.get(r.tasks)?.run?.activitiesPerSecond;
  const ratioOf = (r: ScenarioResult) => {
    const ceiling = ceilingOf(r);
    return r.tasksPerSecond === undefined || !ceiling ? undefined : r.tasksPerSecond / ceiling;
  };
  const rows = results.map((r) => {
    const f = r.footprint;
    const ratio = ratioOf(r);
    return [
      `${r.scenario} ${r.tasks}`,
      outcomeText(r),
      r.tasksPerSecond === undefined ? '–' : r.tasksPerSecond.toFixed(1),
      ceilingOf(r)?.toFixed(1) ?? '–',
      ratio === undefined ? '–' : `${ratio.toFixed(2)}×`,
      `${s(r.spanMs)} / ${s(r.wallMs)}`,
      mib(r.workerPeakRssBytes),
      mib(r.cliPeakRssBytes),
      // Per task done: a run stopped at the time limit wrote the events of the tasks it ran.
      f && r.tasksDone ? (f.totalEvents / r.tasksDone).toFixed(1) : '–',
      f ? `${f.maxEvents.events}` : '–',
      f ? `${f.executionCount}` : '–',
      f
        ? `${formatBytes(f.maxInput?.bytes ?? 0)} / ${formatBytes(f.maxResult?.bytes ?? 0)} / ${formatBytes(f.maxFailure?.bytes ?? 0)}`
        : (r.footprintError ?? '–'),
      f
        ? `${formatBytes(f.largestPayload?.bytes)}${f.largestPayload ? ` (${f.largestPayload.eventType})` : ''}`
        : '–',
      `${round1(r.loadAverage[0])}→${round1(r.loadAverage[1])}`,
      r.measuredAt ? r.measuredAt.slice(0, 16).replace('T', ' ') : '–',
    ];
  });
  const bareRows = [...bare.values()].map((b) =>
    b.run
      ? `Bare ceiling, ${b.tasks} no-op activities${b.measuredAt ? ` (measured ${b.measuredAt.slice(0, 16).replace('T', ' ')} UTC)` : ''}: ${b.run.isTimedOut ? `not finished in ${args.limitMin} min, ` : ''}${b.run.activities} in ${s(b.run.spanMs)} s = ${b.run.activitiesPerSecond.toFixed(1)} activities/s; ${b.run.executions} executions, ${b.run.activities > 0 ? (b.run.footprint.totalEvents / b.run.activities).toFixed(1) : '–'} events per activity, max ${b.run.footprint.maxEvents.events} events in one.`
      : `Bare ceiling, ${b.tasks} no-op activities: failed: ${b.error}`,
  );
  return writeReport({
    name: 'engine-scale',
    title: 'Engine at scale on simulated nodes, and the bare-activities ceiling',
    command: ['npm run bench:engine -- --part 3', ...process.argv.slice(2)].join(' '),
    header: [
      'Scenario (tasks)',
      'Outcome',
      'Tasks/s',
      'Bare ceiling (activities/s)',
      'Gantry / bare',
      'Run span / CLI wall (s)',
      'Worker peak RSS',
      'CLI peak RSS',
      'Events per task done',
      'Max events in one execution',
      'Executions',
      'Max input / result / failure',
      'Largest payload anywhere',
      '1-min load (2 cores)',
      'Measured (UTC)',
    ],
    rows,
    notes: [
      ...bareRows,
      `Goals: throughput ≥ ${GOALS.throughputVsBare}× the bare ceiling; worker RSS < 1 GiB; 100,000 tasks finish with no Temporal limit error.`,
      `Cluster: two simulated nodes (\`runtime: simulated\`, tasks take \`expectedDurationSeconds\` 0) that together hold exactly ${args.concurrency} tasks (cpu 0.1 each), applied and served by \`gantry worker --cluster-file\` in its own process; the run is \`gantry run FILE --no-cache --json\` in another, as a user runs it. Peak RSS: the larger of the summed VmRSS of the process tree sampled every 200 ms and the process's VmHWM; the workflow bundle is built before, so the worker's peak does not include bundling.`,
      `In-flight bound: ${args.concurrency} (\`--concurrency\`; by default Gantry's per-run cap MAX_TASKS_IN_FLIGHT from workflows/run/dataflow-run.ts), given to both sides: Gantry's through the cluster's capacity (a partitioned run may run several slices at once, each under the cap, so the capacity is what binds), the bare workflow as its own cap, with a worker of ${args.concurrency} activity slots.`,
      `Chain: N/${args.chainWidth} layers of ${args.chainWidth}, each task needing two of the layer before (bench/lib/layered-dag.ts). Foreach: one task over a literal JSON array of ${args.foreachItems} items, maxParallel ${args.concurrency}.`,
      'Tasks/s: tasks (foreach items) that succeeded ÷ the run span, server time from the run workflow’s first start to its last close (the time limit when cancelled). The bare ceiling is measured the same way. Run span / CLI wall: the CLI wall adds process start, validation and the summary.',
      'History and payload figures come from bench/lib/run-footprint.ts: every execution of the run (its continue-as-new chain and every child workflow, recursively), protobuf-encoded sizes as the server counts them.',
      'The machine is shared (2 cores, other work running): the load average is recorded with each scenario, and the rates fall as it rises.',
    ],
    data: { args, goals: GOALS, bare: [...bare.values()], scenarios: results },
  });
}
