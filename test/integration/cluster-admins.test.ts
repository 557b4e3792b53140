/**
 * Only an admin repoints a node: the real cluster service (its update validator, in the workflow sandbox)
 * refuses an unsigned or foreign-signed change of a node's Docker endpoint once the cluster lists admins.
 */
import { randomBytes } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { publicKeyOf, signChange } from '../../common/cluster-admins.js';
import type { ClusterSpec } from '../../common/cluster-spec.js';
import { ClusterUpdateRejectedError } from '../../engine/errors.js';
import { configureCluster } from '../../engine/runs.js';
import { type TestCluster, startTestCluster } from './harness.js';

describe('cluster admins', () => {
  let cluster: TestCluster;
  const aliceKey = randomBytes(32);
  const malloryKey = randomBytes(32);
  beforeAll(async () => {
    cluster = await startTestCluster('admins', [{ id: 'n1', cpu: 1, memoryMiB: 512 }]);
  });
  afterAll(() => cluster.stop());

  it('takes node changes only signed by an admin, once the cluster has admins', async () => {
    const withAdmins: ClusterSpec = {
      ...cluster.spec,
      admins: [{ id: 'alice', publicKey: publicKeyOf(aliceKey) }],
    };
    // A cluster without admins takes its first admins as any change (as clusters did before).
    await configureCluster(cluster.client, withAdmins);

    const evil: ClusterSpec = {
      ...withAdmins,
      nodes: withAdmins.nodes.map((n) => ({
        ...n,
        docker: { host: 'attacker.example', port: 2375, protocol: 'http' },
      })),
    };
    const rejection = (signature?: Parameters<typeof configureCluster>[2]) =>
      configureCluster(cluster.client, evil, signature).then(
        () => undefined,
        (err: unknown) => err,
      );
    const unsigned = await rejection();
    expect(unsigned).toBeInstanceOf(ClusterUpdateRejectedError);
    expect((unsigned as Error).message).toContain(
      'this change changes node "n1"\'s Docker endpoint: it must be signed by one of the cluster\'s admins (alice)',
    );
    const forged = await rejection(signChange(evil, 'alice', malloryKey, Date.now()));
    expect((forged as Error).message).toContain('the signature is not "alice"\'s over this spec');
    // Removing the admins is a guarded change too.
    await expect(configureCluster(cluster.client, { ...withAdmins, admins: [] })).rejects.toThrow(
      'changes the admins',
    );
    // A change of nothing guarded needs no signature; a signed one goes through.
    await configureCluster(cluster.client, { ...withAdmins, reconcileIntervalSeconds: 30 });
    const moved: ClusterSpec = {
      ...withAdmins,
      nodes: withAdmins.nodes.map((n) => ({ ...n, docker: { socketPath: '/var/run/docker.sock' } })),
    };
    const snapshot = await configureCluster(
      cluster.client,
      moved,
      signChange(moved, 'alice', aliceKey, Date.now()),
    );
    expect(snapshot.admins).toEqual(withAdmins.admins);
  });
});
