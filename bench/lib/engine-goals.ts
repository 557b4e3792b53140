/**
 * Issue #10's six engine goals, each met or not with the figure behind it, from the three parts' result
 * files as they were written (bench/results/engine-{dag,airflow,scale}.json). Pure: the files' contents
 * come in, rows come out; a part that is missing or lacks a figure gives "not measured", never a guess.
 * Figures over repeated pairs or rounds are medians, as each part's own goal column uses.
 */

export interface GoalRow {
  readonly goal: string;
  readonly figure: string;
  readonly status: 'met' | 'not met' | 'not measured';
  readonly source: string;
}

export type PartFiles = Record<
  'dag' | 'airflow' | 'scale',
  { readonly json: unknown; readonly markdown: string } | undefined
>;

interface DagFile {
  readonly date?: string;
  readonly results?: {
    readonly pairs?: readonly {
      readonly ratio: number;
      readonly gantry: { readonly readyToCreated: { readonly p50: number; readonly p99: number } };
    }[];
  };
}

interface AirflowFile {
  readonly date?: string;
  readonly results?: {
    readonly rounds?: readonly {
      readonly overheadRatio?: number;
      readonly gantry?: { readonly overheadMs?: number };
      readonly airflow?: { readonly overheadMs?: number };
    }[];
  };
}

interface ScaleScenario {
  readonly scenario: string;
  readonly tasks: number;
  readonly outcome: { readonly kind: string; readonly error?: string; readonly limitMin?: number };
  readonly tasksDone?: number;
  readonly tasksPerSecond?: number;
  readonly workerPeakRssBytes: number;
}

interface ScaleFile {
  readonly date?: string;
  readonly results?: {
    readonly scenarios?: readonly ScaleScenario[];
    readonly bare?: readonly {
      readonly tasks: number;
      readonly run?: { readonly activitiesPerSecond: number };
    }[];
  };
}

