/**
 * Placement batches on the real stack, on simulated nodes: a wide fan-out asks for its placements, gets
 * its decisions and gives them back in a handful of signals rather than one per task, and a cluster
 * service under traffic that never pauses still continues as new.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { clusterWorkflowId } from '../../common/names.js';
import { clusterSnapshot, waitForRun } from '../../engine/runs.js';
import type { PipelineInput } from '../../pipeline/schema.js';
import { historyCensus } from './history-census.js';
import { type TestCluster, shTask, startTestCluster, waitFor } from './harness.js';

const WIDTH = 300;

const fanOut = (name: string, width: number): PipelineInput => ({
  name,
  tasks: [
    // Retried (an activity retry is not a new placement), so that a loaded machine's platform fault
    // (issue #11) cannot fail a test of the placement protocol.
    shTask('root', 'true', { resources: { cpu: 0.1, memoryMiB: 64 }, retry: { maxAttempts: 3 } }),
    ...Array.from({ length: width }, (_, i) =>
      shTask(`leaf-${i}`, 'true', {
        resources: { cpu: 0.1, memoryMiB: 64 },
        dependsOn: ['root'],
        retry: { maxAttempts: 3 },
      }),
    ),
  ],
});

const simulatedNodes = [
  { id: 's1', cpu: 64, memoryMiB: 65_536, runtime: 'simulated' as const },
  { id: 's2', cpu: 64, memoryMiB: 65_536, runtime: 'simulated' as const },
];

describe('placement batches', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('batches', simulatedNodes);
  });
  afterAll(() => cluster?.stop());

  it(`places a ${WIDTH}-task fan-out with far fewer signals than tasks`, async () => {
    // Every leaf in flight at once, so the leaves become ready, and ask, in one activation.
    const state = await cluster.run(fanOut('batched-fan-out', WIDTH), { maxInFlight: WIDTH + 1 });
    expect(state.status).toBe('succeeded');
    const statuses = Object.values(state.tasks).map((t) => t.status);
    expect(statuses).toHaveLength(WIDTH + 1);
    expect(statuses.filter((s) => s !== 'succeeded')).toEqual([]);

    const run = await historyCensus(cluster.client, state.workflowId);
    // The root asks alone; once it ends, its release and the 300 leaves' requests go in one signal, each
    // ask answered in one batch: the nodes hold every leaf at once. Then releases, as the completions come.
    const changes = run.sent['placementChanges'] ?? 0;
    for (const older of ['requestPlacement', 'requestPlacements', 'releasePlacement', 'releasePlacements'])
      expect(run.sent[older] ?? 0, older).toBe(0);
    expect(run.received['placementsDecided']).toBe(2);
    expect(run.received['placementDecided'] ?? 0).toBe(0);
    // Many completions to an activation, one signal for each activation: never one per task.
    expect(changes).toBeGreaterThanOrEqual(3);
    expect(changes).toBeLessThanOrEqual(WIDTH + 1);

    await waitFor('the service to hold nothing of the run', async () => {
      const snapshot = await clusterSnapshot(cluster.client, cluster.name);
      return snapshot?.nodes.every((n) => n.allocations.length === 0) ? true : undefined;
    });
    const service = await historyCensus(cluster.client, clusterWorkflowId(cluster.name));
    expect(service.received['placementChanges']).toBe(changes);
    expect(service.sent['placementsDecided']).toBe(run.received['placementsDecided']);
    console.log(
      `${WIDTH + 1} tasks: run ${run.events} events (${(run.events / (WIDTH + 1)).toFixed(2)} per task), ` +
        `service ${service.events}; signals run → service ${JSON.stringify(run.sent)}, service → run ${JSON.stringify(service.sent)}`,
    );
  }, 300_000);
});

describe('a batched cluster service under steady traffic', () => {
  const LANES = 3;
  const ROUNDS = 4;
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('batches-steady', simulatedNodes, { clusterMaxHistoryEvents: 150 });
  });
  afterAll(() => cluster?.stop());

  it('still continues as new, losing no request', async () => {
    // Each lane starts its next run as soon as the last ends, so requests never stop arriving.
    const lane = async (l: number) => {
      for (let round = 0; round < ROUNDS; round++) {
        const state = await cluster.run(fanOut(`steady-${l}-${round}`, 40));
        // On a mismatch the message says which tasks failed and why (a loaded CI run once failed here).
        const failed = Object.entries(state.tasks).filter(([, t]) => t.status !== 'succeeded');
        expect(state.status, `lane ${l} round ${round}: ${JSON.stringify(failed)}`).toBe('succeeded');
      }
    };
    await Promise.all(Array.from({ length: LANES }, (_, l) => lane(l)));
    const service = await historyCensus(cluster.client, clusterWorkflowId(cluster.name));
    console.log(`steady traffic: ${service.executions} service executions, ${service.events} events`);
    // 12 runs of 41 tasks ask in about 24 signals and release in a few dozen more: past 150 events often.
    expect(service.executions).toBeGreaterThanOrEqual(3);
    expect(service.received['placementChanges']).toBeGreaterThanOrEqual(LANES * ROUNDS * 2);
    const snapshot = await clusterSnapshot(cluster.client, cluster.name);
    // Every task placed at least once (none lost). The count can run over: a request placed by the service
    // and handed a reservation by its run at the same time was seen counted twice under load (noted on #10).
    console.log(`steady traffic: ${snapshot?.placements} placements for ${LANES * ROUNDS * 41} tasks`);
    expect(snapshot?.placements).toBeGreaterThanOrEqual(LANES * ROUNDS * 41);
    // And the room the service placed for such a request is freed, with everything else. On a timeout the
    // message names what is still held (a leaked allocation would say which task and run).
    let held = '';
    await waitFor(
      'the service to hold nothing',
      async () => {
        const after = await clusterSnapshot(cluster.client, cluster.name);
        const left = [
          ...(after?.nodes.flatMap((n) => n.allocations) ?? []),
          ...(after?.pending.map((p) => p.key) ?? []),
        ];
        held = left.join(', ');
        return left.length === 0 ? true : undefined;
      },
      60_000,
    ).catch((err: unknown) => {
      throw new Error(`${String(err)}; still held: ${held}`);
    });
  }, 600_000);
});

describe('hand-offs under contention', () => {
  // Room for 8 tasks of cpu 0.25 on one simulated node.
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('handoff-fair', [
      { id: 's1', cpu: 2, memoryMiB: 4_096, runtime: 'simulated' as const },
    ]);
  });
  afterAll(() => cluster?.stop());

  const oneSecondTasks = (name: string, count: number): PipelineInput => ({
    name,
    tasks: Array.from({ length: count }, (_, i) =>
      shTask(`t${i}`, 'true', { resources: { cpu: 0.25, memoryMiB: 64 }, expectedDurationSeconds: 1 }),
    ),
  });

  it('lets a second run in although the first keeps passing its reservations on', async () => {
    // The long run fills the node, 8 in flight, and would, alone, hand each reservation to its next task
    // for ~25 s. The service serves requests in the order they came: the short run's come before the long
    // run's later ones, so the long run must give its room back rather than pass it on.
    const long = await cluster.start(oneSecondTasks('handoff-long', 200), { maxInFlight: 8 });
    await waitFor('the long run to fill the node', async () => {
      const snapshot = await clusterSnapshot(cluster.client, cluster.name);
      return (snapshot?.nodes[0]?.allocations.length ?? 0) >= 8 ? true : undefined;
    });
    const short = await cluster.run(oneSecondTasks('handoff-short', 8));
    expect(short.status).toBe('succeeded');
    const longState = await waitForRun(long.handle);
    expect(longState.status).toBe('succeeded');
    // Told that another run waits, the long run gives its room back and the service shares it out: the
    // short run ends long before the long one (without that, it would wait for the long run's last tasks).
    const margin = (longState.finishedAt ?? 0) - (short.finishedAt ?? 0);
    console.log(`short run ended ${(margin / 1000).toFixed(1)} s before the long one`);
    expect(margin).toBeGreaterThan(8_000);
    const census = await historyCensus(cluster.client, clusterWorkflowId(cluster.name));
    expect(census.handOffsReceived).toBeGreaterThan(100);
    expect(census.sent['placementContention'] ?? 0).toBeGreaterThan(0);
  }, 300_000);
});
