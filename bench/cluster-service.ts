/**
 * The cluster service's ceiling: one service on simulated nodes (no Docker, 0-second tasks, room for every
 * task at once), so what bounds the placements is the placement protocol itself. K runs, each a wide
 * fan-out (one root, then `width` leaves), start together; the bench reports the placements per second,
 * the service's own work per placement, and the history events per task, of the runs and of the service.
 *
 *   npm run bench:cluster [-- --runs 4 --width 150 --label batched --timeout 600]
 *
 * `--label` names the protocol the current code speaks. The JSON keeps every label's latest measurement,
 * so the single-signal protocol measured before the batches came (`single`) stays side by side with the
 * batched one; the table shows each with its date and commit.
 */
import { execFileSync } from 'node:child_process';
import { mkdir, readFile, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { clusterWorkflowId } from '../common/names.js';
import { ensureWorkflowBundle } from '../engine/bundle.js';
import { loadConfig } from '../engine/config.js';
import { waitForRun } from '../engine/runs.js';
import type { PipelineInput } from '../pipeline/schema.js';
import type { RunState } from '../workflows/definitions.js';
import { shTask, startTestCluster } from '../test/integration/harness.js';
import { type Measurement, measureRuns } from './lib/cluster-measure.js';

const RESULTS = path.resolve(import.meta.dirname, 'results');
const NODES = 4;

function fanOut(name: string, width: number): PipelineInput {
  const task = (id: string, dependsOn: string[] = []) =>
    shTask(id, 'true', { resources: { cpu: 0.1, memoryMiB: 64 }, dependsOn });
  return {
    name,
    tasks: [task('root'), ...Array.from({ length: width }, (_, i) => task(`leaf-${i}`, ['root']))],
  };
}

async function measure(
  label: string,
  runs: number,
  width: number,
  timeoutSeconds: number,
): Promise<Measurement> {
  const bundlePath = await ensureWorkflowBundle(path.join(loadConfig().home, 'bundles'));
  // Room for every leaf at once: capacity never holds a task back, only the protocol does.
  const cluster = await startTestCluster(
    'bench-cluster',
    Array.from({ length: NODES }, (_, i) => ({
      id: `s${i + 1}`,
      cpu: 64,
      memoryMiB: 131_072,
      runtime: 'simulated' as const,
    })),
    { bundlePath },
  );
  try {
    const began = Date.now();
    const started = await Promise.all(
      Array.from({ length: runs }, (_, i) => cluster.start(fanOut(`bench-cluster-${i}`, width))),
    );
    // A bench that hangs (a broken run, a stuck service) must still stop its cluster and its runs.
    let timer: NodeJS.Timeout | undefined;
    const states: RunState[] = await Promise.race([
      Promise.all(started.map((s) => waitForRun(s.handle))),
      new Promise<never>((_, reject) => {
        timer = setTimeout(
          () => reject(new Error(`runs not done after ${timeoutSeconds} s`)),
          timeoutSeconds * 1000,
        );
      }),
    ]).finally(() => clearTimeout(timer));
    const makespanSeconds = (Date.now() - began) / 1000;
    for (const s of states)
      if (s.status !== 'succeeded') throw new Error(`run ${s.runId} ended ${s.status}, expected succeeded`);
    return await measureRuns(cluster.client, {
      label,
      commit: execFileSync('git', ['rev-parse', '--short=12', 'HEAD'], { encoding: 'utf8' }).trim(),
      width,
      makespanSeconds,
      states,
      runWorkflowIds: started.map((s) => s.workflowId),
      serviceWorkflowId: clusterWorkflowId(cluster.name),
    });
  } finally {
    await cluster.stop();
  }
}

const signals = (c: Readonly<Record<string, number>>) =>
  Object.entries(c)
    .sort(([a], [b]) => a.localeCompare(b))
    .map(([k, v]) => `${k} ${v}`)
    .join(', ');

function report(all: readonly Measurement[]): string {
  const row = (name: string, f: (m: Measurement) => string) => `| ${name} | ${all.map(f).join(' | ')} |`;
  const single = all.find((m) => m.label === 'single');
  const batched = all.find((m) => m.label === 'batched');
  const times = (f: (m: Measurement) => number, a: Measurement, b: Measurement) => (f(a) / f(b)).toFixed(1);
  const ratio =
    single && batched
      ? [
          '',
          `Batched vs single: ${times((m) => m.placementsPerServiceSecond, batched, single)}× the placements per second of service work, ` +
            `${times((m) => m.placementsPerSecond, batched, single)}× the placements per second, ` +
            `${times((m) => m.makespanSeconds, single, batched)}× shorter makespan, ` +
            `${times((m) => m.runEventsPerTask, single, batched)}× fewer run events per task, ` +
            `${times((m) => m.serviceEventsPerTask, single, batched)}× fewer service events per task.`,
        ]
      : [];
  return [
    '# Cluster service: placements per second and history per task',
    '',
    `Machine: ${os.cpus()[0]?.model ?? '?'} (${os.cpus().length} cpus), Node ${process.version}  `,
    'Reproduce: `npm run bench:cluster -- --label batched` (the `single` column is the same script run before the batches, at its commit)',
    '',
    `| Measure | ${all.map((m) => m.label).join(' | ')} |`,
    `|---|${all.map(() => '---').join('|')}|`,
    row('Date, commit', (m) => `${m.date.slice(0, 16)}Z, ${m.commit}`),
    row('Runs × leaves (tasks)', (m) => `${m.runs} × ${m.width} (${m.tasks})`),
    row('Makespan, all runs (s)', (m) => m.makespanSeconds.toFixed(1)),
    row('Placements/s, first ready → last placed', (m) => m.placementsPerSecond.toFixed(1)),
    row('Ready → placed p50 / p99 (ms)', (m) => `${m.readyToPlacedMs.p50} / ${m.readyToPlacedMs.p99}`),
    row('Service workflow-task time (s)', (m) => m.serviceBusySeconds.toFixed(1)),
    row('**Placements per second of service work**', (m) => `**${m.placementsPerServiceSecond.toFixed(0)}**`),
    row('**Run history events per task**', (m) => `**${m.runEventsPerTask.toFixed(2)}**`),
    row('Service history events per task', (m) => m.serviceEventsPerTask.toFixed(2)),
    row('Service executions (continue-as-new)', (m) => String(m.serviceExecutions)),
    row('Signals the runs sent', (m) => signals(m.runCensus.sent)),
    row('Signals the service sent', (m) => signals(m.serviceCensus.sent)),
    ...ratio,
    '',
    `- ${NODES} simulated nodes of 64 cpus (\`runtime: simulated\`: no container, each task completes after its expectedDurationSeconds, here 0), cpu 0.1 per task: every leaf fits at once, so only the placement protocol holds tasks back.`,
    '- One private cluster (its cluster service, control worker and node workers in the bench process) on the real Temporal server; the runs start together. The machine is shared: compare columns by their ratios and mind the load, which the absolute times follow.',
    "- Placements/s: all tasks over the span from the first `readyAt` to the last `startedAt` (workflow time the placement reached the run). Service work: the sum of its workflow tasks' started → completed times, so placements per second of it is what the service alone could sustain here.",
    '- Events per task: every history event of every execution (continue-as-new chains followed), over the tasks of all runs (roots included).',
    '',
  ].join('\n');
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      runs: { type: 'string', default: '4' },
      width: { type: 'string', default: '150' },
      label: { type: 'string', default: 'batched' },
      timeout: { type: 'string', default: '600' },
    },
  });
  const measured = await measure(
    values.label,
    Number(values.runs),
    Number(values.width),
    Number(values.timeout),
  );
  await mkdir(RESULTS, { recursive: true });
  const jsonFile = path.join(RESULTS, 'cluster-service.json');
  const previous = await readFile(jsonFile, 'utf8').then(
    (s) => (JSON.parse(s) as { measurements: Measurement[] }).measurements,
    () => [] as Measurement[],
  );
  const order = (m: Measurement) => (m.label === 'single' ? 0 : m.label === 'batched' ? 1 : 2);
  const all = [...previous.filter((m) => m.label !== measured.label), measured].sort(
    (a, b) => order(a) - order(b) || a.label.localeCompare(b.label),
  );
  await writeFile(jsonFile, `${JSON.stringify({ measurements: all }, null, 2)}\n`);
  await writeFile(path.join(RESULTS, 'cluster-service.md'), report(all));
  console.log(report(all));
}

await main();
