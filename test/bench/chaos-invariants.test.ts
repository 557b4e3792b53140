/** The chaos suite's checks over Docker events and run outcomes (bench/lib/chaos-invariants.ts). */
import { describe, expect, it } from 'vitest';
import {
  type ContainerEvent,
  judge,
  overlappingTasks,
  parseEvents,
} from '../../bench/lib/chaos-invariants.js';

const ev = (
  action: string,
  name: string,
  at: number,
  extra: Partial<ContainerEvent> = {},
): ContainerEvent => ({
  engine: 'e1',
  action,
  name,
  run: 'r1',
  task: name.split('-')[0]!,
  attempt: '1',
  at,
  ...extra,
});

describe('chaos invariants', () => {
  it("parses Docker's JSON event lines of task containers only", () => {
    const lines = [
      JSON.stringify({
        Type: 'container',
        Action: 'die',
        timeNano: 1_700_000_000_123_000_000,
        Actor: {
          Attributes: {
            name: 'c1',
            'gantry.run': 'r1',
            'gantry.task': 't',
            'gantry.attempt': '2',
            exitCode: '0',
          },
        },
      }),
      JSON.stringify({ Type: 'container', Action: 'start', Actor: { Attributes: { name: 'other' } } }),
      JSON.stringify({ Type: 'network', Action: 'connect', Actor: { Attributes: { 'gantry.task': 't' } } }),
    ].join('\n');
    expect(parseEvents('e1', lines)).toEqual([
      {
        engine: 'e1',
        action: 'die',
        name: 'c1',
        run: 'r1',
        task: 't',
        attempt: '2',
        exitCode: '0',
        at: 1_700_000_000_123,
      },
    ]);
  });

  it('finds a task with two containers alive at once, and not one whose containers came one after the other', () => {
    const events = [
      ev('start', 'a-1', 0),
      ev('die', 'a-1', 10),
      ev('start', 'a-2', 10),
      ev('die', 'a-2', 20),
      ev('start', 'b-1', 0),
      ev('start', 'b-1', 5, { engine: 'e2' }),
      ev('die', 'b-1', 30),
    ];
    expect([...overlappingTasks(events, 100)]).toEqual([['r1/b', ['e1/b-1', 'e2/b-1']]]);
  });

  it('counts a task that ran to a zero exit twice, but not one killed and run again', () => {
    const events = [
      ev('start', 'a-1', 0),
      ev('die', 'a-1', 5, { exitCode: '137' }),
      ev('start', 'a-1', 6),
      ev('die', 'a-1', 9, { exitCode: '0' }),
      ev('start', 'b-1', 0),
      ev('die', 'b-1', 3, { exitCode: '0' }),
      ev('start', 'b-1', 4),
      ev('die', 'b-1', 8, { exitCode: '0' }),
    ];
    const verdict = judge(
      [
        {
          runId: 'r1',
          isExpectedToSucceed: true,
          status: 'succeeded',
          tasks: { a: 'succeeded', b: 'succeeded' },
        },
      ],
      events,
      10,
      [],
      [],
    );
    expect(verdict.duplicated).toEqual([
      expect.stringMatching(/^r1\/b \(completed 2 times: .* on .* at .*; .* on .* at .*\)$/),
    ]);
  });

  it('counts lost tasks only in runs expected to succeed, and every leftover', () => {
    const verdict = judge(
      [
        { runId: 'r1', isExpectedToSucceed: true, status: 'failed', tasks: { a: 'succeeded', b: 'failed' } },
        { runId: 'r2', isExpectedToSucceed: false, status: 'terminated', tasks: { c: 'running' } },
      ],
      [],
      0,
      ['e1/gantry-r2-c-1'],
      ['gantry-run-r2/c'],
    );
    expect(verdict).toEqual({
      runs: 2,
      runsFinished: 2,
      lost: ['r1/b (failed)'],
      duplicated: [],
      leaked: ['container e1/gantry-r2-c-1', 'reservation gantry-run-r2/c'],
    });
  });
});
