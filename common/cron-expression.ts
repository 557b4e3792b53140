/**
 * parseCronExpression: a cron expression as Temporal Schedules read it (the server's `parseCronString`), so
 * an expression is rejected here exactly when, or before, the server would reject it, and never means
 * something else to the two. Accepted: five fields (minute hour day-of-month month day-of-week), or one of
 * `@yearly @annually @monthly @weekly @daily @midnight @hourly`. Each field is `*`, `N`, `N-M`, `*\/S`,
 * `N/S`, `N-M/S` or a comma list of those; months take names (3+ letters, `jan`), days of the week take
 * names (2+ letters, `mo`, `mon`) and 0-7 (both 0 and 7 are Sunday).
 *
 * NOTE: Temporal also takes 6 and 7 fields, but its 6th field is the *year*, where other crons (croner,
 * Quartz) read a leading *seconds* field: `*\/5 * * * * *` would mean every 5 minutes to one and every 5
 * seconds to the other. Gantry takes 5 fields only; `--every` covers intervals under a minute.
 * Temporal matches day-of-month AND day-of-week (not OR as in Vixie cron); `domAndDow` makes croner agree
 * when it looks for a first fire time. O(length of the expression) plus croner's search for one date.
 * In common/ so that everything reading a cron expression (schedules, off-peak windows) reads it alike.
 */
import { Cron } from 'croner';

export type CronParse =
  | { readonly kind: 'valid'; readonly fields: CronFields }
  | { readonly kind: 'invalid'; readonly reason: string };

/** The values each field matches, sorted; day-of-week 0-6 with 0 for Sunday. */
export interface CronFields {
  readonly minute: readonly number[];
  readonly hour: readonly number[];
  readonly dayOfMonth: readonly number[];
  readonly month: readonly number[];
  readonly dayOfWeek: readonly number[];
}

const ALIASES: Readonly<Record<string, string>> = {
  '@yearly': '0 0 1 1 *',
  '@annually': '0 0 1 1 *',
  '@monthly': '0 0 1 * *',
  '@weekly': '0 0 * * 0',
  '@daily': '0 0 * * *',
  '@midnight': '0 0 * * *',
  '@hourly': '0 * * * *',
};

interface FieldRule {
  readonly name: keyof CronFields;
  readonly label: string;
  readonly min: number;
  readonly max: number;
  /** Names a value may be given by, index + `offset` being its number, and the shortest prefix allowed. */
  readonly names?: { readonly words: readonly string[]; readonly offset: number; readonly minLength: number };
}

const MONTHS = [
  'january',
  'february',
  'march',
  'april',
  'may',
  'june',
  'july',
  'august',
  'september',
  'october',
  'november',
  'december',
];
const DAYS = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday'];

const FIELDS: readonly FieldRule[] = [
  { name: 'minute', label: 'minute', min: 0, max: 59 },
  { name: 'hour', label: 'hour', min: 0, max: 23 },
  { name: 'dayOfMonth', label: 'day-of-month', min: 1, max: 31 },
  {
    name: 'month',
    label: 'month',
    min: 1,
    max: 12,
    names: { words: MONTHS, offset: 1, minLength: 3 },
  },
  {
    name: 'dayOfWeek',
    label: 'day-of-week',
    min: 0,
    max: 7,
    names: { words: DAYS, offset: 0, minLength: 2 },
  },
];

const SHAPE =
  '5 fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly';
// Any fixed instant works: the question is only whether some date matches at all (Temporal looks up to 2100).
const SEARCH_FROM = new Date(Date.UTC(2000, 0, 1));

export function parseCronExpression(expression: string): CronParse {
  const text = expression.trim();
  if (/^(CRON_)?TZ=/.test(text))
    return invalid('give the time zone on its own (timezone), not as TZ= in the expression');
  if (text.startsWith('@every'))
    return invalid('@every is an interval: use --every instead of a cron expression');
  // Case-sensitive, as the server's lookup is: `@Daily` is no shorthand there.
  const alias = Object.hasOwn(ALIASES, text) ? ALIASES[text] : undefined;
  if (text.startsWith('@') && alias === undefined)
    return invalid(`unknown shorthand "${text}": expected ${SHAPE}`);
  const parts = (alias ?? text).split(/\s+/).filter((part) => part !== '');
  if (parts.length === 6 || parts.length === 7) {
    return invalid(
      `got ${parts.length} fields: Gantry takes 5 (minute hour day-of-month month day-of-week); a seconds field is not supported, and Temporal would read a 6th as the year (--every covers intervals under a minute)`,
    );
  }
  if (parts.length !== 5) return invalid(`expected ${SHAPE}, got ${parts.length}`);
  const values: Partial<Record<keyof CronFields, number[]>> = {};
  for (const [index, rule] of FIELDS.entries()) {
    const field = parseField(parts[index]!, rule);
    if (typeof field === 'string') return invalid(`${rule.label} "${parts[index]}": ${field}`);
    values[rule.name] = field;
  }
  const fields = values as CronFields;
  if (!everFires(fields)) {
    return invalid('no date matches it, so it never fires (day-of-month and day-of-week must both match)');
  }
  return { kind: 'valid', fields };
}

function invalid(reason: string): CronParse {
  return { kind: 'invalid', reason };
}

/** The sorted values a field matches, or why it is malformed. */
function parseField(text: string, rule: FieldRule): number[] | string {
  const matched = new Set<number>();
  for (const part of text.split(',')) {
    const [range, step, extra] = part.split('/');
    if (extra !== undefined) return `"${part}" has more than one "/"`;
    let stepBy = 1;
    if (step !== undefined) {
      if (!/^\d+$/.test(step) || Number(step) < 1)
        return `step "${step}" must be a whole number of at least 1`;
      stepBy = Number(step);
    }
    let start = rule.min;
    let end = rule.max;
    if (range !== '*') {
      const bounds = range!.split('-');
      if (bounds.length > 2) return `"${range}" is not a value or a range`;
      const first = parseValue(bounds[0]!, rule);
      if (typeof first === 'string') return first;
      start = first;
      end = step === undefined ? first : rule.max;
      if (bounds.length === 2) {
        const last = parseValue(bounds[1]!, rule);
        if (typeof last === 'string') return last;
        if (last < first) return `range "${range}" ends before it starts`;
        end = last;
      }
    }
    for (let value = start; value <= end; value += stepBy) matched.add(value);
  }
  // Sunday is both 0 and 7.
  if (rule.name === 'dayOfWeek' && matched.delete(7)) matched.add(0);
  return [...matched].sort((a, b) => a - b);
}

function parseValue(text: string, rule: FieldRule): number | string {
  const range = `${rule.min}-${rule.max}`;
  if (/^\d+$/.test(text)) {
    const value = Number(text);
    return value >= rule.min && value <= rule.max ? value : `${value} is out of range ${range}`;
  }
  const names = rule.names;
  if (names && text.length >= names.minLength) {
    const index = names.words.findIndex((word) => word.startsWith(text.toLowerCase()));
    if (index >= 0) return index + names.offset;
  }
  const named = names ? ` or a name (${names.words.map((w) => w.slice(0, 3)).join(', ')})` : '';
  return `"${text}" is not a number ${range}${named}`;
}

function everFires(fields: CronFields): boolean {
  const list = (values: readonly number[]) => values.join(',');
  const pattern = [fields.minute, fields.hour, fields.dayOfMonth, fields.month, fields.dayOfWeek]
    .map(list)
    .join(' ');
  const cron = new Cron(pattern, { paused: true, timezone: 'UTC', domAndDow: true });
  return cron.nextRun(SEARCH_FROM) !== null;
}
