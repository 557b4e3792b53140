/**
 * The parts of a schedule Gantry checks before Temporal sees them, for the pipeline's own `schedule:` block
 * and the `gantry schedule` flags alike: cron expressions (common/cron-expression.ts), IANA time zone names
 * (common/time-zone.ts) and durations (`30s`, `10m`, `1h30m`). Pure.
 */
import { parseCronExpression } from '../common/cron-expression.js';
import { checkTimezone } from '../common/time-zone.js';
import { isRecord, type RuleIssue } from './view-tasks.js';

/** Why `expression` is no cron expression Temporal would run, or undefined when it is one. */
export function checkCron(expression: string): string | undefined {
  const parsed = parseCronExpression(expression);
  return parsed.kind === 'invalid' ? parsed.reason : undefined;
}

export type DurationParse =
  | { readonly kind: 'valid'; readonly seconds: number }
  | { readonly kind: 'invalid'; readonly reason: string };

const DURATION = /^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$/;
const UNIT_SECONDS = [86_400, 3_600, 60, 1] as const;

/** `2d`, `1h30m`, `45s`: whole units, largest first, each at most once. */
export function parseDuration(text: string): DurationParse {
  const match = DURATION.exec(text);
  if (text === '' || !match)
    return { kind: 'invalid', reason: 'expected a duration such as 30s, 10m, 1h30m or 2d' };
  const seconds = UNIT_SECONDS.reduce((sum, unit, i) => sum + Number(match[i + 1] ?? 0) * unit, 0);
  return { kind: 'valid', seconds };
}

/** The inverse of parseDuration: 5400 → `1h30m`, 0 → `0s`. */
export function formatDuration(seconds: number): string {
  let rest = Math.round(seconds);
  const text = UNIT_SECONDS.map((unit, i) => {
    const count = Math.floor(rest / unit);
    rest -= count * unit;
    return count > 0 ? `${count}${'dhms'[i]}` : '';
  }).join('');
  return text === '' ? '0s' : text;
}

/** The pipeline's own `schedule:` block: its cron expression and time zone (the schema checks the rest). */
export function checkSchedule(pipeline: unknown): RuleIssue[] {
  const schedule = isRecord(pipeline) ? pipeline['schedule'] : undefined;
  if (!isRecord(schedule)) return [];
  const issues: RuleIssue[] = [];
  const { cron, timezone } = schedule;
  if (typeof cron === 'string' && cron !== '') {
    const problem = checkCron(cron);
    if (problem) issues.push({ path: ['schedule', 'cron'], message: `"${cron}": ${problem}` });
  }
  if (typeof timezone === 'string' && timezone !== '') {
    const problem = checkTimezone(timezone);
    if (problem) issues.push({ path: ['schedule', 'timezone'], message: `"${timezone}": ${problem}` });
  }
  return issues;
}
