/**
 * `npm run bench:engine` part 3 (issue #10): the engine at scale on simulated nodes, through the real CLI
 * as a user runs it (`gantry worker --cluster-file` and `gantry run FILE` as subprocesses, each with its
 * peak RSS sampled), next to Temporal's own ceiling on the same server (a bare workflow of no-op activities
 * with the same in-flight bound, bench/workflows/bare-activities.ts). Scenarios: a wide fan-out of N
 * independent tasks, a deep chain of N/width layers of `width` tasks (each needs two of the layer before),
 * and one foreach over `--foreach-items` literal items. A scenario past `--limit-min` is cancelled and
 * recorded as not finished, with how far it got; a failure is recorded with its error. Needs the stack up.
 * Writes bench/results/engine-scale.{md,json}.
 *
 * Usage: tsx bench/engine-scale.ts [--sizes 10000,100000] [--scenarios fanout,chain,foreach]
 *          [--foreach-items 25000] [--limit-min 20] [--concurrency 200] [--chain-width 100] [--no-bare]
 *          [--keep]   (keep the earlier file's rows for scenarios and ceilings not measured again)
 */
import { DefaultLogger, Runtime } from '@temporalio/worker';
import { loadavg } from 'node:os';
import path from 'node:path';
import { ensureWorkflowBundle } from '../engine/bundle.js';
import { loadConfig } from '../engine/config.js';
import { connectClient } from '../engine/connection.js';
import { startBareCeiling } from './lib/bare-ceiling.js';
import { runScenario } from './lib/cli-scenario.js';
import { type Scenario, scenarioTasks } from './lib/scale-pipelines.js';
import { type ScaleArgs, ScaleArgsError, parseScaleArgs } from './lib/scale-args.js';
import {
  type BareRow,
  type DatedScenario,
  keptResults,
  outcomeText,
  rateText,
  writeScaleReport,
} from './lib/scale-report.js';

/** The continue-as-new point Gantry's own workflows use (workflows/run/history-budget.ts). */
const BARE_MAX_EVENTS = 10_000;

const log = (line: string) => console.error(`bench:engine-scale: ${line}`);

async function main(): Promise<void> {
  const args: ScaleArgs = parseScaleArgs(process.argv.slice(2));
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const config = loadConfig();
  const client = await connectClient(config);
  // Built here once, so no worker's peak RSS includes bundling the workflows (a user's first start would).
  await ensureWorkflowBundle(path.join(config.home, 'bundles'));
  const plan: { scenario: Scenario; size: number }[] = [
    ...args.sizes.flatMap((size) =>
      args.scenarios.filter((s) => s !== 'foreach').map((scenario) => ({ scenario, size })),
    ),
    ...(args.scenarios.includes('foreach')
      ? [{ scenario: 'foreach' as const, size: args.foreachItems }]
      : []),
  ];
  log(
    `plan: ${plan.map((p) => `${p.scenario} ${p.size}`).join(', ')}; concurrency ${args.concurrency}; limit ${args.limitMin} min; load ${loadavg()[0]!.toFixed(1)}`,
  );
  const bare = args.isBareSkipped
    ? undefined
    : await startBareCeiling({
        address: config.temporalAddress,
        namespace: config.namespace,
        concurrency: args.concurrency,
        maxEvents: BARE_MAX_EVENTS,
      });
  const kept = args.isKept
    ? keptResults(
        path.join(import.meta.dirname, 'results/engine-scale.json'),
        plan.map((p) => ({
          scenario: p.scenario,
          tasks: scenarioTasks(p.scenario, p.size, args.chainWidth),
        })),
      )
    : { scenarios: [], bare: [] };
  const bareRows = new Map<number, BareRow>(kept.bare.map((b) => [b.tasks, b]));
  const results: DatedScenario[] = [...kept.scenarios];
  try {
    for (const { scenario, size } of plan) {
      const tasks = scenarioTasks(scenario, size, args.chainWidth);
      // The ceiling for this N right before Gantry's run of it: side by side, under the same load.
      if (bare && !bareRows.has(tasks)) {
        log(`bare activities ${tasks}`);
        const row: BareRow = {
          ...(await bare.run(tasks, args.limitMin * 60_000).then(
            (run) => ({ tasks, run, error: undefined }),
            (err: unknown) => ({ tasks, run: undefined, error: String(err) }),
          )),
          measuredAt: new Date().toISOString(),
        };
        bareRows.set(tasks, row);
        log(
          row.run
            ? `bare ${tasks}: ${row.run.activities} activities, ${row.run.activitiesPerSecond.toFixed(1)}/s${row.run.isTimedOut ? ' (time limit)' : ''}`
            : `bare ${tasks}: ${row.error}`,
        );
      }
      log(`${scenario} ${size}`);
      const result = await runScenario({ client, scenario, size, ...args, log });
      results.push({ ...result, measuredAt: new Date().toISOString() });
      // Written after every scenario, so a long bench stopped part-way keeps what it measured.
      writeScaleReport(args, results, bareRows);
      log(`${scenario} ${size}: ${outcomeText(result)}; ${rateText(result)}`);
    }
  } finally {
    await bare?.stop();
    await client.connection.close();
  }
  console.log(writeScaleReport(args, results, bareRows));
}

main().catch((err: unknown) => {
  if (err instanceof ScaleArgsError) {
    console.error(`bench:engine-scale: ${err.message}`);
    process.exit(2);
  }
  console.error(err);
  process.exit(1);
});
