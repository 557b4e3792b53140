/** A container activity input with small defaults, for the activity's unit tests. */
import type { RunContainerInput } from '../../activities/types.js';

export function taskInput(overrides: Partial<RunContainerInput> = {}): RunContainerInput {
  return {
    runId: 'p-1',
    pipeline: 'p',
    taskId: 'train',
    nodeId: 'n1',
    image: 'gantry/busybox',
    pullPolicy: 'IfNotPresent',
    command: ['sh', '-c', 'true'],
    env: { KEY: 'value' },
    cpu: 0.5,
    memoryMiB: 64,
    pidsLimit: 128,
    nofileLimit: 1024,
    network: 'none',
    mounts: [],
    timeoutSeconds: 60,
    nonRetryableExitCodes: [2],
    ...overrides,
  };
}
