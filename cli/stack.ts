/**
 * Reaching the stack from the CLI: connect to Temporal, and when nothing is configured and nothing answers,
 * bring up the local default (Docker engine, Temporal dev server, images) with the project's own script.
 */
import type { Client } from '@temporalio/client';
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { spawn } from 'node:child_process';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { GantryConfig } from '../engine/config.js';
import { connectClient, ensureSearchAttributes } from '../engine/connection.js';
import { TemporalUnavailableError } from '../engine/errors.js';
import { GantryCliError } from './errors.js';

export const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

let isRuntimeInstalled = false;
/** The SDK logs every worker state change at INFO; a CLI shows only warnings. Call before any worker. */
export function installQuietRuntime(): void {
  if (isRuntimeInstalled) return;
  const level = process.env['GANTRY_LOG_LEVEL'] === 'debug' ? 'DEBUG' : 'WARN';
  Runtime.install({
    // The CLI owns its signals: `run` turns Ctrl-C into a cancel and must keep its workers alive until the
    // cancellation has killed the containers; `worker` shuts down gracefully itself.
    shutdownSignals: [],
    logger: new DefaultLogger(level, (entry) => {
      // A control worker has no activities and a node worker no workflows, by design: not worth a warning.
      if (/not polling for/.test(entry.message)) return;
      process.stderr.write(
        `${entry.level} ${entry.message}${entry.meta ? ` ${JSON.stringify(entry.meta)}` : ''}\n`,
      );
    }),
  });
  isRuntimeInstalled = true;
}

export class StackScriptError extends GantryCliError {
  constructor(script: string, code: number | null) {
    super(`${script} failed (exit code ${code}); run it by hand to see why`);
  }
}

/** Runs scripts/<name>.sh, streaming its progress to stderr; returns its KEY=VALUE stdout lines. */
export async function runStackScript(
  name: 'up' | 'down',
  args: readonly string[] = [],
): Promise<Record<string, string>> {
  const script = path.join(ROOT, 'scripts', `${name}.sh`);
  const child = spawn('bash', [script, ...args], { stdio: ['ignore', 'pipe', 'inherit'] });
  let out = '';
  child.stdout.on('data', (chunk: Buffer) => (out += chunk.toString()));
  const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
  if (code !== 0) throw new StackScriptError(`scripts/${name}.sh`, code);
  return Object.fromEntries(
    out
      .split('\n')
      .map((line) => /^([A-Z_][A-Z0-9_]*)=(.*)$/.exec(line))
      .filter((m): m is RegExpExecArray => m !== null)
      .map((m) => [m[1]!, m[2]!]),
  );
}

/** Connects; if nothing answers and the user configured no address, starts the local stack first. */
export async function connectOrBringUp(config: GantryConfig, images: readonly string[]): Promise<Client> {
  let client: Client;
  try {
    client = await connectClient(config);
  } catch (err) {
    if (!(err instanceof TemporalUnavailableError) || config.isAddressConfigured) throw err;
    process.stderr.write(
      `gantry: no Temporal server at ${config.temporalAddress}; bringing up the local stack\n`,
    );
    await runStackScript('up', images.length > 0 ? ['--images', images.join(',')] : ['--no-images']);
    client = await connectClient(config);
  }
  await ensureSearchAttributes(client, config.namespace);
  return client;
}
