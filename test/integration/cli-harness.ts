/** Running the real `gantry` CLI from integration tests, each file on a cluster and control queue of its own. */
import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { clusterWorkflowId } from '../../common/names.js';
import { loadConfig } from '../../engine/config.js';
import { connectClient } from '../../engine/connection.js';

export const ROOT = path.resolve(import.meta.dirname, '../..');

export interface CliResult {
  readonly code: number;
  readonly stdout: string;
  readonly stderr: string;
  /** The CLI process's pid: its Temporal worker identity is `pid@host`. */
  readonly pid: number | undefined;
}

/** The environment of a private cluster; the CLI brings up its own in-process workers for it. */
export function cliEnv(
  prefix: string,
): NodeJS.ProcessEnv & { GANTRY_CLUSTER: string; GANTRY_CONTROL_TASK_QUEUE: string } {
  const suffix = randomBytes(3).toString('hex');
  return {
    ...process.env,
    GANTRY_CLUSTER: `${prefix}-${suffix}`,
    GANTRY_CONTROL_TASK_QUEUE: `gantry-test-${prefix}-${suffix}`,
    GANTRY_LOG_DIR: path.join(os.tmpdir(), 'gantry-test-logs'),
  };
}

export function runGantry(env: NodeJS.ProcessEnv, ...args: string[]): Promise<CliResult> {
  return new Promise((resolve) => {
    const child = execFile(
      'node',
      ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), ...args],
      { env, cwd: ROOT, timeout: 120_000 },
      (err, stdout, stderr) => {
        resolve({ code: err ? ((err as { code?: number }).code ?? 1) : 0, stdout, stderr, pid: child.pid });
      },
    );
  });
}

/** Ends the cluster service a test's CLI calls started; with its workers gone it would wait for ever. */
export async function terminateCluster(clusterName: string): Promise<void> {
  const client = await connectClient(loadConfig());
  await client.workflow
    .getHandle(clusterWorkflowId(clusterName))
    .terminate('test finished')
    .catch(() => undefined);
  await client.connection.close();
}
