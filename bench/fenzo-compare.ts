/**
 * Benchmark #1 of the scheduler issue: Gantry's `cli/pack.ts` side by side with Netflix Fenzo (fenzo-core from
 * Maven Central, driven by the Java harness in bench/fenzo) on identical seeded instances, in the same run.
 * Writes bench/results/fenzo-compare.{json,md}.
 *
 * Usage: npm run bench:fenzo [-- --sizes 200x200,2000x2000] [-- --quick]
 */
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { describeLoad, generateCluster, type ClusterInstance } from './lib/generate-cluster.js';
import { checkResult, placementsPerSecond, strandedResources, type PackResult } from './lib/fenzo-metrics.js';
import {
  GOOD_ENOUGH,
  SCHEDULERS,
  judgeGoal,
  renderMarkdown,
  type Report,
  type SchedulerName,
  type SizeRow,
  type SystemRow,
} from './lib/fenzo-report.js';
import {
  REPO_ROOT,
  ensureHarnessJar,
  fenzoVersionFromPom,
  hasTaskset,
  isGantryAvailable,
  runFenzo,
  runGantry,
  type GantryResult,
} from './lib/fenzo-run.js';

const SEED = 20_261_122;
const TIMEOUT_MS = 15 * 60_000;

interface SizePlan {
  readonly nodes: number;
  readonly tasks: number;
  /** Separate Gantry processes; the median is reported. */
  readonly gantryProcesses: number;
  /** Untimed runs after the cold one, at least (both schedulers); then warm-up continues until WARMUP_MS. */
  readonly warmup: number;
  /** Timed Fenzo runs in one JVM; Gantry does at least GANTRY_MIN_RUNS per process. */
  readonly fenzoRuns: number;
}

// Warm-up is sized by time as well as by count, the same for both schedulers: each keeps running the instance,
// untimed, until it has spent this long scheduling. A single Fenzo run at 10k × 10k takes longer than this.
const WARMUP_MS = 2_000;
const GANTRY_MIN_RUNS = 3;

const PLANS: readonly SizePlan[] = [
  { nodes: 200, tasks: 200, gantryProcesses: 5, warmup: 20, fenzoRuns: 5 },
  { nodes: 200, tasks: 2_000, gantryProcesses: 5, warmup: 5, fenzoRuns: 5 },
  { nodes: 2_000, tasks: 2_000, gantryProcesses: 3, warmup: 2, fenzoRuns: 3 },
  { nodes: 2_000, tasks: 10_000, gantryProcesses: 3, warmup: 1, fenzoRuns: 1 },
  { nodes: 10_000, tasks: 10_000, gantryProcesses: 3, warmup: 1, fenzoRuns: 1 },
];

function log(line: string): void {
  process.stderr.write(`[bench:fenzo] ${line}\n`);
}

function median(values: readonly number[]): number {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? NaN;
}

function cpuModel(): string {
  try {
    const line = readFileSync('/proc/cpuinfo', 'utf8')
      .split('\n')
      .find((l) => l.startsWith('model name'));
    if (line) return line.split(':')[1]!.trim();
  } catch {
    // Not Linux: fall back to what Node reports.
  }
  return os.cpus()[0]?.model ?? 'unknown';
}

function sameAssignments(a: PackResult, b: PackResult): boolean {
  const aKeys = Object.keys(a.assignments);
  return (
    aKeys.length === Object.keys(b.assignments).length &&
    aKeys.every((k) => a.assignments[k] === b.assignments[k])
  );
}

function measure(
  instance: ClusterInstance,
  runs: readonly PackResult[],
  extra: {
    readonly coldMillis?: number;
    readonly warmupRuns?: number;
    readonly millisRuns?: readonly number[];
    readonly note?: string;
  } = {},
): SystemRow {
  const first = runs[0]!;
  const millisRuns = extra.millisRuns ?? runs.map((r) => r.millis);
  const result: PackResult = { ...first, millis: median(millisRuns) };
  const check = checkResult(instance, result);
  return {
    kind: 'measured',
    status: check.isValid ? 'ok' : 'INVALID',
    problems: check.problems,
    placed: Object.keys(result.assignments).length,
    unplaced: Object.keys(result.unplaced).length,
    nodesUsed: new Set(Object.values(result.assignments)).size,
    millis: result.millis,
    millisRuns,
    ...(extra.coldMillis === undefined ? {} : { coldMillis: extra.coldMillis }),
    ...(extra.warmupRuns === undefined ? {} : { warmupRuns: extra.warmupRuns }),
    placementsPerSecond: placementsPerSecond(result),
    stranded: strandedResources(instance, result),
    isDeterministic: runs.every((r) => sameAssignments(r, first)),
    ...(extra.note === undefined ? {} : { note: extra.note }),
  };
}

