/**
 * A run as people and scripts read it: its state with stored output values loaded from the artifact store
 * and each finished foreach task's items read from their stored document. `summarizeRun` does the reads;
 * `buildRunSummary` is the pure assembly, so renderers (cli/format.ts) never touch the store.
 */
import type { ArtifactStore } from '../activities/artifact-store.js';
import { createFsArtifactStore } from '../activities/fs-artifact-store.js';
import type { ForeachItemResult } from '../activities/types.js';
import type { ArtifactRef, ValueRef } from '../common/data-refs.js';
import type {
  ForeachProgress,
  PartitionView,
  RunState,
  RunStatus,
  TaskState,
  TaskStatus,
} from '../workflows/definitions.js';
import type { GantryConfig } from './config.js';
import { withPartitionedTasks } from './partitioned-state.js';

/** One foreach item's result; its entry in `--json` is `ID[index]`. */
export interface ItemSummary {
  readonly index: number;
  readonly status: ForeachItemResult['status'];
  readonly attempts: number;
  readonly platformRetries: number;
  readonly exitCode: number | null;
  readonly node: string | null;
  readonly error?: string;
  readonly cachedFrom?: string;
  /** Output values by name, stored ones loaded. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly artifacts: Readonly<Record<string, ArtifactRef>>;
}

export interface TaskSummary {
  readonly status: TaskStatus;
  /** The user's attempts (retry.maxAttempts). */
  readonly attempts: number;
  /** Attempts the platform broke and ran again without using one of the user's (retry.maxPlatformRetries). */
  readonly platformRetries: number;
  readonly exitCode: number | null;
  readonly node: string | null;
  readonly error?: string;
  readonly logTail?: string;
  readonly startedAt?: number;
  readonly finishedAt?: number;
  /** Output values by name, stored ones loaded. */
  readonly outputs: Readonly<Record<string, string>>;
  readonly artifacts: Readonly<Record<string, ArtifactRef>>;
  readonly cachedFrom?: string;
  readonly childRunId?: string;
  readonly foreach?: ForeachProgress;
  /** A foreach task's items, in index order, once it is done and their document could be read. */
  readonly items?: readonly ItemSummary[];
}

export interface RunSummary {
  readonly runId: string;
  readonly pipeline: string;
  readonly status: RunStatus;
  readonly startedAt: number;
  readonly finishedAt?: number;
  readonly params?: Readonly<Record<string, string>>;
  readonly tasks: Readonly<Record<string, TaskSummary>>;
  /** A partitioned run's counts by slice (its tasks are listed only up to LISTED_TASKS_MAX). */
  readonly partition?: PartitionView;
  /** What could not be read from the store (kept on another host, or removed), one line each. */
  readonly problems: readonly string[];
}

/** What `summarizeRun` read from the store. */
export interface LoadedData {
  /** Stored values' UTF-8 text, by digest. */
  readonly values: ReadonlyMap<string, string>;
  /** Foreach tasks' items, by task id. */
  readonly items: ReadonlyMap<string, readonly ForeachItemResult[]>;
}

const NOTHING_LOADED: LoadedData = { values: new Map(), items: new Map() };
/** Reads at once; a foreach of thousands of items must not open thousands of files together. */
const READ_CONCURRENCY = 16;

/** A value as text: inline as is, stored as loaded, else a placeholder naming its digest and size. */
export function showValue(ref: ValueRef, values: ReadonlyMap<string, string>): string {
  if (ref.kind === 'inline') return ref.value;
  return values.get(ref.digest) ?? `<stored ${ref.digest}, ${ref.sizeBytes} bytes>`;
}

function showValues(
  refs: Readonly<Record<string, ValueRef>> | undefined,
  values: ReadonlyMap<string, string>,
): Record<string, string> {
  return Object.fromEntries(Object.entries(refs ?? {}).map(([name, ref]) => [name, showValue(ref, values)]));
}

function summarizeItem(item: ForeachItemResult, values: ReadonlyMap<string, string>): ItemSummary {
  return {
    index: item.index,
    status: item.status,
    attempts: item.attempts,
    platformRetries: item.platformRetries ?? 0,
    exitCode: item.exitCode,
    node: item.node,
    ...(item.error === undefined ? {} : { error: item.error }),
    ...(item.cachedFrom === undefined ? {} : { cachedFrom: item.cachedFrom }),
    outputs: showValues(item.outputs, values),
    artifacts: { ...item.artifacts },
  };
}

