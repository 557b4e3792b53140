import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ClusterSpecSchema } from '../../common/cluster-spec.js';
import type { CapacityGroup } from '../../common/schedule-options.js';
import type { WindowSpec } from '../../common/window-spec.js';
import { schedule } from '../../scheduler/placement/schedule.js';
import {
  closedWindowVictims,
  groupWindowStates,
  holdOutsideWindows,
  nextWindowChange,
  outsideWindowReason,
  windowStateAt,
} from '../../scheduler/placement/windows.js';
import { makeAllocation, makeInput, makeNode, makeTask } from './factories.js';

const t = (iso: string) => Date.parse(iso);
const MINUTE = 60_000;

function window(cron: string, durationMinutes: number, timezone = 'UTC'): WindowSpec {
  return { cron, durationMinutes, timezone };
}

describe('windowStateAt', () => {
  it.each([
    [
      'one second before it opens',
      '2024-01-01T01:59:59Z',
      { isOpen: false, opensAt: t('2024-01-01T02:00:00Z') },
    ],
    [
      'the moment it opens',
      '2024-01-01T02:00:00Z',
      { isOpen: true, closesAt: t('2024-01-01T03:00:00Z'), nextChangeAt: t('2024-01-01T03:00:00Z') },
    ],
    [
      'inside it',
      '2024-01-01T02:59:59.999Z',
      { isOpen: true, closesAt: t('2024-01-01T03:00:00Z'), nextChangeAt: t('2024-01-01T03:00:00Z') },
    ],
    ['the moment it closes', '2024-01-01T03:00:00Z', { isOpen: false, opensAt: t('2024-01-02T02:00:00Z') }],
  ])('is half-open: a daily UTC window from 02:00 for an hour, %s', (_, at, expected) => {
    expect(windowStateAt([window('0 2 * * *', 60)], t(at))).toEqual(expected);
  });

  it('reads the cron expression in its timezone, following daylight saving time', () => {
    const paris = [window('0 22 * * *', 120, 'Europe/Paris')];
    expect(windowStateAt(paris, t('2024-01-15T12:00:00Z'))).toEqual({
      isOpen: false,
      opensAt: t('2024-01-15T21:00:00Z'),
    });
    expect(windowStateAt(paris, t('2024-07-15T12:00:00Z'))).toEqual({
      isOpen: false,
      opensAt: t('2024-07-15T20:00:00Z'),
    });
  });

  it('opens a window that starts in the skipped hour once, at the end of the gap', () => {
    // 2024-03-31 in Paris: 02:00 local does not exist; the clocks go from 02:00 CET to 03:00 CEST (01:00Z).
    const gap = [window('30 2 * * *', 30, 'Europe/Paris')];
    expect(windowStateAt(gap, t('2024-03-30T12:00:00Z'))).toMatchObject({
      opensAt: t('2024-03-31T01:00:00Z'),
    });
    expect(windowStateAt(gap, t('2024-03-31T12:00:00Z'))).toMatchObject({
      opensAt: t('2024-04-01T00:30:00Z'),
    });
  });

  it('opens a window that starts in the repeated hour once, and measures its duration in real minutes', () => {
    // 2024-10-27 in Paris: 02:00–03:00 local happens twice (00:00Z–01:00Z CEST, then 01:00Z–02:00Z CET).
    const repeated = [window('30 2 * * *', 20, 'Europe/Paris')];
    expect(windowStateAt(repeated, t('2024-10-27T00:45:00Z'))).toMatchObject({
      isOpen: true,
      closesAt: t('2024-10-27T00:50:00Z'),
    });
    expect(windowStateAt(repeated, t('2024-10-27T01:40:00Z'))).toEqual({
      isOpen: false,
      opensAt: t('2024-10-28T01:30:00Z'),
    });
    // From 01:00 CEST for three hours of real time: it closes at 03:00 CET, two hours later on the wall clock.
    const overnight = [window('0 1 * * *', 180, 'Europe/Paris')];
    expect(windowStateAt(overnight, t('2024-10-27T01:30:00Z'))).toMatchObject({
      isOpen: true,
      closesAt: t('2024-10-27T02:00:00Z'),
    });
  });

  it('keeps a window open across midnight', () => {
    const nightly = [window('0 22 * * *', 360)];
    expect(windowStateAt(nightly, t('2024-01-02T02:00:00Z'))).toMatchObject({
      isOpen: true,
      closesAt: t('2024-01-02T04:00:00Z'),
    });
    expect(windowStateAt(nightly, t('2024-01-02T04:00:00Z'))).toEqual({
      isOpen: false,
      opensAt: t('2024-01-02T22:00:00Z'),
    });
  });

  it('merges overlapping windows: 09:00 and 10:00 for 90 minutes each are open from 09:00 to 11:30', () => {
    const state = windowStateAt([window('0 9,10 * * *', 90)], t('2024-01-01T09:15:00Z'));
    expect(state).toEqual({
      isOpen: true,
      closesAt: t('2024-01-01T11:30:00Z'),
      nextChangeAt: t('2024-01-01T11:30:00Z'),
    });
  });

  it.each([
    ['longer than', '0 * * * *', 90],
    ['equal to', '0 * * * *', 60],
  ])(
    'never closes a window whose duration is %s its cron period, and asks to be asked again later',
    (_, cron, minutes) => {
      const at = t('2024-01-01T00:30:00Z');
      const state = windowStateAt([window(cron, minutes)], at);
      expect(state).toMatchObject({ isOpen: true, closesAt: undefined });
      if (!state.isOpen) throw new Error('closed');
      expect(state.nextChangeAt).toBeGreaterThan(at + 24 * 60 * MINUTE);
    },
  );

  it('is open when any of a group’s windows is, and opens at the earliest of them', () => {
    const windows = [window('0 22 * * *', 60), window('0 3 * * 6', 120)];
    expect(windowStateAt(windows, t('2024-01-05T23:30:00Z'))).toEqual({
      isOpen: false,
      opensAt: t('2024-01-06T03:00:00Z'),
    });
    expect(windowStateAt(windows, t('2024-01-06T04:00:00Z'))).toMatchObject({
      isOpen: true,
      closesAt: t('2024-01-06T05:00:00Z'),
    });
  });

  it('reads day-of-month AND day-of-week as a pipeline schedule does', () => {
    // The first of a month that is a Monday, after 2024-01-02: 2024-04-01.
    expect(windowStateAt([window('0 3 1 * 1', 60)], t('2024-01-02T00:00:00Z'))).toEqual({
      isOpen: false,
      opensAt: t('2024-04-01T03:00:00Z'),
    });
  });

  it('says when a window never opens', () => {
    const never = [window('0 0 30 2 *', 60)];
    expect(windowStateAt(never, t('2024-01-01T00:00:00Z'))).toEqual({ isOpen: false, opensAt: undefined });
    expect(outsideWindowReason(undefined)).toBe('outside its window, which never opens again');
  });

  it('changes state exactly at the times it announces', () => {
    const crons = ['0 2 * * *', '*/7 * * * *', '0 9,10 * * 1-5', '30 2 * * *'];
    fc.assert(
      fc.property(
        fc.constantFrom(...crons),
        fc.constantFrom('UTC', 'Europe/Paris', 'America/New_York', 'Asia/Kolkata'),
        fc.integer({ min: 1, max: 600 }),
        fc.integer({ min: t('2024-01-01T00:00:00Z'), max: t('2025-01-01T00:00:00Z') }),
        (cron, timezone, minutes, at) => {
          const windows = [window(cron, minutes, timezone)];
          const state = windowStateAt(windows, at);
          const change = state.isOpen ? state.closesAt : state.opensAt;
          if (change === undefined) return;
          expect(change).toBeGreaterThan(at);
          expect(windowStateAt(windows, change - 1).isOpen).toBe(state.isOpen);
          expect(windowStateAt(windows, change).isOpen).toBe(!state.isOpen);
        },
      ),
      { numRuns: 300, seed: 9 },
    );
  });
});

