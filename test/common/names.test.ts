import { describe, expect, it } from 'vitest';
import { containerName, newRunId, nodeTaskQueue, runWorkflowId } from '../../common/names.js';

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

  it('gives every node of every cluster its own task queue', () => {
    expect(nodeTaskQueue('default', 'local')).toBe('gantry-default-node-local');
    expect(nodeTaskQueue('gpu', 'local')).not.toBe(nodeTaskQueue('default', 'local'));
  });
});
