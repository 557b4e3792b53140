/**
 * The Temporal dev server is started in two places: scripts/ensure-temporal.sh (the project's own stack)
 * and docker-compose.yml. They must agree on what Gantry needs of it: every search attribute that
 * scripts/lib.sh registers (schedules and triggers filter on them), and the dev-server settings.
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const read = (file: string) => readFileSync(path.join(ROOT, file), 'utf8');

function searchAttributesOfLibSh(): string[] {
  const line = /^GANTRY_SEARCH_ATTRIBUTES=\(([^)]*)\)/m.exec(read('scripts/lib.sh'));
  expect(line, 'GANTRY_SEARCH_ATTRIBUTES in scripts/lib.sh').not.toBeNull();
  return line![1]!.trim().split(/\s+/);
}

const composeFlags = () =>
  [...read('docker-compose.yml').matchAll(/^\s*- (--[a-z-]+=.*)$/gm)].map((m) => m[1]!);

describe('the dev server flags', () => {
  it('compose registers every search attribute scripts/lib.sh does', () => {
    const registered = composeFlags()
      .filter((f) => f.startsWith('--search-attribute='))
      .map((f) => f.slice('--search-attribute='.length).split('=')[0]);
    expect(registered.sort()).toEqual(searchAttributesOfLibSh().sort());
  });

  it('compose and ensure-temporal.sh set the same dynamic config and SQLite pragmas', () => {
    const script = read('scripts/ensure-temporal.sh');
    const settings = (flag: string) =>
      [...script.matchAll(new RegExp(`${flag} ([^\\s)]+)`, 'g'))].map((m) => m[1]);
    for (const flag of ['--dynamic-config-value', '--sqlite-pragma']) {
      const inScript = settings(flag);
      expect(inScript.length, `${flag} in scripts/ensure-temporal.sh`).toBeGreaterThan(0);
      const inCompose = composeFlags()
        .filter((f) => f.startsWith(`${flag}=`))
        .map((f) => f.slice(flag.length + 1));
      expect(inCompose.sort(), flag).toEqual(inScript.sort());
    }
  });
});
