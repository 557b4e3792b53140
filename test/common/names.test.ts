import { describe, expect, it } from 'vitest';
import {
  containerName,
  newRunId,
  nodeTaskQueue,
  runIdFromWorkflowId,
  runWorkflowId,
  scheduleActionWorkflowId,
  triggerRegistryWorkflowId,
  workspaceVolumeName,
} from '../../common/names.js';

describe('names', () => {
  it('builds a run id from the pipeline name, the UTC time and the entropy', () => {
    expect(newRunId('ml-pipeline', new Date('2026-11-22T03:04:05.678Z'), 'A1B2c3d4')).toBe(
      'ml-pipeline-20261122-030405-a1b2c3',
    );
  });

  it('keeps the pipeline name in the workflow id so runs are findable in the Web UI', () => {
    expect(runWorkflowId('diamond-20261122-030405-a1b2c3')).toBe('gantry-run-diamond-20261122-030405-a1b2c3');
  });

  it('names containers after run, task and attempt so a retried activity finds its own', () => {
    expect(containerName('r1', 'train', 3)).toBe('gantry-r1-train-3');
  });

  it('gives each control queue its own trigger registry, the default queue the short id', () => {
    expect(triggerRegistryWorkflowId('gantry-control')).toBe('gantry-triggers');
    expect(triggerRegistryWorkflowId('gantry-test-x1')).toBe('gantry-triggers-gantry-test-x1');
  });

  it('gives every node of every cluster its own task queue', () => {
    expect(nodeTaskQueue('default', 'local')).toBe('gantry-default-node-local');
    expect(nodeTaskQueue('gpu', 'local')).not.toBe(nodeTaskQueue('default', 'local'));
  });

  it("takes a scheduled firing's run id from the workflow id Temporal gave it", () => {
    const fired = `${scheduleActionWorkflowId('nightly')}-2026-12-01T03:00:00Z`;
    expect(runIdFromWorkflowId(fired)).toBe('nightly-2026-12-01T03:00:00Z');
    expect(runIdFromWorkflowId(runWorkflowId('a-20261122-030405-a1b2c3'))).toBe('a-20261122-030405-a1b2c3');
  });

  it('gives a scheduled run valid, distinct Docker names although its id holds ":"', () => {
    const volume = workspaceVolumeName('nightly-2026-12-01T03:00:00Z');
    expect(volume).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
    expect(volume).not.toBe(workspaceVolumeName('nightly-2026-12-01T03:00:01Z'));
    expect(containerName('nightly-2026-12-01T03:00:00Z', 't', 1)).toMatch(/^[a-zA-Z0-9][a-zA-Z0-9_.-]+$/);
    // Ids of runs started by hand keep the volume name they always had.
    expect(workspaceVolumeName('a-20261122-030405-a1b2c3')).toBe('gantry-ws-a-20261122-030405-a1b2c3');
  });
});
