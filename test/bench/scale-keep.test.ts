/** `--keep` of the scale bench: earlier rows this run does not measure again stay, each with its date. */
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { keptResults } from '../../bench/lib/scale-report.js';

const earlierFile = async (content: unknown) => {
  const file = path.join(await mkdtemp(path.join(os.tmpdir(), 'gantry-keep-')), 'engine-scale.json');
  await writeFile(file, JSON.stringify(content));
  return file;
};

describe('keptResults', () => {
  it('keeps the scenarios and ceilings not in the plan, dated by the earlier file unless they carry a date', async () => {
    const file = await earlierFile({
      date: '2026-12-01T09:00:00.000Z',
      results: {
        scenarios: [
          { scenario: 'fanout', tasks: 100_000, measuredAt: '2026-12-01T11:35:00.000Z' },
          { scenario: 'fanout', tasks: 10_000 },
          { scenario: 'chain', tasks: 10_000 },
        ],
        bare: [
          { tasks: 100_000, run: undefined, error: undefined },
          { tasks: 10_000, run: undefined, error: undefined },
        ],
      },
    });
    const kept = keptResults(file, [
      { scenario: 'fanout', tasks: 10_000 },
      { scenario: 'chain', tasks: 10_000 },
    ]);
    expect(kept.scenarios.map((s) => [s.scenario, s.tasks, s.measuredAt])).toEqual([
      ['fanout', 100_000, '2026-12-01T11:35:00.000Z'],
    ]);
    expect(kept.bare.map((b) => [b.tasks, b.measuredAt])).toEqual([[100_000, '2026-12-01T09:00:00.000Z']]);
  });

  it('keeps nothing when there is no earlier file', () => {
    expect(keptResults(path.join(os.tmpdir(), 'gantry-keep-none', 'engine-scale.json'), [])).toEqual({
      scenarios: [],
      bare: [],
    });
  });
});
