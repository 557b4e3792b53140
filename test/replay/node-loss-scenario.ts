/**
 * The replay scenario of node loss (gantry-cluster-node-health, gantry-preemption-kept): heartbeats from
 * both nodes, node n2's worker and container killed mid-task, n2 taken for lost and its task preempted
 * (`lostNode`) and placed on n1, then n2 back and cleared (test/integration/lose-node.ts plays it).
 */
import assert from 'node:assert/strict';
import { runWorkflowId } from '../../common/names.js';
import { ensureNodeEngines, loseNodeMidTask, nodeEngines } from '../integration/lose-node.js';
import { nodeProcess } from '../integration/node-process.js';
import type { Scenario } from './scenarios.js';

const nodes = nodeEngines();

export const nodeLossScenario: Scenario = {
  name: 'node-loss',
  covers:
    'node health: n2 silent for nodeLostAfterSeconds (6), its task preempted (lostNode) and run again on n1 as a platform retry, n2 cleared when it comes back',
  nodes,
  options: { externalNodes: ['n2'], nodeLostAfterSeconds: 6 },
  async drive(cluster) {
    await ensureNodeEngines();
    const worker = nodeProcess(cluster, 'n2');
    await worker.start();
    try {
      const loss = await loseNodeMidTask(cluster, nodes[1]!, worker);
      assert.equal(loss.state.status, 'succeeded');
      assert.equal(loss.state.tasks[loss.taskId]?.node, 'n1');
      assert.equal(loss.leftAfterReturn, 0);
      return [runWorkflowId(loss.state.runId)];
    } finally {
      await worker.stop('SIGTERM');
    }
  },
};
