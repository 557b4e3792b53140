/** Text and JSON renderings of a run for the CLI: pure, over a RunSummary (engine/run-summary.ts). */
import type { ArtifactRef } from '../common/data-refs.js';
import type { ClusterRestart } from '../engine/recover-cluster.js';
import {
  type ItemSummary,
  type RunSummary,
  type TaskSummary,
  buildRunSummary,
} from '../engine/run-summary.js';
import type { ForeachProgress, PartitionView, RunState } from '../workflows/definitions.js';

/** At most this many item rows per foreach task in the text table. */
const MAX_ITEM_ROWS = 20;
/** At most this many lines in the OUTPUTS section. */
const MAX_OUTPUT_LINES = 20;
const MAX_VALUE_CHARS = 60;

export interface JsonTaskResult {
  readonly status: string;
  /** The user's attempts: what `retry.maxAttempts` bounds. */
  readonly attempts: number;
  /** Attempts the platform broke (a lost worker or engine, a preemption) and ran again. */
  readonly platformRetries: number;
  readonly exitCode: number | null;
  readonly node: string | null;
  readonly error?: string;
  /** Output values by name (stored values loaded from the artifact store). */
  readonly outputs: Readonly<Record<string, string>>;
  /** Present when the task (or item) has artifacts. */
  readonly artifacts?: Readonly<Record<string, ArtifactRef>>;
  /** For a cached task: the run whose result it reused. */
  readonly cachedFrom?: string;
}

export interface JsonRunResult {
  readonly status: string;
  readonly runId: string;
  /** Every task, each foreach task followed by its items as `ID[0]`, `ID[1]`, …. */
  readonly tasks: Record<string, JsonTaskResult>;
  /** A partitioned run's counts (its tasks are listed only up to LISTED_TASKS_MAX). */
  readonly partition?: {
    readonly taskCount: number;
    readonly slices: number;
    readonly counts: PartitionView['counts'];
    readonly failedTasks: readonly string[];
  };
}

/** A RunState has not been through the store: its stored values render as placeholders. */
function asSummary(run: RunSummary | RunState): RunSummary {
  return 'dependsOn' in run ? buildRunSummary(run) : run;
}

function jsonEntry(t: TaskSummary | ItemSummary): JsonTaskResult {
  return {
    status: t.status,
    attempts: t.attempts,
    platformRetries: t.platformRetries,
    exitCode: t.exitCode,
    node: t.node,
    ...(t.error ? { error: t.error } : {}),
    outputs: t.outputs,
    ...(Object.keys(t.artifacts).length > 0 ? { artifacts: t.artifacts } : {}),
    ...(t.cachedFrom === undefined ? {} : { cachedFrom: t.cachedFrom }),
  };
}

/** The `--json` contract: the last line of `gantry run --json` and of `gantry status --json`. */
export function toJsonResult(run: RunSummary | RunState): JsonRunResult {
  const summary = asSummary(run);
  const tasks: Record<string, JsonTaskResult> = {};
  for (const [id, task] of Object.entries(summary.tasks)) {
    tasks[id] = jsonEntry(task);
    for (const item of task.items ?? []) tasks[`${id}[${item.index}]`] = jsonEntry(item);
  }
  const p = summary.partition;
  return {
    status: summary.status,
    runId: summary.runId,
    tasks,
    ...(p
      ? {
          partition: {
            taskCount: p.taskCount,
            slices: p.slices,
            counts: p.counts,
            failedTasks: p.failedTasks,
          },
        }
      : {}),
  };
}

function shortValue(value: string): string {
  const line = value.replace(/\r?\n/g, '\\n');
  return line.length > MAX_VALUE_CHARS ? `${line.slice(0, MAX_VALUE_CHARS - 1)}…` : line;
}

export function formatBytes(bytes: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let value = bytes;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit += 1;
  }
  return unit === 0 ? `${bytes} B` : `${value.toFixed(1)} ${units[unit]}`;
}

function foreachNote(f: ForeachProgress): string {
  return [
    `${f.succeeded + f.cached}/${f.total} items`,
    ...(f.cached > 0 ? [`${f.cached} cached`] : []),
    ...(f.failed > 0 ? [`${f.failed} failed`] : []),
    ...(f.cancelled > 0 ? [`${f.cancelled} cancelled`] : []),
  ].join(', ');
}

function taskNote(task: TaskSummary): string {
  return [
    ...(task.platformRetries > 0 ? [platformNote(task.platformRetries)] : []),
    ...(task.cachedFrom === undefined ? [] : [`cached from ${task.cachedFrom}`]),
    ...(task.childRunId === undefined ? [] : [`run ${task.childRunId}`]),
    ...(task.foreach ? [foreachNote(task.foreach)] : []),
  ].join('; ');
}

function platformNote(n: number): string {
  return `${n} platform ${n === 1 ? 'retry' : 'retries'}`;
}

/** Failed and cancelled items first (they are what a reader looks for), then the rest, in index order. */
function itemsToShow(items: readonly ItemSummary[]): ItemSummary[] {
  const isTrouble = (i: ItemSummary) => i.status === 'failed' || i.status === 'cancelled';
  return [...items.filter(isTrouble), ...items.filter((i) => !isTrouble(i))]
    .slice(0, MAX_ITEM_ROWS)
    .sort((a, b) => a.index - b.index);
}

function statsRow(id: string, t: TaskSummary | ItemSummary, note: string): string[] {
  return [
    id,
    t.status,
    String(t.attempts),
    t.exitCode === null ? '-' : String(t.exitCode),
    t.node ?? '-',
    note,
  ];
}

