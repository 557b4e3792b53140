/**
 * A node's Docker TCP endpoint over mutual TLS: the worker's runtime (activities/docker-runtime.ts) talks to
 * the real engine through a TLS front that demands a client certificate, as dockerd --tlsverify does.
 */
import Docker from 'dockerode';
import { execFileSync } from 'node:child_process';
import { mkdtemp, readFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createDockerRuntime } from '../../activities/docker-runtime.js';
import { DockerUnavailableError } from '../../activities/errors.js';
import { ClusterSpecSchema } from '../../common/cluster-spec.js';
import { type TlsProxy, startTlsProxy } from '../../engine/tls-proxy.js';

const ROOT = path.resolve(__dirname, '../..');

describe('Docker endpoints over TLS', () => {
  let dir: string;
  let proxy: TlsProxy;
  beforeAll(async () => {
    dir = path.join(await mkdtemp(path.join(os.tmpdir(), 'gantry-docker-tls-')), 'certs');
    execFileSync('bash', [path.join(ROOT, 'scripts/gen-certs.sh'), dir, '127.0.0.1']);
    proxy = await startTlsProxy({
      listen: { host: '127.0.0.1', port: 0 },
      target: { path: process.env['DOCKER_SOCKET'] ?? '/var/run/docker.sock' },
      alpn: [],
      cert: await readFile(path.join(dir, 'server.pem')),
      key: await readFile(path.join(dir, 'server-key.pem')),
      ca: await readFile(path.join(dir, 'ca.pem')),
    });
  });
  afterAll(() => proxy?.close());

  it('reaches the engine with the node’s certificates, and not without them', async () => {
    const spec = ClusterSpecSchema.parse({
      name: 'tls',
      nodes: [
        {
          id: 'n1',
          capacity: { cpu: 1, memoryMiB: 512 },
          docker: {
            host: '127.0.0.1',
            port: proxy.port,
            protocol: 'https',
            tls: {
              ca: path.join(dir, 'ca.pem'),
              cert: path.join(dir, 'client.pem'),
              key: path.join(dir, 'client-key.pem'),
            },
          },
        },
      ],
    });
    const runtime = createDockerRuntime(spec.nodes[0]!.docker, 10_000);
    await runtime.ping();
    expect(await runtime.hasImage('gantry/busybox')).toBe(true);

    const bare = createDockerRuntime({ host: '127.0.0.1', port: proxy.port, protocol: 'https' }, 10_000);
    await expect(bare.ping()).rejects.toBeInstanceOf(DockerUnavailableError);
    // Trusting the engine is not enough: the engine wants the client's certificate.
    const anonymous = new Docker({
      host: '127.0.0.1',
      port: proxy.port,
      protocol: 'https',
      ca: await readFile(path.join(dir, 'ca.pem')),
    });
    await expect(anonymous.ping()).rejects.toThrow();
  });

  it('refuses certificates over plain HTTP and names a missing file', () => {
    const tls = { ca: '/nonexistent/ca.pem', cert: '/x/c.pem', key: '/x/k.pem' };
    const plain = ClusterSpecSchema.safeParse({
      name: 'tls',
      nodes: [{ id: 'n1', capacity: { cpu: 1, memoryMiB: 512 }, docker: { host: 'h', port: 2376, tls } }],
    });
    expect(plain.success).toBe(false);
    expect(JSON.stringify(plain.error?.issues)).toContain('must be \\"https\\" when tls is set');
    expect(() => createDockerRuntime({ host: 'h', port: 2376, protocol: 'https', tls })).toThrow(
      'docker h:2376: cannot read the TLS CA /nonexistent/ca.pem (ENOENT)',
    );
  });
});
