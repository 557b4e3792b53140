/**
 * Host mounts resolved and checked on the worker (issue #12): real temp directories and real symlinks, since
 * what is tested is how the file system's links are followed.
 */
import { mkdir, mkdtemp, rm, symlink } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { HostMountMissingError, HostMountNotAllowedError } from '../../activities/errors.js';
import {
  type HostMountAllowlists,
  isMountAllowed,
  isPathUnder,
  resolveHostMounts,
} from '../../activities/host-mounts.js';
import type { RunContainerInput } from '../../activities/types.js';

type Mount = RunContainerInput['mounts'][number];

function makeMount(overrides: Partial<Mount> = {}): Mount {
  return { hostPath: '/nowhere', containerPath: '/data', readOnly: true, ...overrides };
}

async function errorOf(promise: Promise<unknown>): Promise<unknown> {
  return promise.then(
    () => {
      throw new Error('expected a rejection');
    },
    (err: unknown) => err,
  );
}

describe('isPathUnder', () => {
  it.each([
    ['/tmp/allow', '/tmp/allow', true],
    ['/tmp/allow/a/b', '/tmp/allow', true],
    ['/tmp/allow2', '/tmp/allow', false],
    ['/tmp/allow2/x', '/tmp/allow', false],
    ['/tmp', '/tmp/allow', false],
    ['/tmp/allow/..x', '/tmp/allow', true],
    ['/etc', '/tmp/allow', false],
  ])('says %s under %s is %s', (candidate, prefix, expected) => {
    expect(isPathUnder(candidate, prefix)).toBe(expected);
  });
});

describe('isMountAllowed', () => {
  const lists: HostMountAllowlists = { readOnly: ['/ro'], writable: ['/rw'] };

  it.each([
    ['/ro/x', true, true],
    ['/rw/x', true, true],
    ['/ro/x', false, false],
    ['/rw/x', false, true],
    ['/other', true, false],
    ['/other', false, false],
  ])('allows %s (readOnly %s): %s', (resolved, isReadOnly, expected) => {
    expect(isMountAllowed(resolved, isReadOnly, lists)).toBe(expected);
  });
});

