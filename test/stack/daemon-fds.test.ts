/**
 * A daemon the scripts start must not inherit the lock they hold (issue #11): dockerd hands its descriptors
 * to containerd and its shims, and one orphaned shim then held $GANTRY_HOME/run/docker.lock after dockerd
 * died, so the next `gantry up` waited for ever. Real bash, real flock, a real background process.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readlinkSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const LIB = path.resolve(import.meta.dirname, '..', '..', 'scripts', 'lib.sh');

function openFiles(pid: number): string[] {
  return readdirSync(`/proc/${pid}/fd`).flatMap((fd) => {
    try {
      return [readlinkSync(`/proc/${pid}/fd/${fd}`)];
    } catch {
      return [];
    }
  });
}

describe('start_background', () => {
  it('starts the daemon without the lock the script holds, which a second caller can then take', () => {
    const home = mkdtempSync(path.join(os.tmpdir(), 'gantry-fds-'));
    const script = `
      source "${LIB}"
      with_lock docker
      start_background sleeper "$GANTRY_LOG/sleeper.log" sleep 30
    `;
    const pid = Number(
      execFileSync('bash', ['-c', script], { env: { ...process.env, GANTRY_HOME: home } })
        .toString()
        .trim(),
    );
    try {
      expect(pid).toBeGreaterThan(1);
      const lock = path.join(home, 'run', 'docker.lock');
      expect(openFiles(pid)).not.toContain(lock);
      // The script has exited; with the daemon still alive, the lock is free.
      execFileSync('flock', ['-n', lock, 'true']);
    } finally {
      process.kill(pid, 'SIGKILL');
    }
  });
});
