import { describe, expect, it } from 'vitest';
import { loadPipelineFile } from '../../cli/load-pipeline.js';
import { checkTimezone } from '../../common/time-zone.js';
import { definePipeline } from '../../pipeline/builder.js';
import { formatDuration, parseDuration } from '../../pipeline/check-schedule.js';
import { PipelineValidationError } from '../../pipeline/errors.js';
import { parsePipeline } from '../../pipeline/parse.js';

describe('checkTimezone', () => {
  it.each([
    'UTC',
    'Europe/Paris',
    'America/Argentina/Buenos_Aires',
    'America/Port-au-Prince',
    'Etc/GMT+5',
    'US/Eastern',
  ])('takes the IANA name %s', (name) => {
    expect(checkTimezone(name)).toBeUndefined();
  });

  it.each([
    ['europe/paris', 'time zone names are case-sensitive (did you mean "Europe/Paris"?)'],
    ['EUROPE/PARIS', 'time zone names are case-sensitive (did you mean "Europe/Paris"?)'],
    ['utc', 'time zone names are case-sensitive (did you mean "UTC"?)'],
    ['Mars/Olympus', 'unknown time zone: expected an IANA time zone name such as "Europe/Paris" or "UTC"'],
    ['+01:00', 'expected an IANA time zone name such as "Europe/Paris" or "UTC"'],
    ['Local', 'expected an IANA time zone name such as "Europe/Paris" or "UTC"'],
    ['Europe/../Paris', 'expected an IANA time zone name such as "Europe/Paris" or "UTC"'],
  ])('refuses %j, which the Temporal server would not load: %s', (name, message) => {
    expect(checkTimezone(name)).toBe(message);
  });
});

describe('parseDuration', () => {
  it.each([
    ['30s', 30],
    ['10m', 600],
    ['1h30m', 5400],
    ['2d', 172_800],
    ['1d2h3m4s', 93_784],
    ['0s', 0],
  ])('reads %s as %i seconds, and formats it back', (text, seconds) => {
    expect(parseDuration(text)).toEqual({ kind: 'valid', seconds });
    expect(formatDuration(seconds)).toBe(text);
  });

  it.each(['', '5', '5x', '1.5h', '30m1h', '-5s', '5 m', '1h1h'])('refuses %j', (text) => {
    expect(parseDuration(text)).toEqual({
      kind: 'invalid',
      reason: 'expected a duration such as 30s, 10m, 1h30m or 2d',
    });
  });
});

function issuesOf(input: unknown) {
  try {
    parsePipeline(input);
  } catch (err) {
    if (err instanceof PipelineValidationError) return err.issues;
    throw err;
  }
  throw new Error('expected a PipelineValidationError');
}

describe("a pipeline's own schedule: block", () => {
  const pipeline = (schedule: unknown) => ({
    name: 'nightly',
    schedule,
    tasks: [{ id: 't', image: 'gantry/busybox', command: ['true'] }],
  });

  it('is kept with its cron expression, time zone and overlap', () => {
    const schedule = { cron: '0 3 * * mon-fri', timezone: 'Europe/Paris', overlap: 'bufferOne' };
    expect(parsePipeline(pipeline(schedule)).schedule).toEqual(schedule);
  });

  it('reports a bad cron expression and time zone at their paths, with the schema problems', () => {
    const issues = issuesOf(pipeline({ cron: '0 3 * *', timezone: 'europe/paris', overlap: 'never' }));
    expect(issues).toContainEqual({
      path: 'schedule.cron',
      message:
        '"0 3 * *": expected 5 fields (minute hour day-of-month month day-of-week) or @hourly/@daily/@weekly/@monthly/@yearly, got 4',
    });
    expect(issues).toContainEqual({
      path: 'schedule.timezone',
      message: '"europe/paris": time zone names are case-sensitive (did you mean "Europe/Paris"?)',
    });
    expect(issues.map((issue) => issue.path)).toContain('schedule.overlap');
  });
});

describe('schedules from the other sources', () => {
  it('comes from the TS builder, checked like a YAML one', () => {
    const task = { image: 'gantry/busybox', command: ['true'] };
    const built = definePipeline('nightly', { schedule: { cron: '@daily', timezone: 'UTC' } })
      .task('t', task)
      .build();
    expect(built.schedule).toEqual({ cron: '@daily', timezone: 'UTC' });
    const bad = definePipeline('nightly', { schedule: { cron: '0 0 30 2 *' } }).task('t', task);
    expect(() => bad.build()).toThrow(
      'schedule.cron: "0 0 30 2 *": no date matches it, so it never fires (day-of-month and day-of-week must both match)',
    );
  });

  it('is read from examples/nightly/pipeline.yaml', async () => {
    const spec = await loadPipelineFile('examples/nightly/pipeline.yaml');
    expect(spec.schedule).toEqual({ cron: '0 3 * * *', timezone: 'Europe/Paris', overlap: 'skip' });
  });
});
