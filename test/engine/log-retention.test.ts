import { mkdir, mkdtemp, readdir, utimes, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { expiredRunLogs, pruneRunLogs } from '../../engine/log-retention.js';

const DAY = 24 * 60 * 60 * 1000;

describe('expiredRunLogs', () => {
  it('picks the runs whose newest write is older than the retention, oldest first', () => {
    const now = 100 * DAY;
    const folders = [
      { runId: 'fresh', newestMs: now - 2 * DAY },
      { runId: 'old', newestMs: now - 20 * DAY },
      { runId: 'older', newestMs: now - 30 * DAY },
      { runId: 'edge', newestMs: now - 14 * DAY },
    ];
    expect(expiredRunLogs(folders, 14, now)).toEqual(['older', 'old']);
  });
});

describe('pruneRunLogs', () => {
  it('deletes old runs but keeps a run that is still writing, whatever its age', async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-logs-'));
    const now = Date.now();
    const writeAttempt = async (runId: string, ageDays: number) => {
      const file = path.join(dir, runId, 'train', 'attempt-1.log');
      await mkdir(path.dirname(file), { recursive: true });
      await writeFile(file, 'output\n');
      const when = new Date(now - ageDays * DAY);
      for (const p of [file, path.dirname(file), path.join(dir, runId)]) await utimes(p, when, when);
    };
    await writeAttempt('done-long-ago', 30);
    await writeAttempt('recent', 1);
    // Started long ago, but its log was written a minute ago.
    await writeAttempt('long-running', 40);
    await utimes(path.join(dir, 'long-running', 'train', 'attempt-1.log'), new Date(now), new Date(now));

    expect(await pruneRunLogs(dir, 14, now)).toEqual(['done-long-ago']);
    expect((await readdir(dir)).sort()).toEqual(['long-running', 'recent']);
    expect(await pruneRunLogs(path.join(dir, 'missing'), 14, now)).toEqual([]);
  });
});
