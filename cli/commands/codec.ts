/**
 * `gantry codec-server` (the remote codec endpoint for the Temporal UI and CLI) and `gantry codec-key`
 * (showing and rotating the payload codec's keys). Key material is never printed, only ids.
 */
import { loadCodec } from '../../engine/codec/data-converter.js';
import { CODEC_SERVER_TOKEN_VARIABLE, startCodecServer } from '../../engine/codec/codec-server.js';
import { type CodecKeySource, loadKeyRing, rotateKeyFile } from '../../engine/codec/key-source.js';
import type { GantryConfig } from '../../engine/config.js';
import { ExitCode } from '../exit-codes.js';

export interface CodecServerOptions {
  readonly host: string;
  readonly port: number;
  readonly corsOrigins: readonly string[];
}

function describeSource(source: CodecKeySource): string {
  return source.kind === 'env' ? 'GANTRY_CODEC_KEY' : source.path;
}

/** Serves until SIGINT or SIGTERM. */
export async function codecServerCommand(
  options: CodecServerOptions,
  config: GantryConfig,
  env: NodeJS.ProcessEnv = process.env,
): Promise<number> {
  const codec = await loadCodec(config.codecKeys);
  const token = env[CODEC_SERVER_TOKEN_VARIABLE] || undefined;
  const server = await startCodecServer({ codec, ...options, token });
  process.stderr.write(
    `gantry codec-server: ${server.url} (keys: ${describeSource(config.codecKeys)}; CORS: ${options.corsOrigins.join(', ') || 'none'}; ${token ? 'bearer token required' : `no token (set ${CODEC_SERVER_TOKEN_VARIABLE} to require one)`})\n` +
      `  Temporal UI: Settings > Data Encoder > ${server.url}; temporal CLI: --codec-endpoint ${server.url}\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await server.close();
  return ExitCode.Ok;
}

/** Creates the key file if there is none (`gantry up`), saying so. */
export async function ensureCodecKey(config: GantryConfig): Promise<void> {
  const { ring, isCreated } = await loadKeyRing(config.codecKeys);
  if (isCreated)
    process.stderr.write(
      `gantry: payloads are encrypted with the new codec key ${ring.active.id} in ${describeSource(config.codecKeys)}\n`,
    );
}

/** Lists the key ids, active first; creates the key file when there is none. */
export async function codecKeyShowCommand(config: GantryConfig): Promise<number> {
  const { ring, isCreated } = await loadKeyRing(config.codecKeys);
  if (isCreated) process.stderr.write(`gantry: created a codec key in ${describeSource(config.codecKeys)}\n`);
  process.stdout.write(`source: ${describeSource(config.codecKeys)}\n`);
  for (const id of ring.byId.keys())
    process.stdout.write(`${id}${id === ring.active.id ? ' (active)' : ''}\n`);
  return ExitCode.Ok;
}

export async function codecKeyRotateCommand(config: GantryConfig): Promise<number> {
  const { key, ring } = await rotateKeyFile(config.codecKeys);
  process.stdout.write(`${key.id}\n`);
  process.stderr.write(
    `gantry: ${key.id} now encrypts (${describeSource(config.codecKeys)}); ${ring.byId.size - 1} older key(s) kept for decryption. ` +
      'Running workers decrypt with it at once and encrypt with it after a restart.\n',
  );
  return ExitCode.Ok;
}
