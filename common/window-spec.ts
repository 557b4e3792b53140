/**
 * Off-peak windows of a capacity group (`scheduling.groups.G.windows`): when its flex tasks may start.
 * A window opens at each fire time of its cron expression, read in its IANA timezone (UTC by default), and
 * stays open `durationMinutes` of real time. The expression means what it means in a pipeline's
 * `schedule:`: five fields (minute hour day-of-month month day-of-week) or an `@daily`-style alias, and
 * day-of-month AND day-of-week when both are set, as Temporal reads them. Pure: reads no clock.
 */
import { Cron } from 'croner';
import { z } from 'zod';
import { parseCronExpression } from './cron-expression.js';
import { checkTimezone } from './time-zone.js';

/** What happens to a group's running flex tasks when its window closes. */
export const ON_WINDOW_CLOSE = ['preempt', 'finish'] as const;
export type OnWindowClose = (typeof ON_WINDOW_CLOSE)[number];
/** Nothing is lost unless asked: a task started in its window may finish after it. */
export const DEFAULT_ON_WINDOW_CLOSE: OnWindowClose = 'finish';

export const WindowSchema = z
  .object({
    cron: z.string().min(1),
    timezone: z.string().min(1).default('UTC'),
    durationMinutes: z.number().positive(),
  })
  .strict()
  .superRefine((window, ctx) => {
    const zoneProblem = checkTimezone(window.timezone);
    if (zoneProblem) {
      ctx.addIssue({ code: 'custom', path: ['timezone'], message: `"${window.timezone}": ${zoneProblem}` });
      return;
    }
    const problem = cronProblem(window);
    if (problem) ctx.addIssue({ code: 'custom', path: ['cron'], message: problem });
  });

export type WindowSpec = z.output<typeof WindowSchema>;

/** The window's cron expression as croner reads it; throws on a malformed one. Never started. */
export function windowCron(window: Pick<WindowSpec, 'cron' | 'timezone'>): Cron {
  return new Cron(window.cron, { timezone: window.timezone, paused: true, domAndDow: true });
}

/** Why the window's expression is not a usable start, or undefined when it is. */
function cronProblem(window: WindowSpec): string | undefined {
  // Read as a pipeline's schedule reads it (Temporal's rules); croner, which evaluates windows, takes more.
  const parsed = parseCronExpression(window.cron);
  if (parsed.kind === 'invalid') return `invalid cron expression "${window.cron}": ${parsed.reason}`;
  try {
    // From the epoch, not from now: validation must not depend on when it runs.
    const first = windowCron(window).nextRun(new Date(0));
    return first ? undefined : `cron "${window.cron}" never fires`;
  } catch (err) {
    const detail = (err as Error).message.replace(/^CronPattern: /, '');
    return `invalid cron expression "${window.cron}": ${detail}`;
  }
}
