/**
 * The I/O side of the Fenzo comparison: builds the Java harness when its jar is missing, and runs Gantry's
 * `cli/pack.ts` and the Fenzo harness on one instance file, each pinned to one core when `taskset` exists.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import type { PackResult } from './fenzo-metrics.js';

export const REPO_ROOT = path.resolve(import.meta.dirname, '../..');
export const HARNESS_DIR = path.join(REPO_ROOT, 'bench/fenzo');
export const HARNESS_JAR = path.join(HARNESS_DIR, 'target/fenzo-harness.jar');
export const PACK_CLI = path.join(REPO_ROOT, 'cli/pack.ts');
const SERVICE_OPTIMIZE_MS = 30;

const MAX_OUTPUT_BYTES = 1024 * 1024 * 1024;

/** Extra fields the Fenzo harness prints beside Gantry's result shape. */
export interface FenzoResult extends PackResult {
  readonly coldMillis: number;
  readonly warmupRuns: number;
  readonly warmMillis: readonly number[];
  readonly fenzoVersion: string;
  readonly mode: string;
  readonly isSinglePassComplete: boolean;
  readonly isDeterministic: boolean;
  readonly availableProcessors: number;
}

export type RunOutcome<T> =
  { readonly kind: 'ok'; readonly result: T } | { readonly kind: 'failed'; readonly error: string };

export function hasTaskset(): boolean {
  return spawnSync('taskset', ['-c', '0', 'true']).status === 0;
}

/** Prefix that pins a command to core 0, or nothing when the machine has no taskset. */
function pinned(command: string, args: readonly string[]): [string, string[]] {
  return hasTaskset() ? ['taskset', ['-c', '0', command, ...args]] : [command, [...args]];
}

/** The fenzo-core version the harness pom asks for. */
export function fenzoVersionFromPom(): string {
  const pom = readFileSync(path.join(HARNESS_DIR, 'pom.xml'), 'utf8');
  return /<fenzo\.version>([^<]+)<\/fenzo\.version>/.exec(pom)?.[1] ?? 'unknown';
}

function newestSourceMillis(dir: string): number {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(newest, entry.isDirectory() ? newestSourceMillis(full) : statSync(full).mtimeMs);
  }
  return newest;
}

/** Builds the shaded jar when missing or older than its sources; offline first (warm ~/.m2), online otherwise. */
export function ensureHarnessJar(log: (line: string) => void): void {
  const sourcesMillis = Math.max(
    statSync(path.join(HARNESS_DIR, 'pom.xml')).mtimeMs,
    newestSourceMillis(path.join(HARNESS_DIR, 'src')),
  );
  if (existsSync(HARNESS_JAR) && statSync(HARNESS_JAR).mtimeMs >= sourcesMillis) return;
  log('building the Fenzo harness (mvn package)…');
  const offline = spawnSync('mvn', ['-q', '-B', '-o', 'package'], { cwd: HARNESS_DIR, encoding: 'utf8' });
  if (offline.status === 0 && existsSync(HARNESS_JAR)) return;
  execFileSync('mvn', ['-q', '-B', 'package'], { cwd: HARNESS_DIR, stdio: 'inherit' });
  if (!existsSync(HARNESS_JAR)) throw new Error(`mvn package finished but ${HARNESS_JAR} is missing`);
}

function runJson<T>(command: string, args: readonly string[], timeoutMs: number): RunOutcome<T> {
  const [pinnedCommand, pinnedArgs] = pinned(command, args);
  const child = spawnSync(pinnedCommand, pinnedArgs, {
    cwd: REPO_ROOT,
    encoding: 'utf8',
    maxBuffer: MAX_OUTPUT_BYTES,
    timeout: timeoutMs,
  });
  if (child.error)
    return { kind: 'failed', error: `${pinnedCommand} ${pinnedArgs.join(' ')}: ${child.error.message}` };
  if (child.status !== 0) {
    const stderr = child.stderr.trim().split('\n').slice(-5).join(' | ');
    return { kind: 'failed', error: `exit ${child.status ?? child.signal}: ${stderr}` };
  }
  try {
    return { kind: 'ok', result: JSON.parse(child.stdout) as T };
  } catch (error) {
    return {
      kind: 'failed',
      error: `output is not JSON: ${(error as Error).message}; starts ${JSON.stringify(child.stdout.slice(0, 200))}`,
    };
  }
}

export function isGantryAvailable(): boolean {
  return existsSync(PACK_CLI);
}

/** Gantry's answer when asked to measure like the Fenzo harness: cold run, warm-up, timed runs. */
export interface GantryResult extends PackResult {
  readonly coldMillis: number;
  readonly warmupRuns: number;
  readonly warmMillis: readonly number[];
  readonly isDeterministic: boolean;
}

/**
 * One `cli/pack.ts` process, measured as Fenzo is: a cold run, untimed warm-up runs (at least `warmup`, and at
 * least `warmupMs` of scheduling), then `runs` timed runs on fresh copies; `millis` is their median and
 * `coldMillis` the first run's.
 */
export function runGantry(
  file: string,
  options: {
    readonly warmup: number;
    readonly warmupMs: number;
    readonly runs: number;
    readonly timeoutMs: number;
  },
): RunOutcome<GantryResult> {
  const args = [
    '--import',
    'tsx',
    PACK_CLI,
    file,
    // The cluster service's own improvement phase with the 30 ms the Fenzo figures were measured with: this
    // bench compares what the service runs, not the offline packer `pack` uses by default.
    '--mode',
    'service',
    '--optimize-ms',
    String(SERVICE_OPTIMIZE_MS),
    '--warmup',
    String(options.warmup),
    '--warmup-ms',
    String(options.warmupMs),
    '--runs',
    String(options.runs),
  ];
  return runJson<GantryResult>(process.execPath, args, options.timeoutMs);
}

/** One JVM, the same protocol as runGantry: cold run, warm-up by count and time, timed runs; `millis` is their median. */
export function runFenzo(
  file: string,
  options: {
    readonly goodEnough?: number;
    readonly warmup: number;
    readonly warmupMs: number;
    readonly runs: number;
    readonly timeoutMs: number;
  },
): RunOutcome<FenzoResult> {
  const args = ['-XX:ActiveProcessorCount=1', '-Xms2g', '-Xmx8g', '-jar', HARNESS_JAR, file];
  args.push('--warmup', String(options.warmup), '--warmup-ms', String(options.warmupMs));
  args.push('--runs', String(options.runs));
  if (options.goodEnough !== undefined) args.push('--good-enough', String(options.goodEnough));
  return runJson<FenzoResult>('java', args, options.timeoutMs);
}