function logTail(tail: string | undefined): string {
  if (!tail) return '';
  const lines = tail
    .trimEnd()
    .split('\n')
    .slice(-10)
    .map((l) => `    ${l}`);
  return `\n  last output:\n${lines.join('\n')}`;
}

function outputLines(summary: RunSummary): string[] {
  const lines = Object.entries(summary.tasks).flatMap(([id, t]) => [
    ...Object.entries(t.outputs).map(([name, value]) => [`${id}.outputs.${name}`, shortValue(value)]),
    ...Object.entries(t.artifacts).map(([name, ref]) => [
      `${id}.artifacts.${name}`,
      `${ref.digest.slice(0, 'sha256:'.length + 12)}… (${formatBytes(ref.sizeBytes)})`,
    ]),
  ]);
  if (lines.length === 0) return [];
  const shown = lines.slice(0, MAX_OUTPUT_LINES);
  const width = Math.max(...shown.map(([key]) => key!.length));
  return [
    '',
    'OUTPUTS',
    ...shown.map(([key, value]) => `  ${key!.padEnd(width)}  ${value}`.trimEnd()),
    ...(lines.length > shown.length ? [`  … and ${lines.length - shown.length} more`] : []),
  ];
}

/**
 * The table `gantry run` and `gantry status` print: one row per task (a cached one notes the run it came
 * from, a foreach one its item counts and up to 20 item rows), then each failure with its last output, then
 * the tasks' outputs.
 */
export function formatRunSummary(run: RunSummary | RunState): string {
  const summary = asSummary(run);
  const rows: string[][] = [];
  const failures: string[] = [];
  for (const [id, t] of Object.entries(summary.tasks)) {
    rows.push(statsRow(id, t, taskNote(t)));
    if (t.status === 'failed') failures.push(`\n${id}: ${t.error ?? 'failed'}${logTail(t.logTail)}`);
    if (!t.items) continue;
    const shown = itemsToShow(t.items);
    for (const item of shown) {
      const itemId = `${id}[${item.index}]`;
      const notes = [
        ...(item.platformRetries > 0 ? [platformNote(item.platformRetries)] : []),
        ...(item.cachedFrom ? [`cached from ${item.cachedFrom}`] : []),
      ];
      rows.push(statsRow(`  ${itemId}`, item, notes.join('; ')));
      if (item.status === 'failed') failures.push(`\n${itemId}: ${item.error ?? 'failed'}`);
    }
    if (t.items.length > shown.length) rows.push([`  … and ${t.items.length - shown.length} more items`]);
  }
  const hasNotes = rows.some((r) => (r[5] ?? '') !== '');
  const header = ['TASK', 'STATUS', 'ATTEMPTS', 'EXIT', 'NODE', ...(hasNotes ? ['NOTE'] : [])];
  const table = rows.map((r) => (r.length === 1 ? r : r.slice(0, header.length)));
  // A one-cell row (the "… and K more items" line) does not widen the task column.
  const widths = header.map((h, i) =>
    Math.max(h.length, ...table.filter((r) => r.length > 1).map((r) => r[i]!.length)),
  );
  const line = (cells: readonly string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const took = summary.finishedAt
    ? ` in ${((summary.finishedAt - summary.startedAt) / 1000).toFixed(1)}s`
    : '';
  const partition = summary.partition;
  const listed = partition === undefined || Object.keys(summary.tasks).length > 0;
  return [
    `run ${summary.runId}: ${summary.status}${took}`,
    ...(partition ? [formatPartition(partition)] : []),
    ...(listed ? [line(header), ...table.map(line)] : []),
    ...(listed || !partition ? [] : partition.failedTasks.map((id) => `failed: ${id}`)),
    ...failures,
    ...outputLines(summary),
    ...summary.problems.map((p) => `warning: ${p}`),
  ].join('\n');
}

/** `12000 tasks in 24 slices (24 done, 0 running): 11990 succeeded, 10 failed`. */
export function formatPartition(p: PartitionView): string {
  const counts = Object.entries(p.counts)
    .filter(([, n]) => (n ?? 0) > 0)
    .map(([status, n]) => `${String(n)} ${status}`)
    .join(', ');
  return `${p.taskCount} tasks in ${p.slices} slices (${p.slicesDone} done, ${p.slicesRunning} running)${counts ? `: ${counts}` : ''}`;
}

/** One line: `<what happened>; restarted it with N allocation(s) and M pending request(s) from K run(s)…`. */
export function formatRestart(what: string, restart: ClusterRestart): string {
  const notes = [
    ...(restart.isStartedHere ? [] : ['another client restarted it first']),
    ...(restart.specSource === 'fallback'
      ? [`its history held no inventory, so it has the default one (${restart.spec.nodes.length} node(s))`]
      : []),
    ...(restart.unanswered.length > 0
      ? [
          `${restart.unanswered.length} open run(s) did not answer and their placements are not counted: ${restart.unanswered.join(', ')}`,
        ]
      : []),
    ...(restart.dropped.length > 0
      ? [`${restart.dropped.length} placement(s) on nodes no longer in the inventory left out`]
      : []),
  ];
  return [
    `${what}; restarted it with ${restart.allocations} allocation(s) and ${restart.pending} pending request(s) from ${restart.runs} run(s)`,
    ...notes,
  ].join('; ');
}

/** `the cluster service "c" had ended (terminated); restarted it with …`, for every command that restarts it. */
export function formatServiceRestart(
  clusterName: string,
  endedAs: string | undefined,
  restart: ClusterRestart,
) {
  return formatRestart(
    `the cluster service "${clusterName}" had ended${endedAs ? ` (${endedAs.toLowerCase()})` : ''}`,
    restart,
  );
}
