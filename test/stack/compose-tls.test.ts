/**
 * docker-compose.yml runs with TLS on (issue #12): Temporal's gRPC port is published only through the
 * mutual-TLS front, and the worker connects with a client certificate. (No registry here to run compose.)
 */
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

interface Service {
  readonly ports?: string[];
  readonly command?: string[];
  readonly environment?: Record<string, string>;
}
const compose = parse(readFileSync(path.resolve(__dirname, '../../docker-compose.yml'), 'utf8')) as {
  services: Record<string, Service>;
};

describe('the compose stack', () => {
  it('publishes Temporal’s gRPC port only behind gantry tls-proxy, which wants client certificates', () => {
    const { temporal, 'temporal-tls': front } = compose.services;
    expect(temporal?.ports?.some((port) => port.endsWith(':7233'))).toBe(false);
    expect(front?.ports).toContain('127.0.0.1:7233:7233');
    expect(front?.command).toEqual(
      expect.arrayContaining(['tls-proxy', '--ca', '/certs/ca.pem', 'temporal:7233']),
    );
  });

  it('connects the worker through the front with a client certificate', () => {
    expect(compose.services['worker']?.environment).toMatchObject({
      TEMPORAL_ADDRESS: 'temporal-tls:7233',
      TEMPORAL_TLS_CA: '/certs/ca.pem',
      TEMPORAL_TLS_CERT: '/certs/client.pem',
      TEMPORAL_TLS_KEY: '/certs/client-key.pem',
    });
  });
});
