import { describe, expect, it } from 'vitest';
import { formatScheduleList, formatScheduleView } from '../../cli/format-schedule.js';
import {
  type ScheduleView,
  nominalTimeOf,
  overlapFromPolicy,
  OVERLAP_POLICY,
  readScheduleMemo,
  runStatusOf,
} from '../../engine/schedule-view.js';
import { SCHEDULE_OVERLAPS } from '../../pipeline/schema.js';

describe('the schedule memo', () => {
  const memo = {
    version: 1,
    pipeline: 'nightly',
    cluster: 'default',
    controlTaskQueue: 'gantry-control',
    timing: { kind: 'cron', cron: '0 3 * * *' },
    params: {},
  };

  it("tells Gantry's schedules from others", () => {
    expect(readScheduleMemo({ gantry: memo })).toEqual(memo);
    expect(readScheduleMemo(undefined)).toBeUndefined();
    expect(readScheduleMemo({ owner: 'billing' })).toBeUndefined();
    expect(readScheduleMemo({ gantry: { ...memo, version: 2 } })).toBeUndefined();
  });
});

describe('overlap policies', () => {
  it.each(SCHEDULE_OVERLAPS)('maps %s to the SDK and back', (overlap) => {
    expect(overlapFromPolicy(OVERLAP_POLICY[overlap])).toBe(overlap);
  });
});

describe("a fired run's nominal time", () => {
  it('is read from the suffix Temporal gives its workflow id', () => {
    expect(nominalTimeOf('gantry-run-nightly-2026-12-01T03:00:00Z')).toBe('2026-12-01T03:00:00.000Z');
    expect(nominalTimeOf('gantry-run-nightly-20261201-030000-abc123')).toBeNull();
  });
});

describe('runStatusOf', () => {
  it.each([
    ['RUNNING', 'running', 'running'],
    ['COMPLETED', 'succeeded', 'succeeded'],
    ['FAILED', 'failed', 'failed'],
    ['CANCELLED', 'cancelled', 'cancelled'],
    ['TERMINATED', 'running', 'terminated'],
    ['TIMED_OUT', undefined, 'timedOut'],
    ['COMPLETED', undefined, 'succeeded'],
    ['UNSPECIFIED', undefined, 'unknown'],
  ])('is %s with GantryStatus %s: %s', (temporal, gantry, expected) => {
    expect(runStatusOf(temporal, gantry)).toBe(expected);
  });
});

describe('the text forms', () => {
  const view: ScheduleView = {
    id: 'nightly',
    pipeline: 'nightly-report',
    cluster: 'default',
    controlTaskQueue: 'gantry-control',
    cron: '0 3 * * *',
    timezone: 'Europe/Paris',
    everySeconds: null,
    jitterSeconds: 30,
    policies: { overlap: 'skip', catchupWindowSeconds: 3600, pauseOnFailure: false },
    params: { region: 'eu' },
    paramOverrides: { region: 'eu' },
    paused: true,
    note: 'maintenance',
    nextFireTime: '2026-12-02T02:00:00.000Z',
    nextFireTimes: ['2026-12-02T02:00:00.000Z', '2026-12-03T02:00:00.000Z'],
    lastFiredAt: '2026-12-01T02:00:04.000Z',
    recentRuns: [
      {
        runId: 'nightly-2026-12-01T02:00:00Z',
        workflowId: 'gantry-run-nightly-2026-12-01T02:00:00Z',
        scheduledTime: '2026-12-01T02:00:00.000Z',
        startedAt: '2026-12-01T02:00:04.000Z',
        status: 'succeeded',
      },
    ],
    counts: { fired: 1, skippedOverlap: 2, missedCatchupWindow: 0 },
    createdAt: '2026-11-30T10:00:00.000Z',
    updatedAt: null,
  };

  it('describes a schedule: spec, policies, state, next fire times and recent runs', () => {
    expect(formatScheduleView(view)).toMatchInlineSnapshot(`
      "schedule nightly: pipeline nightly-report on cluster default
        when:      cron "0 3 * * *" (Europe/Paris), jitter 30s
        policies:  overlap skip, catch-up window 1h, pause on failure no
        state:     paused: maintenance
        params:    region=eu (--param: region=eu)
        fired:     1 run(s); 2 fire time(s) skipped by overlap, 0 missed the catch-up window
        next fire times (none fires while paused):
          2026-12-02T02:00:00.000Z
          2026-12-03T02:00:00.000Z
        recent runs (newest first):
          nightly-2026-12-01T02:00:00Z  succeeded  scheduled 2026-12-01T02:00:00.000Z  started 2026-12-01T02:00:04.000Z"
    `);
  });

  it('lists schedules as a table', () => {
    expect(
      formatScheduleList([
        view,
        { ...view, id: 'every', cron: null, timezone: null, everySeconds: 600, paused: false, note: null },
      ]),
    ).toMatchInlineSnapshot(`
      "ID       PIPELINE        WHEN                             NEXT                      STATE
      nightly  nightly-report  cron "0 3 * * *" (Europe/Paris)  2026-12-02T02:00:00.000Z  paused: maintenance
      every    nightly-report  every 10m                        2026-12-02T02:00:00.000Z  active"
    `);
    expect(formatScheduleList([])).toBe(
      'no Gantry schedules (create one with `gantry schedule create FILE --id ID`)',
    );
  });
});
