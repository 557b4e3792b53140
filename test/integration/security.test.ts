import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

describe('container security defaults', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('sec', [{ id: 'n1', cpu: 2, memoryMiB: 1024 }], {
      logLimitBytes: 64 * 1024,
    });
  });
  afterAll(() => cluster.stop());

  it('runs every task without capabilities, with no-new-privileges and with its limits, as seen from inside', async () => {
    const probe = [
      'grep -E "^(CapEff|CapBnd|NoNewPrivs)" /proc/self/status',
      'echo "pids.max $(cat /sys/fs/cgroup/pids/pids.max 2>/dev/null || cat /sys/fs/cgroup/pids.max)"',
      'echo "memory $(cat /sys/fs/cgroup/memory/memory.limit_in_bytes 2>/dev/null || cat /sys/fs/cgroup/memory.max)"',
      'echo "nofile $(ulimit -n)"',
      'echo "workspace $GANTRY_WORKSPACE attempt $GANTRY_ATTEMPT"',
    ].join('; ');
    const result = await cluster.run({
      name: 'probe',
      tasks: [
        shTask('probe', probe, { resources: { cpu: 0.5, memoryMiB: 96 }, pidsLimit: 64, nofileLimit: 256 }),
      ],
    });
    expect(result.tasks['probe']!.status).toBe('succeeded');
    const log = await readFile(
      path.join(cluster.config.logDir, result.runId, 'probe', 'attempt-1.log'),
      'utf8',
    );
    expect(log).toMatch(/^CapEff:\s+0000000000000000$/m);
    expect(log).toMatch(/^CapBnd:\s+0000000000000000$/m);
    expect(log).toMatch(/^NoNewPrivs:\s+1$/m);
    expect(log).toContain('pids.max 64');
    expect(log).toContain(`memory ${96 * 1024 * 1024}`);
    expect(log).toContain('nofile 256');
    expect(log).toContain('workspace /workspace attempt 1');
  });

  it('keeps a chatty task from filling the disk: its log stops at the cap, and the task still succeeds', async () => {
    // About 1.1 MB of output against a 64 KiB cap.
    const result = await cluster.run({
      name: 'chatty',
      tasks: [
        shTask(
          'chatty',
          'i=0; while [ $i -lt 20000 ]; do echo "line $i of a long training log"; i=$((i+1)); done',
        ),
      ],
    });
    expect(result.tasks['chatty']!.status).toBe('succeeded');
    const log = await readFile(
      path.join(cluster.config.logDir, result.runId, 'chatty', 'attempt-1.log'),
      'utf8',
    );
    expect(log.startsWith('line 0 of a long training log\nline 1 of')).toBe(true);
    expect(log).toContain(
      '\n[gantry: log cut at 65536 bytes (GANTRY_LOG_LIMIT_MIB); the rest of the output is dropped]\n',
    );
    expect(log).toMatch(/\[gantry: \d+ bytes of output dropped\]\n$/);
    expect(Buffer.byteLength(log)).toBeLessThan(65_536 + 300);
  });

  it('refuses a host mount outside the worker allowlist, without retrying', async () => {
    const result = await cluster.run({
      name: 'mount',
      tasks: [
        shTask('sneaky', 'cat /host/shadow', {
          mounts: [{ hostPath: '/etc', containerPath: '/host' }],
          retry: { maxAttempts: 3 },
        }),
      ],
    });
    expect(result.tasks['sneaky']).toMatchObject({
      status: 'failed',
      attempts: 1,
      failureType: 'HostMountNotAllowed',
    });
    expect(result.tasks['sneaky']!.error).toBe(
      'task "sneaky" mounts[0]: host path "/etc" (resolved "/etc") is under neither GANTRY_HOST_MOUNT_ALLOWLIST [] nor GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST []',
    );
  });
});
