/** Text and JSON renderings of a run's state for the CLI. */
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
