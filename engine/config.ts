/** Process-level settings, read once from the environment by entry points (CLI, workers, tests). */
import os from 'node:os';
import path from 'node:path';
import { DEFAULT_CLUSTER_NAME, DEFAULT_CONTROL_TASK_QUEUE } from '../common/names.js';
import { CODEC_KEY_VARIABLE, type CodecKeySource } from './codec/key-source.js';
import type { SecretAccess } from '../activities/secrets.js';
import { InvalidConfigError } from './errors.js';
import { type TemporalTlsFiles, temporalTlsFromEnv } from './temporal-tls.js';

export interface GantryConfig {
  readonly home: string;
  readonly temporalAddress: string;
  /** True when the user named the address; then nothing is started in its place. */
  readonly isAddressConfigured: boolean;
  /** TLS to Temporal (TEMPORAL_TLS_CERT/KEY/CA/SERVER_NAME, TEMPORAL_TLS); a plain connection when absent. */
  readonly temporalTls?: TemporalTlsFiles;
  readonly namespace: string;
  readonly controlTaskQueue: string;
  readonly clusterName: string;
  readonly logDir: string;
  /** Root of the artifact store: task outputs, artifacts and cache entries (GANTRY_ARTIFACT_DIR). */
  readonly artifactDir: string;
  /** Host paths tasks may bind read-only (GANTRY_HOST_MOUNT_ALLOWLIST, colon-separated). */
  readonly hostMountAllowlist: readonly string[];
  /** Host paths tasks may bind writable (GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST, colon-separated). */
  readonly hostMountWritableAllowlist: readonly string[];
  /** Environment variables pipelines may read as secrets (GANTRY_SECRET_ENV: names or `PREFIX*`, comma-separated). */
  readonly secretEnvAllowlist: readonly string[];
  /** Directories whose files pipelines may read as secrets (GANTRY_SECRET_DIRS, colon-separated). */
  readonly secretDirs: readonly string[];
  readonly uiUrl: string;
  /** Size cap of one attempt's log file. */
  readonly logLimitBytes: number;
  /** Runs whose logs are older than this are deleted by the node workers. */
  readonly logRetentionDays: number;
  /** The payload codec's keys: GANTRY_CODEC_KEY, else the key file (GANTRY_CODEC_KEY_FILE, $GANTRY_HOME/codec-keys). */
  readonly codecKeys: CodecKeySource;
}

const DEFAULT_LOG_LIMIT_MIB = 64;
const DEFAULT_LOG_RETENTION_DAYS = 14;

/** A positive number from the environment, or the default; anything else names the variable and value. */
function positiveNumber(env: NodeJS.ProcessEnv, name: string, fallback: number): number {
  const raw = env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value <= 0)
    throw new InvalidConfigError(`${name}: expected a positive number, got "${raw}"`);
  return value;
}

export function loadConfig(env: NodeJS.ProcessEnv = process.env): GantryConfig {
  const home = env['GANTRY_HOME'] ?? path.join(os.homedir(), '.gantry');
  return {
    home,
    temporalAddress: env['TEMPORAL_ADDRESS'] ?? '127.0.0.1:7233',
    isAddressConfigured: env['TEMPORAL_ADDRESS'] !== undefined,
    ...withTemporalTls(env),
    namespace: env['TEMPORAL_NAMESPACE'] ?? 'default',
    controlTaskQueue: env['GANTRY_CONTROL_TASK_QUEUE'] ?? DEFAULT_CONTROL_TASK_QUEUE,
    clusterName: env['GANTRY_CLUSTER'] ?? DEFAULT_CLUSTER_NAME,
    logDir: env['GANTRY_LOG_DIR'] ?? path.join(home, 'logs'),
    artifactDir: env['GANTRY_ARTIFACT_DIR'] || path.join(home, 'artifacts'),
    hostMountAllowlist: (env['GANTRY_HOST_MOUNT_ALLOWLIST'] ?? '').split(':').filter(Boolean),
    hostMountWritableAllowlist: (env['GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST'] ?? '')
      .split(':')
      .filter(Boolean),
    secretEnvAllowlist: (env['GANTRY_SECRET_ENV'] ?? '')
      .split(',')
      .map((name) => name.trim())
      .filter(Boolean),
    secretDirs: (env['GANTRY_SECRET_DIRS'] || path.join(home, 'secrets')).split(':').filter(Boolean),
    uiUrl: env['GANTRY_UI_URL'] ?? 'http://127.0.0.1:8233',
    logLimitBytes: Math.round(
      positiveNumber(env, 'GANTRY_LOG_LIMIT_MIB', DEFAULT_LOG_LIMIT_MIB) * 1024 * 1024,
    ),
    logRetentionDays: positiveNumber(env, 'GANTRY_LOG_RETENTION_DAYS', DEFAULT_LOG_RETENTION_DAYS),
    codecKeys: env[CODEC_KEY_VARIABLE]
      ? { kind: 'env', text: env[CODEC_KEY_VARIABLE] }
      : { kind: 'file', path: env['GANTRY_CODEC_KEY_FILE'] || path.join(home, 'codec-keys') },
  };
}

/** What a node worker of this process lets pipelines read as secrets (activities/secrets.ts). */
export function secretAccessOf(config: GantryConfig, env: NodeJS.ProcessEnv = process.env): SecretAccess {
  const tls = config.temporalTls;
  return {
    envAllowlist: config.secretEnvAllowlist,
    dirs: config.secretDirs,
    env,
    // A secret directory set to $GANTRY_HOME must still not hand out the worker's own keys.
    forbiddenFiles: [
      ...(config.codecKeys.kind === 'file' ? [config.codecKeys.path] : []),
      path.join(config.home, 'admin-key'),
      ...(tls?.key ? [tls.key] : []),
    ],
  };
}

function withTemporalTls(env: NodeJS.ProcessEnv): { temporalTls?: TemporalTlsFiles } {
  const tls = temporalTlsFromEnv(env);
  return tls === undefined ? {} : { temporalTls: tls };
}
