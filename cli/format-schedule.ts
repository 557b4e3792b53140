/** The text forms of `gantry schedule list` and `describe` (their `--json` forms are the view objects). */
import type { ScheduleListItem, ScheduleView } from '../engine/schedule-view.js';
import { formatDuration } from '../pipeline/check-schedule.js';

export function formatWhen(item: Pick<ScheduleListItem, 'cron' | 'timezone' | 'everySeconds'>): string {
  if (item.everySeconds !== null) return `every ${formatDuration(item.everySeconds)}`;
  return `cron "${item.cron}" (${item.timezone})`;
}

function state(item: Pick<ScheduleListItem, 'paused' | 'note'>): string {
  const word = item.paused ? 'paused' : 'active';
  return item.note ? `${word}: ${item.note}` : word;
}

export function formatScheduleList(items: readonly ScheduleListItem[]): string {
  if (items.length === 0)
    return 'no Gantry schedules (create one with `gantry schedule create FILE --id ID`)';
  const rows = [
    ['ID', 'PIPELINE', 'WHEN', 'NEXT', 'STATE'],
    ...items.map((item) => [item.id, item.pipeline, formatWhen(item), item.nextFireTime ?? '-', state(item)]),
  ];
  const widths = rows[0]!.map((_, column) => Math.max(...rows.map((row) => row[column]!.length)));
  return rows
    .map((row) =>
      row.map((cell, column) => (column === row.length - 1 ? cell : cell.padEnd(widths[column]!))).join('  '),
    )
    .join('\n');
}

function formatParams(params: Readonly<Record<string, string>>): string {
  const entries = Object.entries(params);
  return entries.length === 0 ? '(none)' : entries.map(([name, value]) => `${name}=${value}`).join(' ');
}

export function formatScheduleView(view: ScheduleView): string {
  const { policies, counts } = view;
  const when = [
    formatWhen(view),
    ...(view.jitterSeconds > 0 ? [`jitter ${formatDuration(view.jitterSeconds)}`] : []),
  ];
  const overrides =
    Object.keys(view.paramOverrides).length > 0 ? ` (--param: ${formatParams(view.paramOverrides)})` : '';
  const lines = [
    `schedule ${view.id}: pipeline ${view.pipeline} on cluster ${view.cluster}`,
    `  when:      ${when.join(', ')}`,
    `  policies:  overlap ${policies.overlap}, catch-up window ${formatDuration(policies.catchupWindowSeconds)}, pause on failure ${policies.pauseOnFailure ? 'yes' : 'no'}`,
    `  state:     ${state(view)}`,
    `  params:    ${formatParams(view.params)}${overrides}`,
    `  fired:     ${counts.fired} run(s); ${counts.skippedOverlap} fire time(s) skipped by overlap, ${counts.missedCatchupWindow} missed the catch-up window`,
    view.paused ? '  next fire times (none fires while paused):' : '  next fire times:',
    ...(view.nextFireTimes.length === 0 ? ['    (none)'] : view.nextFireTimes.map((time) => `    ${time}`)),
    `  recent runs (newest first):`,
    ...(view.recentRuns.length === 0
      ? ['    (none yet)']
      : view.recentRuns.map(
          (run) =>
            `    ${run.runId}  ${run.status.padEnd(10)} scheduled ${run.scheduledTime ?? '-'}  started ${run.startedAt}`,
        )),
  ];
  return lines.join('\n');
}
