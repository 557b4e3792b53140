import { describe, expect, it } from 'vitest';
import { ClusterSpecSchema } from '../../../common/cluster-spec.js';
import { specFromSnapshot } from '../../../engine/runs.js';
import { snapshotOf } from '../../../workflows/cluster/state.js';

const snapshotFor = (extra: Record<string, unknown>) =>
  snapshotOf({
    spec: ClusterSpecSchema.parse({
      name: 'c',
      nodes: [{ id: 'n1', capacity: { cpu: 2, memoryMiB: 1024 } }],
      ...extra,
    }),
    allocations: [],
    pending: [],
    reasons: new Map(),
    placements: 0,
    scaling: undefined,
  });

describe('the container policy in the cluster snapshot', () => {
  it('reaches clients and node workers through the snapshot, as the spec said it', () => {
    const policy = {
      images: { allow: ['registry.example.com/team/'], requireDigest: true },
      security: { runAsNonRoot: true, readOnlyRootFilesystem: false },
      runtimeClasses: ['runsc'],
    };
    expect(specFromSnapshot(snapshotFor(policy))).toMatchObject(policy);
  });

  it('adds nothing to the snapshot of a cluster without a policy', () => {
    const snapshot = snapshotFor({});
    expect(Object.keys(snapshot)).not.toContain('images');
    expect(Object.keys(specFromSnapshot(snapshot))).not.toContain('security');
  });
});