function summarizeTask(id: string, task: TaskState, loaded: LoadedData): TaskSummary {
  const items = loaded.items.get(id);
  return {
    status: task.status,
    attempts: task.attempts,
    platformRetries: task.platformRetries ?? 0,
    exitCode: task.exitCode,
    node: task.node,
    ...(task.error === undefined ? {} : { error: task.error }),
    ...(task.logTail === undefined ? {} : { logTail: task.logTail }),
    ...(task.startedAt === undefined ? {} : { startedAt: task.startedAt }),
    ...(task.finishedAt === undefined ? {} : { finishedAt: task.finishedAt }),
    outputs: showValues(task.outputs, loaded.values),
    artifacts: { ...task.artifacts },
    ...(task.cachedFrom === undefined ? {} : { cachedFrom: task.cachedFrom }),
    ...(task.childRunId === undefined ? {} : { childRunId: task.childRunId }),
    ...(task.foreach === undefined ? {} : { foreach: task.foreach }),
    ...(items === undefined ? {} : { items: items.map((item) => summarizeItem(item, loaded.values)) }),
  };
}

/** The summary of `state` with what was loaded; stored values not loaded show as placeholders. */
export function buildRunSummary(
  state: RunState,
  loaded: LoadedData = NOTHING_LOADED,
  problems: readonly string[] = [],
): RunSummary {
  return {
    runId: state.runId,
    pipeline: state.pipeline,
    status: state.status,
    startedAt: state.startedAt,
    ...(state.finishedAt === undefined ? {} : { finishedAt: state.finishedAt }),
    ...(state.params === undefined ? {} : { params: state.params }),
    tasks: Object.fromEntries(
      Object.entries(state.tasks).map(([id, task]) => [id, summarizeTask(id, task, loaded)]),
    ),
    ...(state.partition ? { partition: state.partition } : {}),
    problems,
  };
}

async function forEachLimited<T>(items: readonly T[], work: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await work(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(READ_CONCURRENCY, items.length) }, lane));
}

function describeReadError(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

function storedDigests(refs: Readonly<Record<string, ValueRef>> | undefined): string[] {
  return Object.values(refs ?? {}).flatMap((ref) => (ref.kind === 'stored' ? [ref.digest] : []));
}

/**
 * Loads what `state` refers to: each foreach task's items document, then every stored value of the tasks
 * and their items. A blob the store does not have is a problem line, not a failure: the run's results may
 * be kept on another host.
 */
export async function summarizeRun(
  given: RunState,
  store: Pick<ArtifactStore, 'readBlob'>,
): Promise<RunSummary> {
  const problems: string[] = [];
  const state = await withPartitionedTasks(given, store).catch((err: unknown) => {
    problems.push(`the run's task states could not be read: ${describeReadError(err)}`);
    return given;
  });
  const items = new Map<string, readonly ForeachItemResult[]>();
  const foreachDocs = Object.entries(state.tasks).flatMap(([id, task]) =>
    task.foreach?.items ? [{ id, ref: task.foreach.items }] : [],
  );
  await forEachLimited(foreachDocs, async ({ id, ref }) => {
    try {
      const doc = JSON.parse((await store.readBlob(ref.digest)).toString('utf8')) as {
        items: readonly ForeachItemResult[];
      };
      items.set(
        id,
        [...doc.items].sort((a, b) => a.index - b.index),
      );
    } catch (err) {
      problems.push(`task "${id}": its items (${ref.digest}) could not be read: ${describeReadError(err)}`);
    }
  });

  const digests = new Set<string>();
  for (const [id, task] of Object.entries(state.tasks)) {
    for (const digest of storedDigests(task.outputs)) digests.add(digest);
    for (const item of items.get(id) ?? [])
      for (const digest of storedDigests(item.outputs)) digests.add(digest);
  }
  const values = new Map<string, string>();
  await forEachLimited([...digests], async (digest) => {
    try {
      values.set(digest, (await store.readBlob(digest)).toString('utf8'));
    } catch (err) {
      problems.push(`value ${digest} could not be read: ${describeReadError(err)}`);
    }
  });
  // Reads finish in any order; sorted problems keep the output stable.
  return buildRunSummary(state, { values, items }, problems.sort());
}

/** `summarizeRun` over this host's artifact store (`config.artifactDir`). */
export function summarizeRunLocally(
  state: RunState,
  config: Pick<GantryConfig, 'artifactDir'>,
): Promise<RunSummary> {
  return summarizeRun(state, createFsArtifactStore(config.artifactDir));
}
