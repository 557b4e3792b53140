/**
 * `npm run --silent pack -- FILE [--optimize-ms N] [--mode offline|service] [--warmup N] [--warmup-ms T]
 * [--runs M]`: packs the tasks of FILE onto its nodes and prints {"assignments","unplaced","nodesUsed","millis"}.
 * millis covers scheduling only, not parsing. With --runs (for benchmarks, measured the way the Fenzo harness
 * measures Fenzo): after the first, cold run, untimed warm-up runs (at least --warmup of them, and until they
 * have spent --warmup-ms scheduling), then --runs timed runs on fresh copies of the input; millis is then their
 * median and the output adds coldMillis, warmupRuns, warmMillis and isDeterministic (every run made the same
 * assignments; under --mode offline the clock decides where the search stops, so runs may differ).
 * After the greedy pass the improvement phase gets --optimize-ms of wall time (default PACK_DEFAULT_OPTIMIZE_MS,
 * the budget the README's packing figures use). --mode offline (the default) spends it all on the offline packer
 * unless the packing is proven optimal first; --mode service runs the cluster service's iteration-bounded
 * improvement phase instead, which from 5,000 tasks only re-packs by best fit decreasing (LARGE_BATCH_TASKS in
 * scheduler/placement/schedule.ts).
 * Exit codes: 0 done, 2 bad input or usage.
 */
import { readFileSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import {
  PACK_DEFAULT_OPTIMIZE_MS,
  packScheduleOptions,
  parsePackProblem,
  toPackAnswer,
  toScheduleInput,
} from '../scheduler/placement/pack-problem.js';
import { schedule } from '../scheduler/placement/schedule.js';

function fail(message: string): never {
  process.stderr.write(`${message}\n`);
  process.exit(2);
}

function takeCount(args: string[], flag: string): number {
  const at = args.indexOf(flag);
  if (at < 0) return 0;
  const value = Number(args[at + 1]);
  if (!Number.isInteger(value) || value < 0)
    fail(`${flag}: expected a whole number >= 0, got ${args[at + 1] ?? 'nothing'}`);
  args.splice(at, 2);
  return value;
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  const mid = sorted.length >> 1;
  return sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2;
}

function main(argv: readonly string[]): void {
  const args = [...argv];
  let budget = PACK_DEFAULT_OPTIMIZE_MS;
  const budgetAt = args.indexOf('--optimize-ms');
  if (budgetAt >= 0) {
    budget = Number(args[budgetAt + 1]);
    if (!Number.isFinite(budget) || budget < 0)
      fail(`--optimize-ms: expected a number >= 0, got ${args[budgetAt + 1] ?? 'nothing'}`);
    args.splice(budgetAt, 2);
  }
  let mode: 'offline' | 'service' = 'offline';
  const modeAt = args.indexOf('--mode');
  if (modeAt >= 0) {
    const value = args[modeAt + 1];
    if (value !== 'offline' && value !== 'service')
      fail(`--mode: expected offline or service, got ${value ?? 'nothing'}`);
    mode = value;
    args.splice(modeAt, 2);
  }
  const warmup = takeCount(args, '--warmup');
  const warmupMillis = takeCount(args, '--warmup-ms');
  const runs = takeCount(args, '--runs');
  const file = args[0];
  if (file === undefined || args.length > 1)
    fail(
      'usage: npm run --silent pack -- FILE [--optimize-ms N] [--mode offline|service] [--warmup N] [--warmup-ms T] [--runs M]',
    );
  let raw: unknown;
  try {
    raw = JSON.parse(readFileSync(file, 'utf8'));
  } catch (error) {
    fail(`${file}: ${error instanceof Error ? error.message : String(error)}`);
  }
  const parsed = parsePackProblem(raw);
  if (!parsed.ok) fail(`${file}: invalid problem\n${parsed.errors.map((e) => `  ${e}`).join('\n')}`);
  const problem = parsed.problem;
  // Each run gets its own input: schedule() must not be helped by state a previous run left behind.
  const once = () => {
    const input = toScheduleInput(
      structuredClone(problem),
      packScheduleOptions(budget, () => performance.now(), mode),
    );
    const started = performance.now();
    const result = schedule(input);
    return toPackAnswer(result, performance.now() - started);
  };
  const cold = once();
  if (runs === 0) {
    process.stdout.write(`${JSON.stringify(cold)}\n`);
    return;
  }
  let warmupRuns = 0;
  for (let spent = 0; warmupRuns < warmup || spent < warmupMillis; warmupRuns++) spent += once().millis;
  const warm = Array.from({ length: runs }, () => once());
  const assignments = JSON.stringify(cold.assignments);
  process.stdout.write(
    `${JSON.stringify({
      ...cold,
      millis: median(warm.map((w) => w.millis)),
      coldMillis: cold.millis,
      warmupRuns,
      warmMillis: warm.map((w) => w.millis),
      isDeterministic: warm.every((w) => JSON.stringify(w.assignments) === assignments),
    })}\n`,
  );
}

main(process.argv.slice(2));