describe('resolveHostMounts', () => {
  let root: string;
  let allow: string;
  const resolve = (mounts: Mount[], allowlists: Partial<HostMountAllowlists> = {}) =>
    resolveHostMounts(
      { taskId: 'train', nodeId: 'n1', mounts },
      { readOnly: [allow], writable: [], ...allowlists },
    );

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'gantry-mounts-'));
    allow = path.join(root, 'allow');
    await mkdir(path.join(allow, 'data'), { recursive: true });
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('refuses a link under the allowlist that points to /etc', async () => {
    await symlink('/etc', path.join(allow, 'link'));
    const hostPath = path.join(allow, 'link');
    const err = await errorOf(resolve([makeMount({ hostPath })]));
    expect(err).toBeInstanceOf(HostMountNotAllowedError);
    expect((err as Error).message).toBe(
      `task "train" mounts[0]: host path "${hostPath}" (resolved "/etc") is under neither GANTRY_HOST_MOUNT_ALLOWLIST [${allow}] nor GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST []`,
    );
  });

  it('refuses a path that leaves the allowlist through a link further up', async () => {
    await symlink('/', path.join(allow, 'up'));
    const err = await errorOf(resolve([makeMount({ hostPath: path.join(allow, 'up', 'etc', 'hostname') })]));
    expect(err).toBeInstanceOf(HostMountNotAllowedError);
    expect((err as HostMountNotAllowedError).resolvedPath).toBe('/etc/hostname');
  });

  it('binds a plain directory under the allowlist by its resolved path', async () => {
    const binds = await resolve([makeMount({ hostPath: path.join(allow, 'data') })]);
    expect(binds).toEqual([{ hostPath: path.join(allow, 'data'), target: '/data', readOnly: true }]);
  });

  it('binds the target of a link that stays under the allowlist, not the link', async () => {
    await symlink(path.join(allow, 'data'), path.join(allow, 'alias'));
    const binds = await resolve([makeMount({ hostPath: path.join(allow, 'alias') })]);
    expect(binds).toEqual([{ hostPath: path.join(allow, 'data'), target: '/data', readOnly: true }]);
  });

  it('resolves the allowlist entries too', async () => {
    await symlink(allow, path.join(root, 'allow-link'));
    const binds = await resolve([makeMount({ hostPath: path.join(allow, 'data') })], {
      readOnly: [path.join(root, 'allow-link')],
    });
    expect(binds).toEqual([{ hostPath: path.join(allow, 'data'), target: '/data', readOnly: true }]);
  });

  it('does not take a sibling whose name starts with the allowed prefix as under it', async () => {
    const sibling = `${allow}2`;
    await mkdir(sibling);
    const err = await errorOf(resolve([makeMount({ hostPath: sibling })]));
    expect(err).toBeInstanceOf(HostMountNotAllowedError);
    expect((err as Error).message).toBe(
      `task "train" mounts[0]: host path "${sibling}" (resolved "${sibling}") is under neither GANTRY_HOST_MOUNT_ALLOWLIST [${allow}] nor GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST []`,
    );
  });

  it('refuses a writable mount outside the writable allowlist while the same mount read-only passes', async () => {
    const writable = path.join(root, 'scratch');
    await mkdir(writable);
    const hostPath = path.join(allow, 'data');
    const lists = { readOnly: [allow], writable: [writable] };

    const err = await errorOf(resolve([makeMount({ hostPath, readOnly: false })], lists));
    expect(err).toBeInstanceOf(HostMountNotAllowedError);
    expect((err as Error).message).toBe(
      `task "train" mounts[0]: host path "${hostPath}" (resolved "${hostPath}") is writable but not under GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST [${writable}]`,
    );
    await expect(resolve([makeMount({ hostPath, readOnly: true })], lists)).resolves.toEqual([
      { hostPath, target: '/data', readOnly: true },
    ]);
  });

  it('binds a writable mount under the writable allowlist, and a read-only one there too', async () => {
    const writable = path.join(root, 'scratch');
    await mkdir(writable);
    const binds = await resolve(
      [
        makeMount({ hostPath: writable, readOnly: false }),
        makeMount({ hostPath: writable, containerPath: '/ro' }),
      ],
      { readOnly: [], writable: [writable] },
    );
    expect(binds).toEqual([
      { hostPath: writable, target: '/data', readOnly: false },
      { hostPath: writable, target: '/ro', readOnly: true },
    ]);
  });

  it('refuses a missing path under the allowlist with a message that names the mount and the path', async () => {
    const hostPath = path.join(allow, 'nope', 'deeper');
    const err = await errorOf(
      resolve([makeMount({ hostPath: path.join(allow, 'data') }), makeMount({ hostPath })]),
    );
    expect(err).toBeInstanceOf(HostMountMissingError);
    expect(err).toMatchObject({ failureType: 'InvalidTaskConfig', index: 1, hostPath });
    expect((err as Error).message).toBe(
      `task "train" mounts[1]: host path "${hostPath}" does not exist on node "n1"`,
    );
  });

  it('refuses a missing path outside the allowlist as not allowed, so it does not tell whether it exists', async () => {
    const err = await errorOf(resolve([makeMount({ hostPath: '/etc/gantry-no-such-file' })]));
    expect(err).toBeInstanceOf(HostMountNotAllowedError);
    expect((err as HostMountNotAllowedError).resolvedPath).toBe('/etc/gantry-no-such-file');
  });

  it('follows a dangling link to judge where its missing target would be', async () => {
    await symlink('/etc/gantry-no-such-file', path.join(allow, 'dangling'));
    const err = await errorOf(resolve([makeMount({ hostPath: path.join(allow, 'dangling') })]));
    expect(err).toBeInstanceOf(HostMountNotAllowedError);
    expect((err as HostMountNotAllowedError).resolvedPath).toBe('/etc/gantry-no-such-file');
  });
});
