/**
 * Restarting a cluster service that ended (terminated, failed, timed out) or is wedged, without losing what
 * it owned. The inventory comes from its last execution's history (its input, with every accepted
 * `configureCluster` applied); the allocations and the queue come from the runs that are open, since each
 * run knows what it holds (the `heldPlacements` query). The service's own state is not trusted: it may be
 * exactly what wedged it.
 */
import { type Client, WorkflowExecutionAlreadyStartedError, WorkflowNotFoundError } from '@temporalio/client';
import { type Payload, fromPayloadsAtIndex } from '@temporalio/common';
import { type ClusterSpec, ClusterSpecSchema } from '../common/cluster-spec.js';
import { clusterWorkflowId } from '../common/names.js';
import type { ClusterServiceInput } from '../workflows/cluster-service.js';
import { configureClusterUpdate, heldPlacementsQuery } from '../workflows/definitions.js';
import type { clusterService } from '../workflows/index.js';
import { decodeHistoryPayloads } from './codec/data-converter.js';
import type { GantryConfig } from './config.js';
import { defaultClusterSpec } from './default-cluster.js';
import { ClusterRecoveryError, type WorkflowTaskProblem } from './errors.js';
import { isServedSoon } from './pollers.js';
import { type RunAnswer, rebuildAllocations } from './rebuild-allocations.js';
import { oneLine, workflowHealth } from './service-health.js';

export interface ClusterRestart {
  readonly clusterName: string;
  readonly spec: ClusterSpec;
  /** Where the inventory came from: the ended service's history, or the fallback (the local Docker engine). */
  readonly specSource: 'history' | 'fallback';
  readonly allocations: number;
  readonly pending: number;
  /** Open runs of this cluster that answered. */
  readonly runs: number;
  /** Open runs that did not answer (stuck, or started by older code): what they hold is not counted. */
  readonly unanswered: readonly string[];
  /** Placements granted on nodes the inventory no longer has: left out. */
  readonly dropped: readonly string[];
  /** False when another client restarted the service first; the counts are then what this client found. */
  readonly isStartedHere: boolean;
}

export interface RestartOptions {
  /** The inventory when the history has none; the local Docker engine by default. */
  readonly fallbackSpec?: () => Promise<ClusterSpec>;
}

// A healthy run answers a query in milliseconds; a wedged one would hold the caller for 30 s.
const RUN_QUERY_TIMEOUT_MS = 5_000;
const RUN_QUERY_CONCURRENCY = 16;

