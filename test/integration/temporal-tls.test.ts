/**
 * Mutual TLS to Temporal: the client and the worker connection of Gantry (engine/connection.ts) reach the
 * real dev server through `gantry tls-proxy` with the certificates of scripts/gen-certs.sh; a client
 * without a certificate, with one from another CA, or without TLS at all is refused.
 */
import { Connection } from '@temporalio/client';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config.js';
import { connectClient, connectWorker } from '../../engine/connection.js';
import { type TlsProxy, startTlsProxy } from '../../engine/tls-proxy.js';

const ROOT = path.resolve(__dirname, '../..');
const temporalAddress = process.env['TEMPORAL_ADDRESS'] ?? '127.0.0.1:7233';

describe('mutual TLS to Temporal', () => {
  let dir: string;
  let rogue: string;
  let proxy: TlsProxy;
  const refused: string[] = [];
  beforeAll(async () => {
    const base = await mkdtemp(path.join(os.tmpdir(), 'gantry-tls-'));
    dir = path.join(base, 'good');
    rogue = path.join(base, 'rogue');
    execFileSync('bash', [path.join(ROOT, 'scripts/gen-certs.sh'), dir, 'localhost', '127.0.0.1']);
    execFileSync('bash', [path.join(ROOT, 'scripts/gen-certs.sh'), rogue]);
    const [host = '127.0.0.1', port = '7233'] = temporalAddress.split(':');
    proxy = await startTlsProxy({
      listen: { host: '127.0.0.1', port: 0 },
      target: { host, port: Number(port) },
      cert: await readFile(path.join(dir, 'server.pem')),
      key: await readFile(path.join(dir, 'server-key.pem')),
      ca: await readFile(path.join(dir, 'ca.pem')),
      onRefused: (reason) => refused.push(reason),
    });
  });
  afterAll(() => proxy?.close());

  const env = (certDir: string, extra: Record<string, string> = {}) => ({
    GANTRY_HOME: process.env['GANTRY_HOME'] ?? path.join(os.homedir(), '.gantry'),
    ...(process.env['GANTRY_CODEC_KEY'] ? { GANTRY_CODEC_KEY: process.env['GANTRY_CODEC_KEY'] } : {}),
    TEMPORAL_ADDRESS: `127.0.0.1:${proxy.port}`,
    TEMPORAL_TLS_CERT: path.join(certDir, 'client.pem'),
    TEMPORAL_TLS_KEY: path.join(certDir, 'client-key.pem'),
    TEMPORAL_TLS_CA: path.join(dir, 'ca.pem'),
    ...extra,
  });

  it('connects the client and the worker connection with a certificate from the CA', async () => {
    const config = loadConfig(env(dir));
    const client = await connectClient(config);
    const info = await client.workflowService.getSystemInfo({});
    expect(info.serverVersion).toMatch(/^\d+\./);
    await client.connection.close();
    const worker = await connectWorker(config);
    await worker.close();
  });

  it('is refused without a client certificate, with one from another CA, or in plain text', async () => {
    const attempt = async (options: Parameters<typeof Connection.connect>[0]) => {
      const connection = await Connection.connect({ ...options, connectTimeout: '3s' });
      try {
        await connection.workflowService.getSystemInfo({});
      } finally {
        await connection.close();
      }
    };
    const ca = await readFile(path.join(dir, 'ca.pem'));
    const address = `127.0.0.1:${proxy.port}`;
    await expect(attempt({ address, tls: { serverRootCACertificate: ca } })).rejects.toThrow();
    await expect(
      attempt({
        address,
        tls: {
          serverRootCACertificate: ca,
          clientCertPair: {
            crt: await readFile(path.join(rogue, 'client.pem')),
            key: await readFile(path.join(rogue, 'client-key.pem')),
          },
        },
      }),
    ).rejects.toThrow();
    await expect(attempt({ address })).rejects.toThrow();
    expect(refused.length).toBeGreaterThanOrEqual(2);
    // Gantry's own connection says which server it could not reach.
    await expect(connectClient(loadConfig(env(rogue)))).rejects.toThrow(`127.0.0.1:${proxy.port}`);
  });

  it('names the variable of a missing certificate file, and wants a key with a certificate', async () => {
    await expect(
      connectClient(loadConfig(env(dir, { TEMPORAL_TLS_CA: '/nonexistent/ca.pem' }))),
    ).rejects.toThrow('TEMPORAL_TLS_CA: cannot read /nonexistent/ca.pem (ENOENT)');
    expect(() => loadConfig({ TEMPORAL_TLS_CERT: '/x/client.pem' })).toThrow(
      'TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY go together',
    );
  });
});
