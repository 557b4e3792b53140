/** `gantry tls-proxy`: mutual TLS in front of a plaintext Temporal dev server (engine/tls-proxy.ts). */
import { readFile } from 'node:fs/promises';
import { parseHostPort, startTlsProxy } from '../../engine/tls-proxy.js';
import { GantryCliError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';

export interface TlsProxyCommandOptions {
  readonly listen: string;
  readonly target: string;
  readonly cert: string;
  readonly key: string;
  readonly ca: string;
}

async function readPem(flag: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new GantryCliError(
      `${flag}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
}

export async function tlsProxyCommand(options: TlsProxyCommandOptions): Promise<number> {
  const [cert, key, ca] = await Promise.all([
    readPem('--cert', options.cert),
    readPem('--key', options.key),
    readPem('--ca', options.ca),
  ]);
  let listen: { host: string; port: number };
  let target: { host: string; port: number };
  try {
    listen = parseHostPort(options.listen, '--listen');
    target = parseHostPort(options.target, '--target');
  } catch (err) {
    throw new GantryCliError((err as Error).message);
  }
  const proxy = await startTlsProxy({
    listen,
    target,
    cert,
    key,
    ca,
    onRefused: (reason) => process.stderr.write(`gantry tls-proxy: refused a connection: ${reason}\n`),
  });
  process.stderr.write(
    `gantry tls-proxy: ${listen.host}:${proxy.port} -> ${target.host}:${target.port} (clients need a certificate from ${options.ca})\n`,
  );
  await new Promise<void>((resolve) => {
    process.once('SIGINT', resolve);
    process.once('SIGTERM', resolve);
  });
  await proxy.close();
  return ExitCode.Ok;
}
