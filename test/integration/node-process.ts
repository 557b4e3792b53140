/**
 * A node served by a real `gantry worker --node ID` process, for tests that kill or stop it mid-task: the
 * fault a host's operator (or its OOM killer) inflicts, which an in-process worker cannot show.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';
import { ROOT } from './cli-harness.js';
import { type TestCluster, waitFor } from './harness.js';

export interface NodeProcess {
  /** Starts the worker (again) and resolves once it serves. */
  start(): Promise<void>;
  /** Sends the signal and resolves once the process is gone; a no-op when it is not running. */
  stop(signal: NodeJS.Signals): Promise<void>;
}

export function nodeProcess(cluster: TestCluster, nodeId: string): NodeProcess {
  let child: ChildProcess | undefined;
  return {
    async start() {
      const started = spawn(
        'node',
        ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), 'worker', '--node', nodeId],
        {
          cwd: ROOT,
          env: {
            ...process.env,
            GANTRY_CLUSTER: cluster.name,
            GANTRY_CONTROL_TASK_QUEUE: cluster.config.controlTaskQueue,
            GANTRY_LOG_DIR: cluster.config.logDir,
          },
          stdio: ['ignore', 'ignore', 'pipe'],
        },
      );
      let stderr = '';
      started.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      const exited = new Promise<void>((resolve) => started.once('exit', () => resolve()));
      await Promise.race([
        waitFor(
          `node ${nodeId}'s worker to serve`,
          async () => (/serving/.test(stderr) ? true : undefined),
          60_000,
        ),
        exited.then(() => {
          throw new Error(`node ${nodeId}'s worker exited before serving: ${stderr}`);
        }),
      ]);
      child = started;
    },
    async stop(signal) {
      const running = child;
      if (!running || running.exitCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill(signal);
      await exited;
      child = undefined;
    },
  };
}
