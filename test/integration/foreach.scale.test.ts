/**
 * A 1,000-item foreach with maxParallel 50 on the real stack, and what it costs Temporal: the run's own
 * history does not grow with the items (they run in slice child workflows), and no payload in any history
 * of the run grows with them either. The time and figures are written to test/integration/results/.
 */
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { TestCluster } from './harness.js';
import { shTask, startTestCluster } from './harness.js';
import { foreachItems, historyStats } from './data-helpers.js';

const fanout = (items: number) => ({
  name: `fan-${items}`,
  tasks: [
    shTask(
      'list',
      `seq 0 ${items - 1} | tr '\\n' ',' | sed 's/,$//; s/^/[/; s/$/]/' > /gantry/outputs/items`,
      {
        outputs: { parameters: [{ name: 'items' }] },
      },
    ),
    shTask('each', 'echo $((V + 1)) > /gantry/outputs/next', {
      dependsOn: ['list'],
      foreach: '{{ tasks.list.outputs.items }}',
      maxParallel: 50,
      env: { V: '{{ item }}' },
      resources: { cpu: 0.05, memoryMiB: 16 },
      outputs: { parameters: [{ name: 'next' }] },
    }),
    shTask('count', 'echo "$ALL" | tr -cd , | wc -c > /gantry/outputs/commas', {
      dependsOn: ['each'],
      env: { ALL: '{{ tasks.each.outputs.next }}' },
      outputs: { parameters: [{ name: 'commas' }] },
    }),
  ],
});

describe('a large foreach', () => {
  let cluster: TestCluster;
  beforeAll(async () => {
    cluster = await startTestCluster('fan', [{ id: 'n1', cpu: 4, memoryMiB: 4096 }]);
  });
  afterAll(() => cluster.stop());

  it('runs 1,000 items 50 at a time with bounded history and payloads', { timeout: 900_000 }, async () => {
    const small = await cluster.run(fanout(20));
    expect(small.status).toBe('succeeded');
    const started = Date.now();
    const large = await cluster.run(fanout(1000));
    const seconds = (Date.now() - started) / 1000;
    expect(large.status).toBe('succeeded');
    expect(large.tasks['each']).toMatchObject({ foreach: { total: 1000, succeeded: 1000 } });
    expect(large.tasks['count']!.outputs!['commas']).toEqual({ kind: 'inline', value: '999' });
    const items = await foreachItems(cluster, large.tasks['each']!);
    expect(items).toHaveLength(1000);
    expect(items.every((item, i) => item.index === i && item.status === 'succeeded')).toBe(true);

    const smallStats = await historyStats(cluster.client, small.workflowId);
    const largeStats = await historyStats(cluster.client, large.workflowId);
    // 50x the items: the run's history grows by the slices' child-workflow events only (10 slices vs 1).
    expect(largeStats.run.events).toBeLessThan(smallStats.run.events + 10 * 12);
    // The largest payload anywhere (run or slice histories) is bounded by a slice, not by the item count.
    expect(largeStats.maxPayloadBytes).toBeLessThan(64 * 1024);
    expect(largeStats.slices.maxEvents).toBeLessThan(3_000);

    const figures = {
      items: 1000,
      maxParallel: 50,
      seconds,
      runEvents: largeStats.run.events,
      sliceWorkflows: largeStats.slices.count,
      sliceEventsTotal: largeStats.slices.events,
      eventsPerItem: (largeStats.run.events + largeStats.slices.events) / 1000,
      maxPayloadBytes: largeStats.maxPayloadBytes,
      small: { items: 20, runEvents: smallStats.run.events, maxPayloadBytes: smallStats.maxPayloadBytes },
    };
    const dir = path.join(import.meta.dirname, 'results');
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, 'foreach-1000.json'), `${JSON.stringify(figures, null, 2)}\n`);
    console.log(`foreach-1000: ${JSON.stringify(figures)}`);
  });
});
