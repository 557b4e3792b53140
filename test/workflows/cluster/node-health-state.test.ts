/**
 * Node health in the cluster service's pure parts (workflows/cluster/state.ts, common/node-heartbeat.ts) and
 * in `gantry cluster show`: what a snapshot says of a node, which nodes one scheduling iteration is given,
 * and how heartbeats are paced. The service's timers and signals are covered on the real server
 * (test/integration/node-loss.test.ts) and by the `node-loss` replay scenario.
 */
import { describe, expect, it } from 'vitest';
import { formatNodeHealth } from '../../../cli/commands/inspect.js';
import { ClusterSpecSchema } from '../../../common/cluster-spec.js';
import { DEFAULT_NODE_LOST_SECONDS, heartbeatIntervalMs } from '../../../common/node-heartbeat.js';
import type { NodeHealthEntry } from '../../../workflows/cluster/node-health.js';
import { type PendingRequest, scheduleInputOf, snapshotOf } from '../../../workflows/cluster/state.js';
import { specFromSnapshot } from '../../../engine/runs.js';

const spec = ClusterSpecSchema.parse({
  name: 'c',
  nodeLostAfterSeconds: 12,
  nodes: ['n1', 'n2'].map((id) => ({ id, capacity: { cpu: 2, memoryMiB: 1024 } })),
});
const pending: PendingRequest = {
  key: 'run/a',
  runWorkflowId: 'run',
  taskId: 'a',
  request: { cpu: 1, memoryMiB: 64 },
  constraints: [],
  tier: 'flex',
  enqueuedAt: 0,
};

const snapshotWith = (health: Map<string, NodeHealthEntry>) =>
  snapshotOf({
    spec,
    allocations: [],
    pending: [],
    reasons: new Map(),
    placements: 0,
    scaling: undefined,
    health,
  });

describe('node health in the cluster service', () => {
  it('shows a watched node with its state and last heartbeat, and an unwatched one as before', () => {
    const snapshot = snapshotWith(new Map([['n2', { state: 'lost', lastSeen: 1_000 }]]));
    expect(snapshot.nodes.map((n) => [n.id, n.health, n.lastHeartbeatAt])).toEqual([
      ['n1', undefined, undefined],
      ['n2', 'lost', 1_000],
    ]);
    expect('health' in snapshot.nodes[0]!).toBe(false);
    // Workers that read the inventory from the service pace their heartbeats by the cluster's timeout.
    expect(snapshot.nodeLostAfterSeconds).toBe(12);
    expect(specFromSnapshot(snapshot).nodeLostAfterSeconds).toBe(12);
  });

  it('gives the scheduler only the nodes that take placements', () => {
    const input = (unavailable?: ReadonlySet<string>) =>
      scheduleInputOf({
        spec,
        allocations: [],
        pending: [pending],
        evicting: new Map(),
        idleSince: new Map(),
        now: 0,
        ...(unavailable ? { unavailable } : {}),
      });
    expect(input().nodes.map((n) => n.id)).toEqual(['n1', 'n2']);
    expect(input(new Set(['n2'])).nodes.map((n) => n.id)).toEqual(['n1']);
    expect(input(new Set(['n1', 'n2'])).nodes).toEqual([]);
  });

  it('paces heartbeats at a fifth of the loss timeout, between 1 and 10 s', () => {
    expect(heartbeatIntervalMs(DEFAULT_NODE_LOST_SECONDS)).toBe(6_000);
    expect(heartbeatIntervalMs(3)).toBe(1_000);
    expect(heartbeatIntervalMs(600)).toBe(10_000);
  });

  it('rejects a loss timeout too short to judge, naming the field', () => {
    const result = ClusterSpecSchema.safeParse({ ...spec, nodeLostAfterSeconds: 2 });
    expect(result.success).toBe(false);
    expect(result.error!.issues.map((i) => i.path.join('.'))).toEqual(['nodeLostAfterSeconds']);
  });
});

describe('gantry cluster show', () => {
  const node = snapshotWith(new Map([['n1', { state: 'healthy', lastSeen: 10_000 }]])).nodes;

  it('prints how long ago a watched node was heard from', () => {
    expect(formatNodeHealth(node[0]!, 13_400)).toBe('health: healthy, last heartbeat 3s ago');
  });

  it('says so when no worker sends heartbeats for a node', () => {
    expect(formatNodeHealth(node[1]!, 13_400)).toBe('health: unwatched (no heartbeats)');
  });
});