export function median(values: readonly number[]): number | undefined {
  if (values.length === 0) return undefined;
  const s = [...values].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 === 1 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

const row = (goal: string, figure: string, isMet: boolean | undefined, source: string): GoalRow => ({
  goal,
  figure,
  status: isMet === undefined ? 'not measured' : isMet ? 'met' : 'not met',
  source,
});

const dated = (name: string, file: { readonly date?: string } | undefined) =>
  `${name}${file?.date ? ` (${file.date.slice(0, 16).replace('T', ' ')} UTC)` : ''}`;

function outcomeText(s: ScaleScenario): string {
  if (s.outcome.kind === 'ok') return 'ok';
  if (s.outcome.kind === 'notFinished')
    return `not finished in ${s.outcome.limitMin ?? '?'} min (${s.tasksDone ?? '?'} done)`;
  return `failed: ${s.outcome.error ?? 'unknown error'}`;
}

function dagGoals(file: DagFile | undefined): GoalRow[] {
  const pairs = file?.results?.pairs ?? [];
  const source = dated('part 1, engine-dag', file);
  const ratio = median(pairs.map((p) => p.ratio));
  const p50 = median(pairs.map((p) => p.gantry.readyToCreated.p50));
  const p99 = median(pairs.map((p) => p.gantry.readyToCreated.p99));
  return [
    row(
      '200-task DAG makespan ≤ 1.10× the raw dockerode loop',
      ratio === undefined ? '–' : `${ratio.toFixed(2)}× (median of ${pairs.length} pairs)`,
      ratio === undefined ? undefined : ratio <= 1.1,
      source,
    ),
    row(
      'Ready → created p50 ≤ 50 ms and p99 ≤ 250 ms',
      p50 === undefined || p99 === undefined ? '–' : `p50 ${Math.round(p50)} ms, p99 ${Math.round(p99)} ms`,
      p50 === undefined || p99 === undefined ? undefined : p50 <= 50 && p99 <= 250,
      source,
    ),
  ];
}

function airflowGoal(file: AirflowFile | undefined): GoalRow {
  const rounds = file?.results?.rounds ?? [];
  const ratio = median(rounds.flatMap((r) => (r.overheadRatio === undefined ? [] : [r.overheadRatio])));
  const gantry = median(
    rounds.flatMap((r) => (r.gantry?.overheadMs === undefined ? [] : [r.gantry.overheadMs])),
  );
  const airflow = median(
    rounds.flatMap((r) => (r.airflow?.overheadMs === undefined ? [] : [r.airflow.overheadMs])),
  );
  return row(
    "Overhead over the raw loop ≤ a tenth of Airflow 3's",
    ratio === undefined
      ? '–'
      : `${ratio.toFixed(3)} (Gantry ${((gantry ?? NaN) / 1000).toFixed(1)} s, Airflow ${((airflow ?? NaN) / 1000).toFixed(1)} s; median of ${rounds.length} rounds)`,
    ratio === undefined ? undefined : ratio <= 0.1,
    dated('part 2, engine-airflow', file),
  );
}

function scaleGoals(file: ScaleFile | undefined): GoalRow[] {
  const scenarios = file?.results?.scenarios ?? [];
  const source = dated('part 3, engine-scale', file);
  const huge = scenarios.filter((s) => s.tasks >= 100_000);
  const peak = Math.max(0, ...scenarios.map((s) => s.workerPeakRssBytes));
  const ceiling = new Map(
    (file?.results?.bare ?? []).flatMap((b) => (b.run ? [[b.tasks, b.run.activitiesPerSecond]] : [])),
  );
  const ratios = scenarios.flatMap((s) => {
    const bare = ceiling.get(s.tasks);
    // A run stopped at the time limit still has a rate (tasks done ÷ the limit): below the goal it fails it.
    return s.tasksPerSecond !== undefined && bare
      ? [
          {
            label: `${s.scenario} ${s.tasks}${s.outcome.kind === 'ok' ? '' : ' (partial)'}`,
            ratio: s.tasksPerSecond / bare,
          },
        ]
      : [];
  });
  const worst = ratios.reduce<(typeof ratios)[number] | undefined>(
    (w, r) => (w === undefined || r.ratio < w.ratio ? r : w),
    undefined,
  );
  const unfinished = scenarios.filter((s) => s.outcome.kind !== 'ok');
  return [
    row(
      '100,000 tasks finish on simulated nodes with no Temporal limit error',
      huge.length === 0
        ? 'no 100,000-task scenario in the last part 3'
        : huge.map((s) => `${s.scenario}: ${outcomeText(s)}`).join('; '),
      huge.length === 0 ? undefined : huge.every((s) => s.outcome.kind === 'ok'),
      source,
    ),
    row(
      'Worker RSS stays under 1 GiB',
      scenarios.length === 0
        ? '–'
        : `peak ${Math.round(peak / 1024 / 1024)} MiB over ${scenarios.length} scenarios (largest ${Math.max(...scenarios.map((s) => s.tasks))} tasks)`,
      scenarios.length === 0 ? undefined : peak < 1024 ** 3,
      source,
    ),
    row(
      'Engine throughput ≥ 0.5× the bare-activities ceiling',
      worst === undefined
        ? `no scenario with a rate and a ceiling${unfinished.length ? ` (${unfinished.map((s) => `${s.scenario} ${s.tasks}: ${outcomeText(s)}`).join('; ')})` : ''}`
        : `lowest ${worst.ratio.toFixed(2)}× (${worst.label}); ${ratios.map((r) => `${r.label} ${r.ratio.toFixed(2)}×`).join(', ')}${unfinished.length ? `; not finished: ${unfinished.map((s) => `${s.scenario} ${s.tasks}`).join(', ')}` : ''}`,
      worst === undefined
        ? undefined
        : worst.ratio < 0.5 || scenarios.some((s) => s.outcome.kind === 'failed')
          ? false
          : unfinished.length === 0
            ? true
            : undefined,
      source,
    ),
  ];
}

export function engineGoals(files: { dag: unknown; airflow: unknown; scale: unknown }): GoalRow[] {
  return [
    ...dagGoals(files.dag as DagFile | undefined),
    airflowGoal(files.airflow as AirflowFile | undefined),
    ...scaleGoals(files.scale as ScaleFile | undefined),
  ];
}
