import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

// Each task announces itself, then waits for the other: both succeed only if they ran at the same time.
const overlap = (me: string, other: string) =>
  `touch /workspace/${me}.started; i=0; while [ ! -f /workspace/${other}.started ]; do i=$((i+1)); [ $i -gt 300 ] && exit 9; sleep 0.1; done`;
const probe = [
  'grep Cpus_allowed_list /proc/self/status',
  'echo "shares $(cat /sys/fs/cgroup/cpu/cpu.shares 2>/dev/null || cat /sys/fs/cgroup/cpu.weight)"',
].join('; ');

describe('cpu pinning', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    // The machine's two cores, pinned: cpusets are real cores of this host.
    cluster = await startTestCluster('pin', [{ id: 'n1', cpu: 2, memoryMiB: 1024 }], {
      scheduling: { cpuPinning: true },
    });
  });
  afterAll(() => cluster.stop());

  it('gives a whole-core task its own core and a fractional one a share of another, as Docker enforces', async () => {
    const result = await cluster.run({
      name: 'pinned',
      tasks: [
        shTask('whole', `${probe}; ${overlap('whole', 'part')}`, { resources: { cpu: 1, memoryMiB: 64 } }),
        shTask('part', `${probe}; ${overlap('part', 'whole')}`, { resources: { cpu: 0.5, memoryMiB: 64 } }),
      ],
    });
    expect(result.tasks['whole']!.status).toBe('succeeded');
    expect(result.tasks['part']!.status).toBe('succeeded');
    const seen = async (task: string) => {
      const log = await readFile(
        path.join(cluster.config.logDir, result.runId, task, 'attempt-1.log'),
        'utf8',
      );
      return {
        cpus: /^Cpus_allowed_list:\s+(\S+)$/m.exec(log)?.[1],
        shares: Number(/^shares (\d+)$/m.exec(log)?.[1]),
      };
    };
    const whole = await seen('whole');
    const part = await seen('part');
    // One core each, different ones while both ran: the exclusive core is nobody else's.
    expect(whole.cpus).toMatch(/^[01]$/);
    expect(part.cpus).toMatch(/^[01]$/);
    expect(part.cpus).not.toBe(whole.cpus);
    expect(whole.shares).toBe(1024);
    expect(part.shares).toBe(512);
  });
});
