/**
 * `npm run --silent pack -- FILE [--optimize-ms N]`: packs the tasks of FILE onto its nodes and prints
 * {"assignments","unplaced","nodesUsed","millis"}. millis covers scheduling only, not parsing.
 * Exit codes: 0 done, 2 bad input or usage.
 * From 5,000 tasks schedule() by default re-packs each node shape by best-fit decreasing without the local
 * search (see LARGE_BATCH_TASKS in scheduler/schedule.ts), so on large batches --optimize-ms bounds little.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { parsePackProblem, toPackAnswer, toScheduleInput } from '../scheduler/pack-problem.js';
import { schedule } from '../scheduler/schedule.js';

// The greedy pass always runs to the end; the improvement phase gets this much wall time by default.
const DEFAULT_OPTIMIZE_MS = 30;
const ITERATION_GUARD_MS = 60_000;

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function main(argv: readonly string[]): void {
  const args = [...argv];
  let budget = DEFAULT_OPTIMIZE_MS;
  const budgetAt = args.indexOf('--optimize-ms');
  if (budgetAt >= 0) {
    budget = Number(args[budgetAt + 1]);
    if (!Number.isFinite(budget) || budget < 0)
      fail(`--optimize-ms: expected a number >= 0, got ${args[budgetAt + 1] ?? 'nothing'}`);
    args.splice(budgetAt, 2);
  }
  const file = args[0];
  if (file === undefined || args.length > 1) fail('usage: npm run --silent pack -- FILE [--optimize-ms N]');
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = parsePackProblem(raw);
  if (!parsed.ok) fail(`${file}: invalid problem\n${parsed.errors.map((e) => `  ${e}`).join('\n')}`);
  const input = toScheduleInput(parsed.problem, {
    clock: () => performance.now(),
    timeBudgetMillis: ITERATION_GUARD_MS,
    optimize: budget === 0 ? false : { budgetMillis: budget },
  });
  const started = performance.now();
  const result = schedule(input);
  const millis = performance.now() - started;
  process.stdout.write(`${JSON.stringify(toPackAnswer(result, millis))}\n`);
}

main(process.argv.slice(2));
