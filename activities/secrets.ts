/**
 * Pipeline secrets on the worker (issue #12): the run workflow sends only where each secret comes from
 * (`{ env: VAR }` or `{ file: PATH }`); the values are read here, right before the container is created, so
 * they never enter a Temporal history. What a pipeline may read is the worker operator's choice: environment
 * variables on GANTRY_SECRET_ENV, files under GANTRY_SECRET_DIRS. Without those lists a pipeline author could
 * read the worker's own credentials (its codec key, its TLS key) into a container they control.
 */
import { readFile, realpath } from 'node:fs/promises';
import path from 'node:path';
import { MAX_ARG_BYTES, utf8Length } from '../pipeline/limits.js';
import type { SecretSource } from '../pipeline/schema.js';
import { SecretUnavailableError } from './errors.js';
import { isPathUnder } from './host-mounts.js';
import type { SecretEnvPart } from './types.js';

/** What this worker lets pipelines read. */
export interface SecretAccess {
  /** Variable names, or prefixes ending in `*`, a pipeline may read (GANTRY_SECRET_ENV, comma-separated). */
  readonly envAllowlist: readonly string[];
  /** Directories whose files a pipeline may read (GANTRY_SECRET_DIRS); relative paths go under the first. */
  readonly dirs: readonly string[];
  /** The worker's environment (process.env). */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** The worker's own key files (codec keys, admin key, TLS keys): never readable, whatever the directories. */
  readonly forbiddenFiles?: readonly string[];
}

/** A worker that lets pipelines read nothing. */
export const NO_SECRET_ACCESS: SecretAccess = { envAllowlist: [], dirs: [], env: {} };

/** Variables no allowlist opens: the worker's own keys would let a task decrypt or impersonate. */
const NEVER_READABLE = /^(GANTRY_CODEC_KEY.*|GANTRY_CODEC_SERVER_TOKEN|TEMPORAL_TLS_.*|DOCKER_CERT_PATH)$/;

export function isEnvReadable(name: string, allowlist: readonly string[]): boolean {
  if (NEVER_READABLE.test(name)) return false;
  return allowlist.some((entry) =>
    entry.endsWith('*') ? name.startsWith(entry.slice(0, -1)) : name === entry,
  );
}

/** Reads every secret `sources` names; throws SecretUnavailableError naming the secret, never a value. */
export async function readSecrets(
  sources: Readonly<Record<string, SecretSource>>,
  access: SecretAccess,
  where: string,
): Promise<Map<string, string>> {
  const values = new Map<string, string>();
  for (const [name, source] of Object.entries(sources)) {
    const value =
      'env' in source
        ? fromEnv(name, source.env, access, where)
        : await fromFile(name, source.file, access, where);
    if (value === '') throw new SecretUnavailableError(`${where}: secret "${name}" is empty`);
    if (utf8Length(value) > MAX_ARG_BYTES)
      throw new SecretUnavailableError(
        `${where}: secret "${name}" is over ${MAX_ARG_BYTES} bytes (Linux MAX_ARG_STRLEN)`,
      );
    values.set(name, value);
  }
  return values;
}

function fromEnv(name: string, variable: string, access: SecretAccess, where: string): string {
  if (!isEnvReadable(variable, access.envAllowlist)) {
    throw new SecretUnavailableError(
      `${where}: secret "${name}": this worker does not let pipelines read the environment variable ${variable} (add it to GANTRY_SECRET_ENV)`,
    );
  }
  const value = access.env[variable];
  if (value === undefined)
    throw new SecretUnavailableError(`${where}: secret "${name}": ${variable} is not set on this worker`);
  return value;
}

async function fromFile(name: string, file: string, access: SecretAccess, where: string): Promise<string> {
  const [first] = access.dirs;
  if (first === undefined)
    throw new SecretUnavailableError(
      `${where}: secret "${name}": this worker has no secret directories (GANTRY_SECRET_DIRS)`,
    );
  const wanted = path.isAbsolute(file) ? file : path.join(first, file);
  // Resolved first: a link under a secret directory must not lead out of it.
  const resolved = await realpath(wanted).catch(() => undefined);
  const dirs = await Promise.all(access.dirs.map((dir) => realpath(dir).catch(() => undefined)));
  const forbidden = await Promise.all(
    (access.forbiddenFiles ?? []).map((forbiddenFile) => realpath(forbiddenFile).catch(() => forbiddenFile)),
  );
  if (
    resolved === undefined ||
    forbidden.includes(resolved) ||
    !dirs.some((dir) => dir !== undefined && isPathUnder(resolved, dir))
  ) {
    // The same answer whether or not the file exists outside the directories.
    throw new SecretUnavailableError(
      `${where}: secret "${name}": no file ${file} under this worker's secret directories (${access.dirs.join(', ')})`,
    );
  }
  const text = await readFile(resolved, 'utf8').catch((err: unknown) => {
    throw new SecretUnavailableError(
      `${where}: secret "${name}": cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
    );
  });
  // Files written by editors and `echo` end in a newline that is not part of the secret.
  return text.endsWith('\n') ? text.slice(0, text.endsWith('\r\n') ? -2 : -1) : text;
}

/** The env values that named secrets, joined with the values read. */
export function joinSecretEnv(
  secretEnv: Readonly<Record<string, readonly SecretEnvPart[]>>,
  values: ReadonlyMap<string, string>,
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(secretEnv).map(([name, parts]) => [
      name,
      parts.map((part) => (typeof part === 'string' ? part : (values.get(part.secret) ?? ''))).join(''),
    ]),
  );
}
