/**
 * A run's live progress as the Temporal Web UI shows it ("Current Details", set with `setCurrentDetails`
 * and read with the `__temporal_workflow_metadata` query): counts by status, the running tasks with their
 * node, and the failed ones with their log tails, as markdown.
 *
 * Kept incrementally, so a run of thousands of tasks stays cheap: a task's change costs O(1) to record,
 * and the text is rebuilt at most once per activation (a microtask after the first change), from the
 * counts and the first MAX_LISTED running and failed tasks only: O(MAX_LISTED), whatever the run's size.
 * Nothing here issues a command, so it changes no history and replays as it ran.
 */
import { setCurrentDetails } from '@temporalio/workflow';
import { TaskStatus } from '../../scheduler/dag/task-status.js';
import type { TaskState } from '../definitions.js';

/** Running and failed tasks shown by name; past this many the list says how many more there are. */
export const MAX_LISTED = 10;
const LOG_TAIL_LINES = 5;
const MAX_LINE = 160;

/** The order counts are shown in: what is done first, then what is still to come. */
const SHOWN_ORDER: readonly TaskStatus[] = [
  TaskStatus.Succeeded,
  TaskStatus.Cached,
  TaskStatus.Failed,
  TaskStatus.Cancelled,
  TaskStatus.Skipped,
  TaskStatus.Running,
  TaskStatus.Queued,
  TaskStatus.Ready,
  TaskStatus.Pending,
];

export interface ProgressHeading {
  /** What the units are called: `task` in a run, `item` in a foreach slice. */
  readonly noun: string;
  /** Says what the workflow is, above the counts (markdown, one line). */
  readonly title: string;
}

export class ProgressDetails {
  private readonly counts = new Map<TaskStatus, number>();
  // Insertion order is the order the tasks started or failed in, so the oldest are listed first.
  private readonly running = new Map<string, TaskState>();
  private readonly failed = new Map<string, TaskState>();
  private total = 0;
  private state = 'running';
  private isPublishPending = false;

  /** `show` receives each new text: setCurrentDetails in a workflow, anything in a unit test. */
  constructor(
    private readonly heading: ProgressHeading,
    initial: Iterable<readonly [string, TaskState]> = [],
    private readonly show: (details: string) => void = setCurrentDetails,
  ) {
    for (const [id, task] of initial) this.note(id, undefined, task);
    this.publish();
  }

  /** Records one unit's change (`before` undefined for a new unit) and publishes at the end of the activation. */
  note(id: string, before: TaskState | undefined, after: TaskState): void {
    if (before === undefined) this.total += 1;
    else this.counts.set(before.status, (this.counts.get(before.status) ?? 0) - 1);
    this.counts.set(after.status, (this.counts.get(after.status) ?? 0) + 1);
    if (after.status === TaskStatus.Running) this.running.set(id, after);
    else this.running.delete(id);
    if (after.status === TaskStatus.Failed) this.failed.set(id, after);
    else this.failed.delete(id);
    this.schedulePublish();
  }

  /** The workflow's own state (`running`, `succeeded`, …), shown in the first line; published at once. */
  finish(state: string): void {
    this.state = state;
    this.publish();
  }

  render(): string {
    const counts = SHOWN_ORDER.flatMap((s) => {
      const n = this.counts.get(s) ?? 0;
      return n > 0 ? [`${n} ${s}`] : [];
    });
    const lines = [
      this.heading.title,
      '',
      `**${this.state}** · ${this.total} ${this.heading.noun}(s): ${counts.join(', ') || 'none yet'}`,
    ];
    if (this.running.size > 0) {
      lines.push('', `**Running** (${this.running.size})`, '');
      lines.push(...listed(this.running, runningLine));
    }
    if (this.failed.size > 0) {
      lines.push('', `**Failed** (${this.failed.size})`, '');
      lines.push(...listed(this.failed, failedLines));
    }
    return lines.join('\n');
  }

  publish(): void {
    this.show(this.render());
  }

  private schedulePublish(): void {
    if (this.isPublishPending) return;
    this.isPublishPending = true;
    // A microtask runs before the activation completes: one rebuild for all the changes of an activation.
    void Promise.resolve().then(() => {
      this.isPublishPending = false;
      this.publish();
    });
  }
}

function listed(
  units: ReadonlyMap<string, TaskState>,
  show: (id: string, task: TaskState) => string[],
): string[] {
  const lines: string[] = [];
  let shown = 0;
  for (const [id, task] of units) {
    if (shown === MAX_LISTED) break;
    lines.push(...show(id, task));
    shown += 1;
  }
  if (units.size > shown) lines.push(`- … and ${units.size - shown} more`);
  return lines;
}

function runningLine(id: string, task: TaskState): string[] {
  const f = task.foreach;
  if (f) {
    const done = f.succeeded + f.cached + f.failed + f.cancelled;
    const failed = f.failed > 0 ? `, ${f.failed} failed` : '';
    return [
      `- \`${id}\` foreach: ${done}/${f.total} items done${failed} (${f.slicesStarted} slice(s) started)`,
    ];
  }
  if (task.childRunId) return [`- \`${id}\` sub-pipeline run \`${task.childRunId}\``];
  const attempt = task.attempts > 1 ? ` (attempt ${task.attempts})` : '';
  return [`- \`${id}\` on node \`${task.node ?? '?'}\`${attempt}`];
}

/**
 * A failure is a paragraph and its log tail a code block of its own: the UI's markdown renders a fence
 * nested in a list item as loose text.
 */
function failedLines(id: string, task: TaskState): string[] {
  const facts = [
    ...(task.node ? [`node \`${task.node}\``] : []),
    ...(task.exitCode !== null ? [`exit ${task.exitCode}`] : []),
    ...(task.attempts > 0 ? [`${task.attempts} attempt(s)`] : []),
    ...(task.failureType ? [task.failureType] : []),
  ];
  const error = task.error ? `: ${clip(firstLine(task.error))}` : '';
  const lines = [`- \`${id}\` ${facts.join(' · ')}${error}`];
  const tail = (task.logTail ?? '')
    .split('\n')
    .map((line) => line.trimEnd())
    .filter((line) => line !== '')
    .slice(-LOG_TAIL_LINES)
    .map((line) => clip(line.replace(/`/g, "'")));
  if (tail.length > 0) lines.push('', '```', ...tail, '```', '');
  return lines;
}

function firstLine(text: string): string {
  const at = text.indexOf('\n');
  return at < 0 ? text : text.slice(0, at);
}

function clip(text: string): string {
  return text.length > MAX_LINE ? `${text.slice(0, MAX_LINE - 1)}…` : text;
}
