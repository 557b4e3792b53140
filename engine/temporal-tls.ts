/**
 * TLS (and mutual TLS) to the Temporal server, configured like the `temporal` CLI: TEMPORAL_TLS_CERT and
 * TEMPORAL_TLS_KEY (the client's certificate pair, for mTLS), TEMPORAL_TLS_CA (the server's CA, when it is
 * not a public one), TEMPORAL_TLS_SERVER_NAME (when the address is not the certificate's name), and
 * TEMPORAL_TLS=true for TLS with none of these. Files are read when a connection is made, so a rotated
 * certificate is picked up by the next process without a config change.
 */
import { readFile } from 'node:fs/promises';
import type { TLSConfig } from '@temporalio/client';
import { InvalidConfigError } from './errors.js';

/** Where the TLS material is; undefined fields are not used. */
export interface TemporalTlsFiles {
  readonly cert?: string;
  readonly key?: string;
  readonly ca?: string;
  readonly serverName?: string;
}

const TRUE = new Set(['1', 'true', 'yes']);

/** The TLS settings the environment asks for, or undefined for a plain connection (the dev server's). */
export function temporalTlsFromEnv(env: NodeJS.ProcessEnv): TemporalTlsFiles | undefined {
  const cert = env['TEMPORAL_TLS_CERT'] || undefined;
  const key = env['TEMPORAL_TLS_KEY'] || undefined;
  const ca = env['TEMPORAL_TLS_CA'] || undefined;
  const serverName = env['TEMPORAL_TLS_SERVER_NAME'] || undefined;
  const isOn = TRUE.has((env['TEMPORAL_TLS'] ?? '').toLowerCase());
  if ((cert === undefined) !== (key === undefined)) {
    throw new InvalidConfigError(
      `TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together (a client certificate needs its key), got only ${cert ? 'TEMPORAL_TLS_CERT' : 'TEMPORAL_TLS_KEY'}`,
    );
  }
  if (!isOn && cert === undefined && ca === undefined && serverName === undefined) return undefined;
  return {
    ...(cert === undefined ? {} : { cert }),
    ...(key === undefined ? {} : { key }),
    ...(ca === undefined ? {} : { ca }),
    ...(serverName === undefined ? {} : { serverName }),
  };
}

async function readPem(variable: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    throw new InvalidConfigError(
      `${variable}: cannot read ${file} (${(err as NodeJS.ErrnoException).code ?? String(err)})`,
    );
  }
}

/** The SDK's TLS options for `Connection.connect` and `NativeConnection.connect`. */
export async function loadTemporalTls(files: TemporalTlsFiles): Promise<TLSConfig> {
  const [crt, key, ca] = await Promise.all([
    files.cert === undefined ? undefined : readPem('TEMPORAL_TLS_CERT', files.cert),
    files.key === undefined ? undefined : readPem('TEMPORAL_TLS_KEY', files.key),
    files.ca === undefined ? undefined : readPem('TEMPORAL_TLS_CA', files.ca),
  ]);
  return {
    ...(crt && key ? { clientCertPair: { crt, key } } : {}),
    ...(ca ? { serverRootCACertificate: ca } : {}),
    ...(files.serverName === undefined ? {} : { serverNameOverride: files.serverName }),
  };
}
