/**
 * The replay scenario of off-peak windows: the cluster service's window timers, flex tasks held outside
 * their window and placed when it opens, a window-close preemption (`onWindowClose: preempt`) and a task
 * left to finish past the close (the default). Windows of half a minute at the top of every minute keep
 * the recording under two minutes.
 */
import assert from 'node:assert/strict';
import { waitForRun } from '../../engine/runs.js';
import { shTask } from '../integration/harness.js';
import type { Scenario } from './scenarios.js';

const windows = [{ cron: '* * * * *', timezone: 'UTC', durationMinutes: 0.5 }];

export const offPeakWindowsScenario: Scenario = {
  name: 'off-peak-windows',
  covers:
    'flex tasks of windowed groups: held until a window opens, one preempted at the close and re-queued, one left to finish',
  nodes: [{ id: 'n1', cpu: 1, memoryMiB: 256 }],
  options: {
    scheduling: { groups: { batch: { windows }, nightly: { windows, onWindowClose: 'preempt' } } },
  },
  async drive(cluster) {
    const resources = { cpu: 0.25, memoryMiB: 32 };
    // The first attempt marks the run's workspace and would outlast the window; the next one finds the mark.
    const preempted = await cluster.start({
      name: 'window-preempt',
      tasks: [
        shTask('reindex', 'if [ -f /workspace/mark ]; then exit 0; fi; touch /workspace/mark; sleep 60', {
          resources,
          group: 'nightly',
        }),
      ],
    });
    const finished = await cluster.start({
      name: 'window-finish',
      tasks: [shTask('report', 'sleep 35', { resources, group: 'batch' })],
    });
    const [reindex, report] = await Promise.all([waitForRun(preempted.handle), waitForRun(finished.handle)]);
    assert.equal(reindex.status, 'succeeded', JSON.stringify(reindex.tasks));
    assert.ok((reindex.tasks['reindex']?.preemptions ?? 0) >= 1, JSON.stringify(reindex.tasks));
    assert.match(reindex.tasks['reindex']?.lastPreemption ?? '', /the window of group "nightly" closed/);
    assert.equal(report.status, 'succeeded', JSON.stringify(report.tasks));
    // Longer than a window, so it ran past a close without being preempted.
    assert.equal(report.tasks['report']?.preemptions, undefined);
    return [preempted.workflowId, finished.workflowId];
  },
};