describe('holding flex tasks outside their window', () => {
  const groups: Record<string, CapacityGroup> = {
    batch: { windows: [window('0 2 * * *', 60)] },
    nightly: { windows: [window('0 1 * * *', 180)], onWindowClose: 'preempt' },
    plain: { guaranteed: { cpu: 1 } },
  };
  const at = t('2024-01-01T01:30:00Z'); // nightly is open, batch is not
  const states = groupWindowStates(groups, at);

  it('knows the state of every group with windows, and the next change of any', () => {
    expect([...states.keys()]).toEqual(['batch', 'nightly']);
    expect(nextWindowChange(states)).toBe(t('2024-01-01T02:00:00Z'));
    expect(nextWindowChange(new Map())).toBeUndefined();
  });

  it('holds back only the flex tasks of a group whose windows are closed', () => {
    const tasks = [
      makeTask({ id: 'batch-flex', group: 'batch' }),
      makeTask({ id: 'batch-critical', group: 'batch', tier: 'critical' }),
      makeTask({ id: 'nightly-flex', group: 'nightly' }),
      makeTask({ id: 'plain-flex', group: 'plain' }),
      makeTask({ id: 'no-group' }),
    ];
    const { offered, held } = holdOutsideWindows(tasks, states);
    expect(offered.map((task) => task.id)).toEqual([
      'batch-critical',
      'nightly-flex',
      'plain-flex',
      'no-group',
    ]);
    expect(held.map(({ task, opensAt }) => [task.id, opensAt])).toEqual([
      ['batch-flex', t('2024-01-01T02:00:00Z')],
    ]);
    expect(outsideWindowReason(held[0]!.opensAt)).toBe(
      'outside its window, next opens at 2024-01-01T02:00:00.000Z',
    );
  });

  it('evicts at the close only the running flex tasks of groups that ask for it', () => {
    const later = groupWindowStates(groups, t('2024-01-01T04:00:00Z')); // both closed
    const allocations = [
      makeAllocation({ taskId: 'batch-flex', group: 'batch' }),
      makeAllocation({ taskId: 'nightly-flex', group: 'nightly' }),
      makeAllocation({ taskId: 'nightly-critical', group: 'nightly', tier: 'critical' }),
      makeAllocation({ taskId: 'other' }),
    ];
    expect(closedWindowVictims(allocations, groups, later).map((a) => a.taskId)).toEqual(['nightly-flex']);
    expect(closedWindowVictims(allocations, groups, states)).toEqual([]);
  });

  it('gives an open window’s flex task no room that a waiting critical task can use', () => {
    // Critical before flex in one iteration: the critical task takes the only node's room.
    const pending = [
      makeTask({ id: 'batch', group: 'nightly', request: { cpu: 8, memoryMiB: 1024 } }),
      makeTask({ id: 'urgent', tier: 'critical', request: { cpu: 8, memoryMiB: 1024 } }),
    ];
    const { offered } = holdOutsideWindows(pending, states);
    const result = schedule(makeInput({ nodes: [makeNode()], pending: offered }));
    expect(result.decisions.map((d) => [d.taskId, d.kind])).toEqual([
      ['batch', 'unplaced'],
      ['urgent', 'placed'],
    ]);
    // And a critical task that arrives later evicts the windowed flex task that holds the room.
    const evicted = schedule(
      makeInput({
        allocations: [
          makeAllocation({ taskId: 'batch', group: 'nightly', request: { cpu: 8, memoryMiB: 1024 } }),
        ],
        pending: [makeTask({ id: 'urgent', tier: 'critical', request: { cpu: 8, memoryMiB: 1024 } })],
      }),
    );
    expect(evicted.preemptions).toEqual([
      { kind: 'preempt', forTaskId: 'urgent', nodeId: 'n0', victims: ['batch'] },
    ]);
  });
});

