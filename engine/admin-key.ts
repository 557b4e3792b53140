/**
 * The local cluster admin key (common/cluster-admins.ts): an Ed25519 secret key that signs configureCluster
 * changes of nodes and endpoints. GANTRY_ADMIN_KEY (`id:64 hex digits`) wins; otherwise the file
 * $GANTRY_HOME/admin-key (`id:hex`, mode 0600), created the first time a new cluster needs an admin.
 */
import { hexToBytes } from '@noble/hashes/utils.js';
import { randomBytes } from 'node:crypto';
import { link, mkdir, readFile, stat, unlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import {
  type ClusterAdmin,
  type ChangeSignature,
  publicKeyOf,
  signChange,
} from '../common/cluster-admins.js';
import type { ClusterSpec } from '../common/cluster-spec.js';
import type { GantryConfig } from './config.js';
import { InvalidConfigError } from './errors.js';

export const ADMIN_KEY_VARIABLE = 'GANTRY_ADMIN_KEY';

export interface AdminKey {
  readonly id: string;
  readonly secretKey: Uint8Array;
}

const ENTRY = /^([A-Za-z0-9._@-]{1,100}):([0-9a-f]{64})$/;

function parseEntry(text: string, where: string): AdminKey {
  const match = ENTRY.exec(text.trim());
  if (!match) throw new InvalidConfigError(`${where}: expected "id:<64 hex digits>" (an Ed25519 secret key)`);
  return { id: match[1]!, secretKey: hexToBytes(match[2]!) };
}

function keyFile(config: GantryConfig): string {
  return path.join(config.home, 'admin-key');
}

/** The admin key of this machine, or undefined when it has none. */
export async function loadAdminKey(
  config: GantryConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AdminKey | undefined> {
  const fromEnv = env[ADMIN_KEY_VARIABLE];
  if (fromEnv) return parseEntry(fromEnv, ADMIN_KEY_VARIABLE);
  const file = keyFile(config);
  let text: string;
  try {
    // A key others may read is as good as published.
    if (((await stat(file)).mode & 0o077) !== 0)
      throw new InvalidConfigError(`${file}: readable by others; run chmod 600 ${file}`);
    text = await readFile(file, 'utf8');
  } catch (err) {
    if ((err as { code?: unknown }).code === 'ENOENT') return undefined;
    throw err;
  }
  return parseEntry(text, file);
}

/** The admin key, made (and saved, 0600) when there is none; concurrent callers end up with the same one. */
export async function ensureAdminKey(
  config: GantryConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<AdminKey> {
  const found = await loadAdminKey(config, env);
  if (found) return found;
  const file = keyFile(config);
  await mkdir(path.dirname(file), { recursive: true, mode: 0o700 });
  const id = `${os.userInfo().username}@${os.hostname()}`.replace(/[^A-Za-z0-9._@-]/g, '-').slice(0, 100);
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, `${id}:${randomBytes(32).toString('hex')}\n`, { mode: 0o600 });
  try {
    await link(tmp, file);
  } catch (err) {
    if ((err as { code?: unknown }).code !== 'EEXIST') throw err;
  } finally {
    await unlink(tmp);
  }
  return (await loadAdminKey(config, env))!;
}

/** A new cluster's spec with this machine's admin key as its admin (unless the spec names its own). */
export async function withLocalAdmin(spec: ClusterSpec, config: GantryConfig): Promise<ClusterSpec> {
  if (spec.admins !== undefined) return spec;
  const key = await ensureAdminKey(config);
  const admin: ClusterAdmin = { id: key.id, publicKey: publicKeyOf(key.secretKey) };
  return { ...spec, admins: [admin] };
}

/** This machine's signature over `spec`, when it has an admin key. */
export async function signWithLocalKey(
  spec: ClusterSpec,
  config: GantryConfig,
): Promise<ChangeSignature | undefined> {
  const key = await loadAdminKey(config);
  return key ? signChange(spec, key.id, key.secretKey, Date.now()) : undefined;
}
