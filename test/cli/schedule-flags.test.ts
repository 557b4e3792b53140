import { describe, expect, it } from 'vitest';
import { InvalidFlagError } from '../../cli/errors.js';
import {
  type ScheduleFlags,
  checkScheduleId,
  parseBackfillRange,
  parseInstant,
  resolveScheduleSettings,
} from '../../cli/schedule-flags.js';
import type { PipelineSchedule } from '../../pipeline/schema.js';

const FILE = 'nightly.yaml';
const own: PipelineSchedule = { cron: '0 3 * * *', timezone: 'Europe/Paris', overlap: 'bufferOne' };
/** `null`: the pipeline has no schedule block. */
const resolve = (flags: ScheduleFlags, block: PipelineSchedule | null = own) =>
  resolveScheduleSettings(flags, block ?? undefined, FILE);

describe('resolveScheduleSettings', () => {
  it("takes the pipeline's own schedule block when no flag overrides it", () => {
    expect(resolve({})).toEqual({
      timing: { kind: 'cron', cron: '0 3 * * *', timezone: 'Europe/Paris' },
      overlap: 'bufferOne',
      isPausedOnFailure: false,
    });
  });

  it('lets each flag override its own field of the block, and no other', () => {
    expect(resolve({ cron: '30 1 * * mon' }).timing).toEqual({
      kind: 'cron',
      cron: '30 1 * * mon',
      timezone: 'Europe/Paris',
    });
    expect(resolve({ timezone: 'UTC', overlap: 'allowAll' })).toMatchObject({
      timing: { kind: 'cron', cron: '0 3 * * *', timezone: 'UTC' },
      overlap: 'allowAll',
    });
  });

  it("replaces the block's cron and time zone with --every", () => {
    expect(resolve({ every: '1h30m' }).timing).toEqual({ kind: 'every', everySeconds: 5400 });
  });

  it('defaults to overlap skip and UTC when neither the flags nor the file say otherwise', () => {
    expect(resolve({ cron: '@daily' }, null)).toEqual({
      timing: { kind: 'cron', cron: '@daily' },
      overlap: 'skip',
      isPausedOnFailure: false,
    });
  });

  it('reads --jitter, --catchup-window and --pause-on-failure', () => {
    expect(resolve({ jitter: '30s', catchupWindow: '1h', pauseOnFailure: true })).toMatchObject({
      jitterSeconds: 30,
      catchupWindowSeconds: 3600,
      isPausedOnFailure: true,
    });
  });

  it.each<[string, ScheduleFlags, PipelineSchedule | null, string]>([
    [
      'no cron anywhere',
      {},
      null,
      `--cron or --every is needed: ${FILE} has no schedule: block (e.g. --cron "0 3 * * *" or --every 10m)`,
    ],
    ['both --cron and --every', { cron: '@daily', every: '1h' }, own, '--cron and --every: give one of them'],
    [
      'a bad --cron',
      { cron: '0 3 * *' },
      own,
      '--cron "0 3 * *": expected 5 fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly, got 4',
    ],
    [
      'a bad --timezone',
      { timezone: 'Paris' },
      own,
      '--timezone "Paris": unknown time zone: expected an IANA time zone name such as "Europe/Paris" or "UTC"',
    ],
    [
      '--timezone with --every',
      { every: '10m', timezone: 'UTC' },
      own,
      '--timezone applies to --cron only: an --every interval ignores time zones',
    ],
    [
      'a bad --every',
      { every: '10' },
      own,
      '--every "10": expected a duration such as 30s, 10m, 1h30m or 2d',
    ],
    ['a zero --every', { every: '0s' }, own, '--every "0s": must be at least 1s'],
    [
      'a bad --jitter',
      { jitter: 'soon' },
      own,
      '--jitter "soon": expected a duration such as 30s, 10m, 1h30m or 2d',
    ],
    [
      'a short --catchup-window',
      { catchupWindow: '5s' },
      own,
      `--catchup-window "5s": must be at least 10s (Temporal's shortest catch-up window)`,
    ],
    [
      'a bad --overlap',
      { overlap: 'queue' },
      own,
      '--overlap "queue": expected one of skip, bufferOne, bufferAll, cancelOther, terminateOther, allowAll',
    ],
  ])('refuses %s, naming the flag', (_, flags, block, message) => {
    const resolving = () => resolve(flags, block);
    expect(resolving).toThrow(InvalidFlagError);
    expect(resolving).toThrow(message);
  });
});

describe('checkScheduleId', () => {
  it.each(['nightly', 'etl-2', 'a', 'x_y'])('takes %j', (id) => {
    expect(() => checkScheduleId(id)).not.toThrow();
  });

  it.each(['Nightly', '-x', 'x-', 'a/b', 'a:b', ''])('refuses %j', (id) => {
    expect(() => checkScheduleId(id)).toThrow(
      `--id ${JSON.stringify(id)}: must be 1-63 lower-case letters, digits, "-" or "_", starting and ending alphanumeric`,
    );
  });
});

describe('backfill times', () => {
  it.each([
    ['2026-12-01', '2026-12-01T00:00:00.000Z'],
    ['2026-12-01T03:00', '2026-12-01T03:00:00.000Z'],
    ['2026-12-01T03:00:00Z', '2026-12-01T03:00:00.000Z'],
    ['2026-12-01T03:00:00.5+01:00', '2026-12-01T02:00:00.500Z'],
  ])('reads %s as %s (UTC when it has no offset)', (text, iso) => {
    expect(parseInstant('--from', text).toISOString()).toBe(iso);
  });

  it.each(['yesterday', '2026-13-01', '2026-12-01 03:00', '1733000000'])('refuses %j', (text) => {
    expect(() => parseInstant('--from', text)).toThrow(
      `--from ${JSON.stringify(text)}: expected an ISO-8601 time such as 2026-12-01T03:00:00Z`,
    );
  });

  it('refuses a range that ends before it starts, and takes one of a single instant', () => {
    expect(() => parseBackfillRange('2026-12-02', '2026-12-01')).toThrow(
      '--to "2026-12-01": is before --from "2026-12-02"',
    );
    const { from, to } = parseBackfillRange('2026-12-01T03:00Z', '2026-12-01T03:00Z');
    expect(from).toEqual(to);
  });
});