describe('window specs in a cluster spec', () => {
  const node = { id: 'n1', capacity: { cpu: 4, memoryMiB: 8192 } };
  const issues = (groups: unknown) => {
    const result = ClusterSpecSchema.safeParse({ name: 'c', nodes: [node], scheduling: { groups } });
    return result.success ? [] : result.error.issues.map((i) => [i.path.join('.'), i.message]);
  };

  it('takes an alias such as @daily', () => {
    expect(issues({ batch: { windows: [{ cron: '@daily', durationMinutes: 60 }] } })).toEqual([]);
  });

  it('takes UTC when a window names no timezone, and leaves onWindowClose to its default (finish)', () => {
    const spec = ClusterSpecSchema.parse({
      name: 'c',
      nodes: [node],
      scheduling: { groups: { batch: { windows: [{ cron: '0 2 * * *', durationMinutes: 240 }] } } },
    });
    expect(spec.scheduling?.groups?.['batch']).toEqual({
      windows: [{ cron: '0 2 * * *', timezone: 'UTC', durationMinutes: 240 }],
    });
  });

  it('names each bad window field with its path', () => {
    expect(
      issues({
        batch: {
          windows: [
            { cron: '61 2 * * *', durationMinutes: 60 },
            { cron: '0 2 * * *', timezone: 'Mars/Olympus', durationMinutes: 60 },
            { cron: '0 0 30 2 *', durationMinutes: 60 },
            { cron: '0 2 * * *', durationMinutes: 0 },
            { cron: '*/5 * * * * *', durationMinutes: 1 },
          ],
          onWindowClose: 'kill',
        },
        other: { onWindowClose: 'preempt' },
      }),
    ).toEqual([
      [
        'scheduling.groups.batch.windows.0.cron',
        'invalid cron expression "61 2 * * *": minute "61": 61 is out of range 0-59',
      ],
      [
        'scheduling.groups.batch.windows.1.timezone',
        '"Mars/Olympus": unknown time zone: expected an IANA time zone name such as "Europe/Paris" or "UTC"',
      ],
      [
        'scheduling.groups.batch.windows.2.cron',
        'invalid cron expression "0 0 30 2 *": no date matches it, so it never fires (day-of-month and day-of-week must both match)',
      ],
      ['scheduling.groups.batch.windows.3.durationMinutes', 'Too small: expected number to be >0'],
      [
        'scheduling.groups.batch.windows.4.cron',
        expect.stringMatching(
          /^invalid cron expression "\*\/5 \* \* \* \* \*": got 6 fields: Gantry takes 5/,
        ),
      ],
      ['scheduling.groups.batch.onWindowClose', 'Invalid option: expected one of "preempt"|"finish"'],
      ['scheduling.groups.other.onWindowClose', 'needs windows'],
    ]);
  });
});
