/**
 * Pipeline secrets end to end on the real Temporal server and Docker engine: the container gets the value,
 * while the run's history (raw bytes, codec or not), its log, outputs, summary and errors never hold it.
 */
import { temporal } from '@temporalio/proto';
import { randomBytes } from 'node:crypto';
import { mkdir, mkdtemp, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type TestCluster, shTask, startTestCluster } from './harness.js';

describe('pipeline secrets', () => {
  let cluster: TestCluster;
  const token = `tok-${randomBytes(12).toString('hex')}`;
  const password = `pw-${randomBytes(12).toString('hex')}`;
  beforeAll(async () => {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-secret-dirs-'));
    await mkdir(path.join(dir, 'secrets'));
    await writeFile(path.join(dir, 'secrets', 'db'), `${password}\n`, { mode: 0o600 });
    cluster = await startTestCluster('secrets', [{ id: 'n1', cpu: 2, memoryMiB: 1024 }], {
      secretAccess: {
        envAllowlist: ['GANTRY_TEST_TOKEN'],
        dirs: [path.join(dir, 'secrets')],
        env: { GANTRY_TEST_TOKEN: token, HOME: '/root' },
      },
    });
  });
  afterAll(() => cluster.stop());

  /** Every byte of the run's history as stored, without any codec. */
  async function rawHistory(workflowId: string): Promise<Buffer> {
    const history = await cluster.client.workflow.getHandle(workflowId).fetchHistory();
    return Buffer.from(temporal.api.history.v1.History.encode(history).finish());
  }

  it('gives the container its secrets and keeps them out of the history, the log and the outputs', async () => {
    const result = await cluster.run({
      name: 'secret-use',
      secrets: { TOKEN: { env: 'GANTRY_TEST_TOKEN' }, DB: { file: 'db' } },
      tasks: [
        shTask(
          'use',
          [
            'test "$URL" = "postgres://app:$(printf %s "$PW")@db/app" && echo url-ok',
            'echo "token is $TOKEN and again $TOKEN"',
            'echo "length ${#TOKEN}"',
            'printf %s "$TOKEN" > /gantry/outputs/leak',
          ].join('; '),
          {
            env: {
              TOKEN: '{{ secrets.TOKEN }}',
              PW: '{{ secrets.DB }}',
              URL: 'postgres://app:{{ secrets.DB }}@db/app',
            },
            outputs: { parameters: [{ name: 'leak' }] },
          },
        ),
        shTask('fail', 'echo "failing with $TOKEN"; exit 3', { env: { TOKEN: '{{ secrets.TOKEN }}' } }),
      ],
    });
    expect(result.tasks['use']!.status).toBe('succeeded');
    const log = await readFile(
      path.join(cluster.config.logDir, result.runId, 'use', 'attempt-1.log'),
      'utf8',
    );
    expect(log).toContain('url-ok');
    expect(log).toContain('token is *** and again ***');
    expect(log).toContain(`length ${token.length}`);
    expect(log).not.toContain(token);
    // An output parameter is passed on in histories and shown in summaries: masked too.
    expect(result.tasks['use']!.outputs).toEqual({ leak: { kind: 'inline', value: '***' } });

    // A failure's error and log tail, as the summary shows them.
    expect(result.tasks['fail']!.status).toBe('failed');
    expect(result.tasks['fail']!.logTail).toContain('failing with ***');
    const summary = JSON.stringify(result);
    for (const secret of [token, password]) expect(summary).not.toContain(secret);

    const history = await rawHistory(result.workflowId);
    expect(history.length).toBeGreaterThan(1000);
    for (const secret of [token, password]) {
      expect(history.includes(Buffer.from(secret))).toBe(false);
      expect(history.includes(Buffer.from(Buffer.from(secret).toString('base64').slice(0, 16)))).toBe(false);
    }
  });

  it('fails a task whose secret the worker may not give, with its own type and nothing started', async () => {
    const result = await cluster.run({
      name: 'secret-denied',
      secrets: { HOME_DIR: { env: 'HOME' } },
      tasks: [shTask('denied', 'echo never', { env: { H: '{{ secrets.HOME_DIR }}' } })],
    });
    const task = result.tasks['denied']!;
    expect(task.status).toBe('failed');
    expect(task.failureType).toBe('SecretUnavailable');
    expect(task.error).toContain(
      'secret "HOME_DIR": this worker does not let pipelines read the environment variable HOME (add it to GANTRY_SECRET_ENV)',
    );
    expect(task.error).not.toContain('/root');
  });
});
