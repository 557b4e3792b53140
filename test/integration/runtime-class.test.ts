import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, shTask, startTestCluster } from './harness.js';
import { type RuntimeEngine, startRuntimeEngine } from './runtime-engine.js';

describe('runtime classes', () => {
  let engine: RuntimeEngine;
  let cluster: TestCluster;
  beforeAll(async () => {
    engine = await startRuntimeEngine(['gantry/busybox']);
    cluster = await startTestCluster(
      'rtc',
      [{ id: 'n1', cpu: 2, memoryMiB: 1024, docker: { socketPath: engine.socketPath } }],
      { policy: { runtimeClasses: ['runsc'] } },
    );
  }, 120_000);
  afterAll(async () => {
    await cluster?.stop();
    await engine?.stop();
  });

  it('registers gVisor with the engines it starts', () => {
    expect(engine.runtimes).toContain('runsc');
  });

  it('runs a runtimeClass: runsc task in gVisor, and the same task without it on the host kernel', async () => {
    const probe = 'cat /proc/version; dmesg 2>/dev/null | head -n 1; echo "uid $(id -u)"';
    const result = await cluster.run({
      name: 'sandbox',
      tasks: [
        shTask('gvisor', probe, { runtimeClass: 'runsc', runAsNonRoot: true, readOnlyRootFilesystem: true }),
        shTask('runc', probe),
      ],
    });
    expect(result.tasks['gvisor']!.status).toBe('succeeded');
    expect(result.tasks['runc']!.status).toBe('succeeded');
    const logOf = (taskId: string) =>
      readFile(path.join(cluster.config.logDir, result.runId, taskId, 'attempt-1.log'), 'utf8');
    const gvisor = await logOf('gvisor');
    const runc = await logOf('runc');
    expect(gvisor).toContain('Starting gVisor...');
    expect(gvisor).toContain('uid 65534');
    expect(runc).not.toContain('gVisor');
    // gVisor reports its own kernel version, not the host's.
    const kernel = (log: string) => log.split('\n')[0];
    expect(kernel(gvisor)).not.toBe(kernel(runc));
  });
});
