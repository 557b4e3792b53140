import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../engine/config.js';
import { InvalidConfigError } from '../../engine/errors.js';

describe('loadConfig', () => {
  it('reads the log cap and retention, with defaults', () => {
    expect(loadConfig({})).toMatchObject({ logLimitBytes: 64 * 1024 * 1024, logRetentionDays: 14 });
    expect(loadConfig({ GANTRY_LOG_LIMIT_MIB: '0.5', GANTRY_LOG_RETENTION_DAYS: '3' })).toMatchObject({
      logLimitBytes: 512 * 1024,
      logRetentionDays: 3,
    });
  });

  it('keeps artifacts under GANTRY_HOME unless GANTRY_ARTIFACT_DIR says otherwise', () => {
    expect(loadConfig({ GANTRY_HOME: '/srv/gantry' }).artifactDir).toBe('/srv/gantry/artifacts');
    expect(loadConfig({ GANTRY_HOME: '/srv/gantry', GANTRY_ARTIFACT_DIR: '/mnt/blobs' }).artifactDir).toBe(
      '/mnt/blobs',
    );
  });

  it('reads the read-only and the writable host-mount allowlists, colon-separated, none by default', () => {
    expect(loadConfig({})).toMatchObject({ hostMountAllowlist: [], hostMountWritableAllowlist: [] });
    expect(
      loadConfig({
        GANTRY_HOST_MOUNT_ALLOWLIST: '/data:/models',
        GANTRY_HOST_MOUNT_WRITABLE_ALLOWLIST: '/scratch',
      }),
    ).toMatchObject({ hostMountAllowlist: ['/data', '/models'], hostMountWritableAllowlist: ['/scratch'] });
  });

  it('names the variable and the value it cannot use', () => {
    expect(() => loadConfig({ GANTRY_LOG_RETENTION_DAYS: '-1' })).toThrow(
      new InvalidConfigError('GANTRY_LOG_RETENTION_DAYS: expected a positive number, got "-1"'),
    );
    expect(() => loadConfig({ GANTRY_LOG_LIMIT_MIB: 'lots' })).toThrow(InvalidConfigError);
  });
});
