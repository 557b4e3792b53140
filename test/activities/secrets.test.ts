/** Reading pipeline secrets on the worker: only what its operator allows, with real files and links. */
import { mkdir, mkdtemp, symlink, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { beforeAll, describe, expect, it } from 'vitest';
import { SecretUnavailableError } from '../../activities/errors.js';
import { isEnvReadable, joinSecretEnv, readSecrets, type SecretAccess } from '../../activities/secrets.js';

describe('pipeline secrets on the worker', () => {
  let root: string;
  let access: SecretAccess;
  beforeAll(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gantry-secrets-'));
    await mkdir(path.join(root, 'secrets'));
    await mkdir(path.join(root, 'secrets-other'));
    await writeFile(path.join(root, 'secrets', 'db'), 'p4ss-from-file\n');
    await writeFile(path.join(root, 'secrets-other', 'x'), 'outside');
    await writeFile(path.join(root, 'secrets', 'empty'), '');
    await symlink('/etc/hostname', path.join(root, 'secrets', 'escape'));
    access = {
      envAllowlist: ['API_TOKEN', 'WANDB_*', 'GANTRY_CODEC_KEY'],
      dirs: [path.join(root, 'secrets')],
      env: { API_TOKEN: 't0ken', WANDB_KEY: 'w-key', HOME: '/root', GANTRY_CODEC_KEY: 'k1:abc' },
    };
  });

  const failure = async (promise: Promise<unknown>): Promise<string> => {
    const err = await promise.then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(err).toBeInstanceOf(SecretUnavailableError);
    return (err as Error).message;
  };

  it('reads allowed variables and files under the secret directories (one trailing newline dropped)', async () => {
    const values = await readSecrets(
      {
        TOKEN: { env: 'API_TOKEN' },
        WANDB: { env: 'WANDB_KEY' },
        DB: { file: 'db' },
        DB_ABS: { file: path.join(root, 'secrets', 'db') },
      },
      access,
      'task "t"',
    );
    expect(Object.fromEntries(values)).toEqual({
      TOKEN: 't0ken',
      WANDB: 'w-key',
      DB: 'p4ss-from-file',
      DB_ABS: 'p4ss-from-file',
    });
  });

  it('refuses variables off the allowlist and the worker’s own keys even when listed', async () => {
    expect(isEnvReadable('GANTRY_CODEC_KEY', access.envAllowlist)).toBe(false);
    expect(isEnvReadable('TEMPORAL_TLS_KEY', ['*'])).toBe(false);
    expect(await failure(readSecrets({ H: { env: 'HOME' } }, access, 'task "t"'))).toBe(
      'task "t": secret "H": this worker does not let pipelines read the environment variable HOME (add it to GANTRY_SECRET_ENV)',
    );
    expect(await failure(readSecrets({ K: { env: 'GANTRY_CODEC_KEY' } }, access, 'task "t"'))).toContain(
      'GANTRY_CODEC_KEY',
    );
    expect(await failure(readSecrets({ W: { env: 'WANDB_UNSET' } }, access, 'task "t"'))).toBe(
      'task "t": secret "W": WANDB_UNSET is not set on this worker',
    );
  });

  it('refuses files outside the directories, through a link, or missing, with one message for all', async () => {
    const outside = await failure(
      readSecrets({ X: { file: path.join(root, 'secrets-other', 'x') } }, access, 'task "t"'),
    );
    const link = await failure(readSecrets({ X: { file: 'escape' } }, access, 'task "t"'));
    const missing = await failure(readSecrets({ X: { file: 'nope' } }, access, 'task "t"'));
    const dotdot = await failure(readSecrets({ X: { file: '../secrets-other/x' } }, access, 'task "t"'));
    for (const message of [outside, link, missing, dotdot])
      expect(message).toMatch(/^task "t": secret "X": no file .* under this worker's secret directories/);
    const own = await failure(
      readSecrets(
        { K: { file: 'db' } },
        { ...access, forbiddenFiles: [path.join(root, 'secrets', 'db')] },
        'w',
      ),
    );
    expect(own).toMatch(/^w: secret "K": no file db under/);
    expect(await failure(readSecrets({ E: { file: 'empty' } }, access, 'task "t"'))).toBe(
      'task "t": secret "E" is empty',
    );
  });

  it('joins env values from text and secrets', () => {
    expect(
      joinSecretEnv(
        { URL: ['postgres://app:', { secret: 'DB' }, '@db/app'], T: [{ secret: 'TOKEN' }] },
        new Map([
          ['DB', 'pw'],
          ['TOKEN', 't'],
        ]),
      ),
    ).toEqual({ URL: 'postgres://app:pw@db/app', T: 't' });
  });
});
