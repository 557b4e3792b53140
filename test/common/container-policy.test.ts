import { describe, expect, it } from 'vitest';
import {
  effectiveSecurity,
  fullImageName,
  imageRefusal,
  rootUserRefusal,
  runtimeClassRefusal,
} from '../../common/container-policy.js';

const DIGEST = `sha256:${'a'.repeat(64)}`;

describe('image policy', () => {
  it.each([
    // entry, image, allowed
    ['registry.example.com/team/', 'registry.example.com/team/app:1', true],
    ['registry.example.com/team/', 'registry.example.com/team-evil/app:1', false],
    ['registry.example.com/team', 'registry.example.com/team/app', true],
    ['registry.example.com/team', 'registry.example.com/team-evil/app', false],
    ['registry.example.com/team', 'registry.example.com/team:2', true],
    ['registry.example.com/team', 'registry.example.com/teamx', false],
    ['registry.example.com/team-*', 'registry.example.com/team-evil/app', true],
    ['registry.example.com/', 'registry.example.com.evil.io/app', false],
    ['gantry/', 'gantry/busybox', true],
    ['gantry/', 'docker.io/gantry/busybox:latest', true],
    ['gantry/', 'gantry-evil/busybox', false],
    ['busybox', 'busybox:1.36', true],
    ['busybox', 'docker.io/library/busybox', true],
    ['busybox', 'busyboxx', false],
    ['docker.io/library/', 'alpine', true],
    ['docker.io/library/', 'evil.io/library/alpine', false],
  ])('allow entry %s admits %s: %s', (entry, image, isAllowed) => {
    expect(imageRefusal(image, { allow: [entry] }) === undefined).toBe(isAllowed);
  });

  it('admits everything when the cluster has no policy, and nothing when the allow list is empty', () => {
    expect(imageRefusal('anything/at:all', undefined)).toBeUndefined();
    expect(imageRefusal('gantry/busybox', { allow: [] })).toBe(
      `"gantry/busybox" is outside the cluster's allowed images (images.allow: none)`,
    );
  });

  it('requires a sha256 digest of 64 hex digits when requireDigest is set', () => {
    expect(imageRefusal(`gantry/busybox@${DIGEST}`, { requireDigest: true })).toBeUndefined();
    expect(imageRefusal(`gantry/busybox:1@${DIGEST}`, { requireDigest: true })).toBeUndefined();
    expect(imageRefusal('gantry/busybox:1', { requireDigest: true })).toBe(
      '"gantry/busybox:1" is not pinned by digest: the cluster requires images.requireDigest (name@sha256:<64 hex>)',
    );
    expect(imageRefusal(`gantry/busybox@sha256:${'a'.repeat(63)}`, { requireDigest: true })).toBeDefined();
  });

  it('refuses a reference Docker would not take, rather than matching it by prefix', () => {
    expect(
      imageRefusal('registry.example.com/team/../evil/app', { allow: ['registry.example.com/team/'] }),
    ).toBe('"registry.example.com/team/../evil/app" is not a valid image reference');
  });

  it("names images in Docker's full form", () => {
    expect(fullImageName('busybox')).toBe('docker.io/library/busybox');
    expect(fullImageName('gantry/busybox')).toBe('docker.io/gantry/busybox');
    expect(fullImageName('localhost/app')).toBe('localhost/app');
    expect(fullImageName('registry:5000/app')).toBe('registry:5000/app');
  });
});

describe('runtime classes and users', () => {
  it('allows runc always and other classes only when the cluster lists them', () => {
    expect(runtimeClassRefusal(undefined, undefined)).toBeUndefined();
    expect(runtimeClassRefusal('runc', undefined)).toBeUndefined();
    expect(runtimeClassRefusal('runsc', ['runsc'])).toBeUndefined();
    expect(runtimeClassRefusal('kata', ['runsc'])).toBe(
      'runtime class "kata" is not allowed by the cluster (runtimeClasses: "runc", "runsc")',
    );
  });

  it.each([
    ['1000', undefined],
    ['1000:1000', undefined],
    ['0', 'user "0" is root (uid 0), refused under runAsNonRoot'],
    ['0:1000', 'user "0:1000" is root (uid 0), refused under runAsNonRoot'],
    [
      'root',
      'user "root" is not a numeric uid[:gid]: under runAsNonRoot only a numeric non-zero uid can be verified',
    ],
  ])('judges user %s under runAsNonRoot', (user, refusal) => {
    expect(rootUserRefusal(user)).toBe(refusal);
  });

  it("takes the task's own setting over the cluster default, and off when neither says", () => {
    expect(effectiveSecurity({}, undefined)).toEqual({ runAsNonRoot: false, readOnlyRootFilesystem: false });
    expect(effectiveSecurity({}, { runAsNonRoot: true })).toEqual({
      runAsNonRoot: true,
      readOnlyRootFilesystem: false,
    });
    expect(effectiveSecurity({ runAsNonRoot: false }, { runAsNonRoot: true }).runAsNonRoot).toBe(false);
  });
});
