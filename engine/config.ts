/** Process-level settings, read once from the environment by entry points (CLI, workers, tests). */
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CLUSTER_NAME, DEFAULT_CONTROL_TASK_QUEUE } from '../common/names.js';

export interface GantryConfig {
  readonly home: string;
  readonly temporalAddress: string;
  /** True when the user named the address; then nothing is started in its place. */
  readonly isAddressConfigured: boolean;
  readonly namespace: string;
  readonly controlTaskQueue: string;
  readonly clusterName: string;
  readonly logDir: string;
  readonly hostMountAllowlist: readonly string[];
  readonly uiUrl: string;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GantryConfig {
  const home = env['GANTRY_HOME'] ?? path.join(os.homedir(), '.gantry');
  return {
    home,
    temporalAddress: env['TEMPORAL_ADDRESS'] ?? '127.0.0.1:7233',
    isAddressConfigured: env['TEMPORAL_ADDRESS'] !== undefined,
    namespace: env['TEMPORAL_NAMESPACE'] ?? 'default',
    controlTaskQueue: env['GANTRY_CONTROL_TASK_QUEUE'] ?? DEFAULT_CONTROL_TASK_QUEUE,
    clusterName: env['GANTRY_CLUSTER'] ?? DEFAULT_CLUSTER_NAME,
    logDir: env['GANTRY_LOG_DIR'] ?? path.join(home, 'logs'),
    hostMountAllowlist: (env['GANTRY_HOST_MOUNT_ALLOWLIST'] ?? '').split(':').filter(Boolean),
    uiUrl: env['GANTRY_UI_URL'] ?? 'http://127.0.0.1:8233',
  };
}
