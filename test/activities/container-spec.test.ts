import { describe, expect, it } from 'vitest';
import { type ContainerSpec, toCreateOptions } from '../../activities/container-spec.js';

function makeSpec(overrides: Partial<ContainerSpec> = {}): ContainerSpec {
  return {
    name: 'gantry-r-train-1',
    image: 'gantry/busybox',
    env: { A: '1' },
    labels: { 'gantry.task': 'train' },
    cpu: 1.5,
    memoryMiB: 256,
    pidsLimit: 64,
    nofileLimit: 1024,
    network: 'none',
    volumes: [],
    binds: [],
    logLimitBytes: 1024 * 1024,
    ...overrides,
  };
}

describe('toCreateOptions', () => {
  it('hands the assigned GPUs to the container by id through the nvidia driver', () => {
    expect(toCreateOptions(makeSpec({ gpus: ['0', 'GPU-3f2a'] })).HostConfig?.DeviceRequests).toEqual([
      { Driver: 'nvidia', DeviceIDs: ['0', 'GPU-3f2a'], Capabilities: [['gpu']] },
    ]);
  });

  it('asks for no devices when the task has no GPUs', () => {
    expect(toCreateOptions(makeSpec()).HostConfig).not.toHaveProperty('DeviceRequests');
    expect(toCreateOptions(makeSpec({ gpus: [] })).HostConfig).not.toHaveProperty('DeviceRequests');
  });

  it('limits and hardens every container', () => {
    expect(toCreateOptions(makeSpec()).HostConfig).toMatchObject({
      NanoCpus: 1.5e9,
      Memory: 256 * 1024 * 1024,
      MemorySwap: 256 * 1024 * 1024,
      PidsLimit: 64,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges:true'],
      Privileged: false,
      NetworkMode: 'none',
    });
  });
});
