/** Text and JSON renderings of a run's state for the CLI. */
import type { ClusterRestart } from '../engine/recover-cluster.js';
import type { RunState } from '../workflows/definitions.js';

export interface JsonTaskResult {
  readonly status: string;
  readonly attempts: number;
  readonly exitCode: number | null;
  readonly node: string | null;
  readonly error?: string;
}

/** The `--json` contract: the last line of `gantry run --json`. */
export function toJsonResult(state: RunState): {
  status: string;
  runId: string;
  tasks: Record<string, JsonTaskResult>;
} {
  return {
    status: state.status,
    runId: state.runId,
    tasks: Object.fromEntries(
      Object.entries(state.tasks).map(([id, t]) => [
        id,
        {
          status: t.status,
          attempts: t.attempts,
          exitCode: t.exitCode,
          node: t.node,
          ...(t.error ? { error: t.error } : {}),
        },
      ]),
    ),
  };
}

export function formatRunSummary(state: RunState): string {
  const rows = Object.entries(state.tasks).map(([id, t]) => [
    id,
    t.status,
    String(t.attempts),
    t.exitCode === null ? '-' : String(t.exitCode),
    t.node ?? '-',
  ]);
  const header = ['TASK', 'STATUS', 'ATTEMPTS', 'EXIT', 'NODE'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const took = state.finishedAt ? ` in ${((state.finishedAt - state.startedAt) / 1000).toFixed(1)}s` : '';
  const failures = Object.entries(state.tasks)
    .filter(([, t]) => t.status === 'failed')
    .map(
      ([id, t]) =>
        `\n${id}: ${t.error ?? 'failed'}${
          t.logTail
            ? `\n  last output:\n${t.logTail
                .trimEnd()
                .split('\n')
                .slice(-10)
                .map((l) => `    ${l}`)
                .join('\n')}`
            : ''
        }`,
    );
  return [`run ${state.runId}: ${state.status}${took}`, line(header), ...rows.map(line), ...failures].join(
    '\n',
  );
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
