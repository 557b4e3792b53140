/**
 * Live progress of a run. On a terminal: a table redrawn in place (log-update). Otherwise: one plain line
 * per task status change, which reads well in CI logs and pipes.
 */
import { createLogUpdate } from 'log-update';
import type { ForeachProgress, RunState, TaskState } from '../workflows/definitions.js';
import { formatPartition } from './format.js';

const ICON: Record<TaskState['status'], string> = {
  pending: '·',
  ready: '◦',
  queued: '…',
  running: '▶',
  succeeded: '✔',
  cached: '↺',
  failed: '✘',
  skipped: '↷',
  cancelled: '■',
};

function seconds(ms: number): string {
  return `${(ms / 1000).toFixed(1)}s`;
}

/** `items done/total (failed k)`: done counts every item that finished, however it ended. */
export function describeForeach(f: ForeachProgress): string {
  const done = f.succeeded + f.cached + f.failed + f.cancelled;
  return `items ${done}/${f.total}${f.failed > 0 ? ` (failed ${f.failed})` : ''}`;
}

function foreachStep(f: ForeachProgress): string {
  const done = f.succeeded + f.cached + f.failed + f.cancelled;
  return `${f.total === 0 ? 0 : Math.floor((done * 10) / f.total)}|${f.failed}`;
}

export function describeTask(
  id: string,
  task: TaskState,
  queuedReason: string | undefined,
  now: number,
): string {
  const parts: string[] = [task.status];
  if (task.status === 'queued' && queuedReason) parts.push(`(${queuedReason})`);
  if (task.cachedFrom) parts.push(`from ${task.cachedFrom}`);
  if (task.foreach) parts.push(describeForeach(task.foreach));
  if (task.childRunId) parts.push(`run ${task.childRunId}`);
  if (task.node) parts.push(`on ${task.node}`);
  if (task.attempts > 0) parts.push(`attempts ${task.attempts}`);
  if (task.exitCode !== null && task.status !== 'succeeded') parts.push(`exit ${task.exitCode}`);
  if (task.startedAt) parts.push(seconds((task.finishedAt ?? now) - task.startedAt));
  if (task.error && (task.status === 'failed' || task.status === 'skipped')) parts.push(`— ${task.error}`);
  return `${id}: ${parts.join(' ')}`;
}

export interface ProgressView {
  update(state: RunState, queuedReasons: ReadonlyMap<string, string>): void;
  /** A line above the table (a stuck workflow, a restarted service); the table is redrawn below it. */
  note(line: string): void;
  done(): void;
}

export function createProgressView(stream: NodeJS.WriteStream, startedAt: number): ProgressView {
  if (stream.isTTY) {
    const render = createLogUpdate(stream);
    return {
      update(state, reasons) {
        const now = Date.now();
        const width = Math.max(...Object.keys(state.tasks).map((id) => id.length));
        const lines = Object.entries(state.tasks).map(
          ([id, task]) =>
            ` ${ICON[task.status]} ${describeTask(id.padEnd(width), task, reasons.get(id), now)}`,
        );
        render(
          [
            `${state.pipeline} · ${state.runId} · ${state.status} · ${seconds(now - startedAt)}`,
            ...(state.partition ? [` ${formatPartition(state.partition)}`] : []),
            ...lines,
          ].join('\n'),
        );
      },
      note(line) {
        render.clear();
        stream.write(`${line}\n`);
      },
      done: () => render.done(),
    };
  }
  const last = new Map<string, string>();
  return {
    update(state, reasons) {
      // A partitioned run's tasks live in its slices: it prints a line as each slice ends.
      const partition = state.partition ? formatPartition(state.partition) : undefined;
      if (partition !== undefined && last.get('') !== partition) {
        last.set('', partition);
        stream.write(`[${seconds(Date.now() - startedAt).padStart(7)}] ${partition}\n`);
      }
      for (const [id, task] of Object.entries(state.tasks)) {
        // Item progress prints at every tenth of the items (and every failure): a CI log of a large foreach
        // stays readable.
        const items = task.foreach ? foreachStep(task.foreach) : '';
        const key = `${task.status}|${task.node ?? ''}|${task.status === 'queued' ? (reasons.get(id) ?? '') : ''}|${items}`;
        if (last.get(id) === key) continue;
        last.set(id, key);
        if (task.status === 'pending' || task.status === 'ready') continue;
        stream.write(
          `[${seconds(Date.now() - startedAt).padStart(7)}] ${describeTask(id, task, reasons.get(id), Date.now())}\n`,
        );
      }
    },
    note(line) {
      stream.write(`${line}\n`);
    },
    done() {},
  };
}