function fenzoRow(instance: ClusterInstance, file: string, plan: SizePlan, goodEnough?: number): SystemRow {
  const outcome = runFenzo(file, {
    ...(goodEnough === undefined ? {} : { goodEnough }),
    warmup: plan.warmup,
    warmupMs: WARMUP_MS,
    runs: plan.fenzoRuns,
    timeoutMs: TIMEOUT_MS,
  });
  if (outcome.kind === 'failed') return outcome;
  const r = outcome.result;
  const notes = [
    r.isSinglePassComplete ? '' : 'a second scheduleOnce on the leftovers placed more tasks',
    r.availableProcessors === 1 ? '' : `JVM saw ${r.availableProcessors} processors`,
  ].filter((n) => n !== '');
  return measure(instance, [r], {
    coldMillis: r.coldMillis,
    warmupRuns: r.warmupRuns,
    millisRuns: r.warmMillis.length > 0 ? r.warmMillis : [r.coldMillis],
    ...(notes.length > 0 ? { note: notes.join('; ') } : {}),
  });
}

function gantryRow(instance: ClusterInstance, file: string, plan: SizePlan): SystemRow {
  if (!isGantryAvailable()) return { kind: 'not-run', reason: 'cli/pack.ts does not exist yet' };
  // The same protocol as Fenzo's JVM (cold run, warm-up, timed runs), in each of gantryProcesses fresh processes.
  const runs: GantryResult[] = [];
  for (let i = 0; i < plan.gantryProcesses; i++) {
    const outcome = runGantry(file, {
      warmup: plan.warmup,
      warmupMs: WARMUP_MS,
      runs: Math.max(plan.fenzoRuns, GANTRY_MIN_RUNS),
      timeoutMs: TIMEOUT_MS,
    });
    if (outcome.kind === 'failed') return outcome;
    runs.push(outcome.result);
  }
  return measure(instance, runs, {
    coldMillis: median(runs.map((r) => r.coldMillis)),
    warmupRuns: median(runs.map((r) => r.warmupRuns)),
    millisRuns: runs.flatMap((r) => r.warmMillis),
    ...(runs.every((r) => r.isDeterministic)
      ? {}
      : { note: 'runs in one process made different assignments' }),
  });
}

function selectPlans(argv: readonly string[]): SizePlan[] {
  const { values } = parseArgs({
    args: [...argv],
    options: { sizes: { type: 'string' }, quick: { type: 'boolean' } },
  });
  if (values.quick)
    return PLANS.slice(0, 2).map((p) => ({ ...p, gantryProcesses: 1, warmup: 1, fenzoRuns: 1 }));
  if (!values.sizes) return [...PLANS];
  return values.sizes.split(',').map((spec) => {
    const match = /^(\d+)x(\d+)$/.exec(spec.trim());
    if (!match) throw new Error(`--sizes: expected NODESxTASKS like 200x2000, got "${spec}"`);
    const [nodes, tasks] = [Number(match[1]), Number(match[2])];
    return (
      PLANS.find((p) => p.nodes === nodes && p.tasks === tasks) ?? {
        nodes,
        tasks,
        gantryProcesses: 3,
        warmup: 1,
        fenzoRuns: 1,
      }
    );
  });
}

function main(): void {
  const plans = selectPlans(process.argv.slice(2));
  const loadBefore = os.loadavg();
  ensureHarnessJar(log);
  const workDir = path.join(os.tmpdir(), 'gantry-fenzo-compare');
  mkdirSync(workDir, { recursive: true });
  if (!isGantryAvailable()) log('cli/pack.ts is missing: measuring Fenzo alone');

  const sizes: SizeRow[] = [];
  for (const plan of plans) {
    const instance = generateCluster({ nodes: plan.nodes, tasks: plan.tasks, seed: SEED });
    const file = path.join(workDir, `instance-${plan.nodes}x${plan.tasks}-${SEED}.json`);
    writeFileSync(file, JSON.stringify(instance));
    const systems = {} as Record<SchedulerName, SystemRow>;
    for (const name of SCHEDULERS) {
      log(`${plan.nodes} nodes × ${plan.tasks} tasks: ${name}`);
      systems[name] =
        name === 'gantry'
          ? gantryRow(instance, file, plan)
          : fenzoRow(instance, file, plan, GOOD_ENOUGH[name]);
    }
    sizes.push({ nodes: plan.nodes, tasks: plan.tasks, seed: SEED, load: describeLoad(instance), systems });
  }

  const report: Report = {
    date: new Date().toISOString(),
    cpuModel: cpuModel(),
    isPinnedToOneCore: hasTaskset(),
    fenzoVersion: fenzoVersionFromPom(),
    loadAverage: { before: loadBefore, after: os.loadavg() },
    command: 'npm run bench:fenzo',
    sizes,
    goal: judgeGoal(sizes),
  };
  const resultsDir = path.join(REPO_ROOT, 'bench/results');
  mkdirSync(resultsDir, { recursive: true });
  writeFileSync(path.join(resultsDir, 'fenzo-compare.json'), `${JSON.stringify(report, null, 2)}\n`);
  const markdown = renderMarkdown(report);
  writeFileSync(path.join(resultsDir, 'fenzo-compare.md'), markdown);
  process.stdout.write(markdown);
}

main();