/** What the service's latest execution was last given: its input, then each accepted inventory update. */
export async function lastServiceInput(
  client: Client,
  clusterName: string,
): Promise<Partial<ClusterServiceInput> | undefined> {
  let history;
  try {
    history = await client.workflow.getHandle(clusterWorkflowId(clusterName)).fetchHistory();
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
  const converter = client.workflow.options.loadedDataConverter.payloadConverter;
  // A raw history holds the payloads as the codec left them (encrypted): decode before converting.
  const decoded = async (payloads: Payload[] | null | undefined) =>
    decodeHistoryPayloads(client, payloads ?? []);
  let input: Partial<ClusterServiceInput> | undefined;
  for (const event of history.events ?? []) {
    const started = event.workflowExecutionStartedEventAttributes;
    if (started)
      input = fromPayloadsAtIndex<Partial<ClusterServiceInput>>(
        converter,
        0,
        await decoded(started.input?.payloads),
      );
    const update = event.workflowExecutionUpdateAcceptedEventAttributes?.acceptedRequest?.input;
    // An update is accepted only after its validator passed, and the handler then only replaces the spec.
    if (update?.name === configureClusterUpdate.name)
      input = {
        ...input,
        spec: fromPayloadsAtIndex<ClusterSpec>(converter, 0, await decoded(update.args?.payloads)),
      };
  }
  return input;
}

/** The inventory the service last held according to its history, if it is a valid spec of this cluster. */
export async function lastServiceSpec(client: Client, clusterName: string): Promise<ClusterSpec | undefined> {
  const parsed = ClusterSpecSchema.safeParse((await lastServiceInput(client, clusterName))?.spec);
  return parsed.success && parsed.data.name === clusterName ? parsed.data : undefined;
}

/**
 * Open runs on the control queue (runs are started on their cluster's control queue, so the queue narrows
 * the search to the runs that can use this cluster); asking them needs a worker on that queue.
 */
async function openRunsThatCanBeAsked(client: Client, config: GantryConfig): Promise<string[]> {
  const queue = config.controlTaskQueue.replace(/'/g, '');
  const ids: string[] = [];
  // Foreach slices place their items themselves, so they hold placements as runs do.
  const query = `(WorkflowType = 'runPipeline' OR WorkflowType = 'runForeachSlice') AND ExecutionStatus = 'Running' AND TaskQueue = '${queue}'`;
  for await (const run of client.workflow.list({ query })) ids.push(run.workflowId);
  if (ids.length > 0 && !(await isServedSoon(client, config.namespace, config.controlTaskQueue))) {
    throw new ClusterRecoveryError(
      config.clusterName,
      `${ids.length} open run(s) must say what they hold, and no worker polls the control queue "${config.controlTaskQueue}" to answer (start one with \`gantry worker\`)`,
    );
  }
  return ids;
}

/** Asks every open run on the control queue what it holds. */
async function askOpenRuns(
  client: Client,
  config: GantryConfig,
): Promise<{ answers: RunAnswer[]; unanswered: string[] }> {
  const ids = await openRunsThatCanBeAsked(client, config);
  if (ids.length === 0) return { answers: [], unanswered: [] };
  const answers: RunAnswer[] = [];
  const unanswered: string[] = [];
  for (let i = 0; i < ids.length; i += RUN_QUERY_CONCURRENCY) {
    await Promise.all(
      ids.slice(i, i + RUN_QUERY_CONCURRENCY).map(async (runWorkflowId) => {
        try {
          const held = await client.withDeadline(Date.now() + RUN_QUERY_TIMEOUT_MS, () =>
            client.workflow.getHandle(runWorkflowId).query(heldPlacementsQuery),
          );
          answers.push({ runWorkflowId, held });
        } catch {
          unanswered.push(runWorkflowId);
        }
      }),
    );
  }
  return { answers, unanswered: unanswered.sort() };
}

/**
 * Starts the service of `config.clusterName` anew from its history and its open runs. The caller makes
 * sure no execution runs (it ended, or was terminated); if another client restarted it meanwhile, that
 * execution is kept.
 */
export async function restartClusterService(
  client: Client,
  config: GantryConfig,
  options: RestartOptions = {},
): Promise<ClusterRestart> {
  const { clusterName } = config;
  const workflowId = clusterWorkflowId(clusterName);
  const last = await lastServiceInput(client, clusterName);
  const fromHistory = ClusterSpecSchema.safeParse(last?.spec);
  const isFromHistory = fromHistory.success && fromHistory.data.name === clusterName;
  const spec = isFromHistory
    ? fromHistory.data
    : await (options.fallbackSpec ?? (() => defaultClusterSpec(clusterName)))();
  const { answers, unanswered } = await askOpenRuns(client, config);
  const rebuilt = rebuildAllocations(workflowId, new Set(spec.nodes.map((n) => n.id)), answers);
  const input: ClusterServiceInput = {
    spec,
    allocations: rebuilt.allocations,
    pending: rebuilt.pending,
    ...(typeof last?.placements === 'number' ? { placements: last.placements } : {}),
    ...(typeof last?.maxHistoryEvents === 'number' ? { maxHistoryEvents: last.maxHistoryEvents } : {}),
  };
  let isStartedHere = true;
  try {
    await client.workflow.start<typeof clusterService>('clusterService', {
      workflowId,
      taskQueue: config.controlTaskQueue,
      args: [input],
      workflowIdConflictPolicy: 'FAIL',
    });
  } catch (err) {
    if (!(err instanceof WorkflowExecutionAlreadyStartedError)) throw err;
    isStartedHere = false;
  }
  return {
    clusterName,
    spec,
    specSource: isFromHistory ? 'history' : 'fallback',
    allocations: rebuilt.allocations.length,
    pending: rebuilt.pending.length,
    runs: rebuilt.runs.length,
    unanswered,
    dropped: rebuilt.dropped,
    isStartedHere,
  };
}

export type Recovery =
  | { readonly kind: 'missing' }
  /** Running and not stuck: left alone (unless forced). */
  | { readonly kind: 'healthy' }
  | {
      readonly kind: 'restarted';
      /** What the service was: stuck (then terminated here), or how it had ended. */
      readonly previous:
        | { readonly kind: 'stuck'; readonly problem: WorkflowTaskProblem }
        | { readonly kind: 'running' }
        | { readonly kind: 'closed'; readonly status: string };
      readonly restart: ClusterRestart;
    };

/**
 * `gantry cluster recover`: terminates a stuck service (any running one when `isForced`) and restarts it
 * from its open runs; an ended service is restarted the same way.
 */
export async function recoverClusterService(
  client: Client,
  config: GantryConfig,
  options: RestartOptions & { readonly isForced?: boolean } = {},
): Promise<Recovery> {
  const health = await workflowHealth(client, clusterWorkflowId(config.clusterName));
  if (health.kind === 'missing') return { kind: 'missing' };
  if (health.kind === 'running' && !options.isForced) return { kind: 'healthy' };
  if (health.kind === 'running' || health.kind === 'stuck') {
    // Before terminating: a service that cannot be rebuilt must not be ended.
    await openRunsThatCanBeAsked(client, config);
    const reason =
      health.kind === 'stuck'
        ? `gantry cluster recover: its workflow task fails (${health.problem.cause}: ${oneLine(health.problem.message)})`
        : 'gantry cluster recover --force';
    try {
      await client.workflow.getHandle(clusterWorkflowId(config.clusterName)).terminate(reason);
    } catch (err) {
      // It may have ended on its own meanwhile; anything else means it still runs.
      if (!(err instanceof WorkflowNotFoundError))
        throw new ClusterRecoveryError(config.clusterName, `terminating it failed: ${String(err)}`, {
          cause: err,
        });
    }
  }
  const restart = await restartClusterService(client, config, options);
  const previous =
    health.kind === 'stuck'
      ? { kind: 'stuck' as const, problem: health.problem }
      : health.kind === 'running'
        ? { kind: 'running' as const }
        : { kind: 'closed' as const, status: health.status };
  return { kind: 'restarted', previous, restart };
}
