/**
 * Payload encryption end to end: a run's secrets never reach Temporal in clear, the stack's own clients
 * still read them, and the codec server decodes them for the UI.
 */
import { Client } from '@temporalio/client';
import { type Payload, defaultPayloadConverter } from '@temporalio/common';
import proto from '@temporalio/proto';
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWorkflowId } from '../../common/names.js';
import { type CodecServer, startCodecServer } from '../../engine/codec/codec-server.js';
import { decodeHistoryPayloads, loadCodec } from '../../engine/codec/data-converter.js';
import type { EncryptionCodec } from '../../engine/codec/encryption-codec.js';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

const UI_ORIGIN = 'http://127.0.0.1:8233';
const { History } = proto.temporal.api.history.v1;

const toJson = (p: Payload) => ({
  metadata: Object.fromEntries(
    Object.entries(p.metadata ?? {}).map(([k, v]) => [k, Buffer.from(v).toString('base64')]),
  ),
  data: Buffer.from(p.data ?? new Uint8Array()).toString('base64'),
});
const fromJson = (p: { metadata: Record<string, string>; data: string }): Payload => ({
  metadata: Object.fromEntries(Object.entries(p.metadata).map(([k, v]) => [k, Buffer.from(v, 'base64')])),
  data: Buffer.from(p.data, 'base64'),
});

async function post(url: string, body: unknown, headers: Record<string, string> = {}) {
  return fetch(url, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json', 'X-Namespace': 'default', ...headers },
    body: JSON.stringify(body),
  });
}

describe('payload encryption', () => {
  let cluster: TestCluster;
  let codec: EncryptionCodec;
  let server: CodecServer;
  beforeAll(async () => {
    // NOTE: a simulated node: the env travels in the run's input and the activity's input all the same, and
    // what is under test is the history, not Docker.
    cluster = await startTestCluster('codec', [{ id: 'n1', cpu: 1, memoryMiB: 512, runtime: 'simulated' }]);
    codec = await loadCodec(cluster.config.codecKeys);
    server = await startCodecServer({
      codec,
      host: '127.0.0.1',
      port: 0,
      corsOrigins: [UI_ORIGIN],
      token: undefined,
    });
  });
  afterAll(async () => {
    await server?.close();
    await cluster?.stop();
  });

  it('keeps a task env value out of the raw history, while a client with the codec reads the task input', async () => {
    const marker = `GANTRY_TEST_MARKER_${randomBytes(8).toString('hex')}`;
    const result = await cluster.run({
      name: 'secret-env',
      tasks: [shTask('uses-secret', 'test -n "$SECRET"', { env: { SECRET: marker } })],
    });
    expect(result.tasks['uses-secret']!.status).toBe('succeeded');

    // A client without the codec sees what the server stores.
    const bare = new Client({ connection: cluster.client.connection, namespace: cluster.config.namespace });
    for (const workflowId of [result.workflowId, clusterWorkflowId(cluster.name)]) {
      const history = await bare.workflow.getHandle(workflowId).fetchHistory();
      const bytes = Buffer.from(History.encode(History.fromObject(history)).finish());
      expect(bytes.includes(marker), `${workflowId}: marker in the history's bytes`).toBe(false);
      expect(JSON.stringify(History.toObject(History.fromObject(history), { bytes: String }))).not.toContain(
        marker,
      );
    }

    // The env travels in the container activity's input (the spec itself goes by reference): that input is
    // encrypted, and the stack's client decodes it.
    const history = await bare.workflow.getHandle(result.workflowId).fetchHistory();
    const raw = history.events
      ?.map((e) => e.activityTaskScheduledEventAttributes)
      .find((a) => a?.activityType?.name === 'runContainer')?.input?.payloads as Payload[];
    expect(Buffer.from(raw[0]!.metadata!['encoding']!).toString()).toBe('binary/encrypted');
    const [input] = await decodeHistoryPayloads(cluster.client, raw);
    expect(JSON.stringify(defaultPayloadConverter.fromPayload(input!))).toContain(marker);

    // And so does the codec server, for the UI.
    const response = await post(`${server.url}/decode`, { payloads: raw.map(toJson) });
    expect(response.status).toBe(200);
    const { payloads } = (await response.json()) as {
      payloads: { metadata: Record<string, string>; data: string }[];
    };
    expect(JSON.stringify(defaultPayloadConverter.fromPayload(fromJson(payloads[0]!)))).toContain(marker);
  });

  it('answers the UI: CORS preflight for its origin, encode then decode, nothing for other origins', async () => {
    const preflight = await fetch(`${server.url}/api/default/decode`, {
      method: 'OPTIONS',
      headers: {
        Origin: UI_ORIGIN,
        'Access-Control-Request-Method': 'POST',
        'Access-Control-Request-Headers': 'content-type,x-namespace',
      },
    });
    expect(preflight.status).toBe(204);
    expect(preflight.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    expect(preflight.headers.get('access-control-allow-methods')).toContain('POST');
    expect(preflight.headers.get('access-control-allow-headers')).toBe(
      'X-Namespace, Content-Type, Authorization',
    );

    const plain = defaultPayloadConverter.toPayload({ hello: 'world' });
    const encoded = await post(`${server.url}/encode`, { payloads: [toJson(plain)] }, { Origin: UI_ORIGIN });
    expect(encoded.headers.get('access-control-allow-origin')).toBe(UI_ORIGIN);
    const encrypted = (
      (await encoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] }
    ).payloads;
    expect(Buffer.from(encrypted[0]!.metadata['encoding']!, 'base64').toString()).toBe('binary/encrypted');
    // Only the last path segment counts: the UI may mount the endpoint under a prefix.
    const decoded = await post(
      `${server.url}/api/default/decode`,
      { payloads: encrypted },
      { Origin: 'https://evil.example' },
    );
    expect(decoded.headers.get('access-control-allow-origin')).toBeNull();
    const back = (await decoded.json()) as { payloads: { metadata: Record<string, string>; data: string }[] };
    expect(defaultPayloadConverter.fromPayload(fromJson(back.payloads[0]!))).toEqual({ hello: 'world' });

    expect((await post(`${server.url}/decode`, { nope: true })).status).toBe(400);
  });

  it('requires the bearer token when one is set, and refuses a public bind without one', async () => {
    const guarded = await startCodecServer({
      codec,
      host: '127.0.0.1',
      port: 0,
      corsOrigins: [UI_ORIGIN],
      token: 'sesame',
    });
    try {
      const body = { payloads: [toJson(defaultPayloadConverter.toPayload(1))] };
      const denied = await post(`${guarded.url}/encode`, body);
      expect(denied.status).toBe(401);
      expect(denied.headers.get('www-authenticate')).toBe('Bearer');
      expect((await post(`${guarded.url}/encode`, body, { Authorization: 'Bearer wrong' })).status).toBe(401);
      expect((await post(`${guarded.url}/encode`, body, { Authorization: 'Bearer sesame' })).status).toBe(
        200,
      );
    } finally {
      await guarded.close();
    }
    await expect(
      startCodecServer({ codec, host: '0.0.0.0', port: 0, corsOrigins: [], token: undefined }),
    ).rejects.toThrow(
      '--host 0.0.0.0: serving decrypted payloads beyond this machine needs GANTRY_CODEC_SERVER_TOKEN',
    );
  });
});
