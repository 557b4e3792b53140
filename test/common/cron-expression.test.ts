import { Cron } from 'croner';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseCronExpression } from '../../common/cron-expression.js';

const valid = (expression: string) => {
  const parsed = parseCronExpression(expression);
  if (parsed.kind !== 'valid') throw new Error(`expected "${expression}" to parse: ${parsed.reason}`);
  return parsed.fields;
};
const reason = (expression: string) => {
  const parsed = parseCronExpression(expression);
  if (parsed.kind !== 'invalid') throw new Error(`expected "${expression}" to be refused`);
  return parsed.reason;
};
const range = (from: number, to: number, step = 1) =>
  Array.from({ length: Math.floor((to - from) / step) + 1 }, (_, i) => from + i * step);

describe('parseCronExpression', () => {
  // The field examples of Temporal's own parser (service/worker/scheduler/calendar.go, makeRange).
  it.each([
    ['1-5', [1, 2, 3, 4, 5]],
    ['1-5/2', [1, 3, 5]],
    ['3/5', [3, 8, 13, 18, 23, 28, 33, 38, 43, 48, 53, 58]],
    ['1-5/2,8', [1, 3, 5, 8]],
    ['1-5/2,8-11', [1, 3, 5, 8, 9, 10, 11]],
    ['1-5/2,8-16/3,2', [1, 2, 3, 5, 8, 11, 14]],
    ['*/15', [0, 15, 30, 45]],
    ['07', [7]],
  ])('reads the minute field %j as Temporal does', (field, minutes) => {
    expect(valid(`${field} * * * *`).minute).toEqual(minutes);
  });

  it.each([
    [
      '0 3 * * *',
      { minute: [0], hour: [3], dayOfMonth: range(1, 31), month: range(1, 12), dayOfWeek: range(0, 6) },
    ],
    [
      '30 2 1 jan,Jul mon-fri',
      { minute: [30], hour: [2], dayOfMonth: [1], month: [1, 7], dayOfWeek: [1, 2, 3, 4, 5] },
    ],
    [
      '0 0 * * 5-7',
      { minute: [0], hour: [0], dayOfMonth: range(1, 31), month: range(1, 12), dayOfWeek: [0, 5, 6] },
    ],
    [
      '0 12 * DECEMBER tu,th',
      { minute: [0], hour: [12], dayOfMonth: range(1, 31), month: [12], dayOfWeek: [2, 4] },
    ],
    // Temporal reads `N/S` up to the field's maximum, 7 for days of the week: 1/2 is 1, 3, 5 and 7 (Sunday).
    [
      '0 0 * * 1/2',
      { minute: [0], hour: [0], dayOfMonth: range(1, 31), month: range(1, 12), dayOfWeek: [0, 1, 3, 5] },
    ],
  ])('reads %j with month and day names, Sunday as 7', (expression, fields) => {
    expect(valid(expression)).toEqual(fields);
  });

  it.each([
    ['@yearly', '0 0 1 1 *'],
    ['@annually', '0 0 1 1 *'],
    ['@monthly', '0 0 1 * *'],
    ['@weekly', '0 0 * * 0'],
    ['@daily', '0 0 * * *'],
    ['@midnight', '0 0 * * *'],
    ['@hourly', '0 * * * *'],
  ])('takes the shorthand %s for %j', (alias, expression) => {
    expect(valid(alias)).toEqual(valid(expression));
  });

  it.each([
    [
      '0 3 * *',
      'expected 5 fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly, got 4',
    ],
    [
      '*/5 * * * * *',
      'got 6 fields: Gantry takes 5 (minute hour day-of-month month day-of-week); a seconds field is not supported, and Temporal would read a 6th as the year (--every covers intervals under a minute)',
    ],
    ['61 * * * *', 'minute "61": 61 is out of range 0-59'],
    ['0 24 * * *', 'hour "24": 24 is out of range 0-23'],
    ['0 0 0 * *', 'day-of-month "0": 0 is out of range 1-31'],
    ['0 3 L * *', 'day-of-month "L": "L" is not a number 1-31'],
    ['0 3 ? * *', 'day-of-month "?": "?" is not a number 1-31'],
    [
      '0 3 * ja *',
      'month "ja": "ja" is not a number 1-12 or a name (jan, feb, mar, apr, may, jun, jul, aug, sep, oct, nov, dec)',
    ],
    ['0 3 * * m', 'day-of-week "m": "m" is not a number 0-7 or a name (sun, mon, tue, wed, thu, fri, sat)'],
    [
      '0 3 * * 1#2',
      'day-of-week "1#2": "1#2" is not a number 0-7 or a name (sun, mon, tue, wed, thu, fri, sat)',
    ],
    ['5-1 * * * *', 'minute "5-1": range "5-1" ends before it starts'],
    ['*/0 * * * *', 'minute "*/0": step "0" must be a whole number of at least 1'],
    ['1/2/3 * * * *', 'minute "1/2/3": "1/2/3" has more than one "/"'],
    ['1-2-3 * * * *', 'minute "1-2-3": "1-2-3" is not a value or a range'],
    ['1,,2 * * * *', 'minute "1,,2": "" is not a number 0-59'],
    ['0 0 31 2 *', 'no date matches it, so it never fires (day-of-month and day-of-week must both match)'],
    [
      '@Daily',
      'unknown shorthand "@Daily": expected 5 fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly',
    ],
    ['@every 5m', '@every is an interval: use --every instead of a cron expression'],
    ['TZ=Europe/Paris 0 3 * * *', 'give the time zone on its own (timezone), not as TZ= in the expression'],
  ])('refuses %j: %s', (expression, message) => {
    expect(reason(expression)).toBe(message);
  });

  it('finds the same fire times as croner reading the same expression, day-of-month AND day-of-week', () => {
    const value = (min: number, max: number) => fc.integer({ min, max });
    // `N/S` runs to the field's maximum, which for day-of-week is 7 (Sunday) in Temporal and 6 in croner:
    // there the two differ, and Gantry follows Temporal (see the table above).
    const part = (min: number, max: number, hasOpenSteps: boolean) =>
      fc.oneof(
        fc.constant('*'),
        value(min, max).map(String),
        fc.tuple(value(min, max), value(min, max)).map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        fc
          .tuple(value(min, max), value(1, Math.min(7, max)))
          .map(([a, s]) => (hasOpenSteps ? `${a}/${s}` : `${a}-${max}/${s}`)),
        value(1, Math.min(9, max)).map((s) => `*/${s}`),
      );
    const field = (min: number, max: number, hasOpenSteps = true) =>
      fc.array(part(min, max, hasOpenSteps), { minLength: 1, maxLength: 3 }).map((parts) => parts.join(','));
    const expression = fc
      .tuple(field(0, 59), field(0, 23), field(1, 28), field(1, 12), field(0, 6, false))
      .map((fields) => fields.join(' '));
    fc.assert(
      fc.property(expression, (text) => {
        const fields = valid(text);
        const listed = [fields.minute, fields.hour, fields.dayOfMonth, fields.month, fields.dayOfWeek]
          .map((values) => values.join(','))
          .join(' ');
        const from = new Date(Date.UTC(2026, 0, 1));
        const times = (pattern: string) =>
          new Cron(pattern, { paused: true, timezone: 'UTC', domAndDow: true, sloppyRanges: true })
            .nextRuns(3, from)
            .map((d) => d.toISOString());
        expect(times(listed)).toEqual(times(text));
      }),
      { numRuns: 200 },
    );
  });
});
