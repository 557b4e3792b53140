import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { PathOutsideRootError } from '../../activities/errors.js';
import { joinUnder } from '../../activities/join-under.js';
import { isSafeId } from '../../common/safe-id.js';
import { containerName, newRunId, workspaceVolumeName } from '../../common/names.js';
import { childRunId } from '../../workflows/run/sub-pipeline-unit.js';
import { itemTaskId } from '../../scheduler/dag/foreach-slices.js';

describe('isSafeId', () => {
  const runId = newRunId('etl', new Date('2026-12-01T22:30:00Z'), '3FA9-C1e7');

  it.each([
    ['a run id', runId],
    ['a schedule firing', 'nightly-2026-12-01T03:00:00Z'],
    ['a child run', childRunId(runId, itemTaskId('sub', 3))],
    ['a foreach item', itemTaskId('train', 12)],
    ['an id of 255 characters', 'a'.repeat(255)],
    ['a task id with "_" and upper case', 'Load_DB'],
  ])('accepts %s', (_, id) => {
    expect(isSafeId(id)).toBe(true);
  });

  it.each([
    ['the empty id', ''],
    ['a parent directory', '..'],
    ['a path', 'a/b'],
    ['a Windows path', 'a\\b'],
    ['".." inside', 'a..b'],
    ['a hidden name', '.hidden'],
    ['a flag', '-rf'],
    ['a NUL', 'a\0b'],
    ['a space', 'a b'],
    ['an id of 256 characters', 'a'.repeat(256)],
  ])('refuses %s', (_, id) => {
    expect(isSafeId(id)).toBe(false);
  });

  it('keeps the container and volume names Docker accepts for every safe id', () => {
    expect(containerName('nightly-2026-12-01T03:00:00Z', 'train[12]', 1)).toMatch(
      /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/,
    );
    expect(workspaceVolumeName('nightly-2026-12-01T03:00:00Z')).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/);
  });
});

describe('joinUnder', () => {
  it('joins segments that stay under the root', () => {
    expect(joinUnder('/logs', 'r1', 'train[3]', 'attempt-1.log')).toBe(
      path.join('/logs/r1/train[3]/attempt-1.log'),
    );
  });

  it.each([
    ['a parent segment', ['..', 'etc']],
    ['a segment that climbs', ['r1', '../../etc']],
    ['an absolute segment', ['/etc/passwd']],
    ['the root itself', ['.']],
  ])('refuses %s', (_, segments) => {
    expect(() => joinUnder('/logs', ...segments)).toThrow(PathOutsideRootError);
  });
});
