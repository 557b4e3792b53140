/** A node of a test cluster served by a real `gantry worker --node ID` process (bench/lib/worker-process.ts). */
import { type WorkerProcess, workerProcess } from '../../bench/lib/worker-process.js';
import type { TestCluster } from './harness.js';

export type NodeProcess = WorkerProcess;

export function nodeProcess(cluster: TestCluster, nodeId: string): NodeProcess {
  return workerProcess(
    {
      GANTRY_CLUSTER: cluster.name,
      GANTRY_CONTROL_TASK_QUEUE: cluster.config.controlTaskQueue,
      GANTRY_LOG_DIR: cluster.config.logDir,
    },
    ['--node', nodeId],
  );
}
