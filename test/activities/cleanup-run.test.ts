/** The run's clean-up on a node: everything of the run, or only a slice's own tasks' containers. */
import { describe, expect, it } from 'vitest';
import { createFsArtifactStore } from '../../activities/fs-artifact-store.js';
import { createActivities } from '../../activities/index.js';
import { FakeRuntime } from './fake-runtime.js';

const container = (id: string, task: string) => ({
  id,
  name: id,
  isRunning: true,
  status: 'running',
  exitCode: 0,
  isOomKilled: false,
  labels: { 'gantry.run': 'r1', 'gantry.task': task },
});

describe('cleanupRun', () => {
  const setUp = () => {
    const runtime = new FakeRuntime();
    runtime.leftovers = [container('a', 'prep'), container('b', 'train[3]'), container('c', 'other')];
    const activities = createActivities({
      runtime,
      store: createFsArtifactStore('/nonexistent'),
      nodeId: 'n1',
      logDir: '/nonexistent',
    });
    return { runtime, activities };
  };

  it("removes a slice's own tasks' containers (foreach items too), and leaves a sibling slice's", async () => {
    const { runtime, activities } = setUp();
    const result = await activities.cleanupRun({
      runId: 'r1',
      isWorkspaceRemoved: false,
      taskIds: ['prep', 'train'],
    });
    expect(result).toEqual({ removedContainers: 2 });
    expect(runtime.calls).toEqual(['remove a', 'remove b']);
  });

  it("removes all of the run's containers and its workspace at the run's end", async () => {
    const { runtime, activities } = setUp();
    expect(await activities.cleanupRun({ runId: 'r1', isWorkspaceRemoved: true })).toEqual({
      removedContainers: 3,
    });
    expect(runtime.calls).toEqual(['remove a', 'remove b', 'remove c', 'remove volume gantry-ws-r1']);
  });
});
