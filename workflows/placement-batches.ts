/**
 * Batches of the placement protocol: many requests, releases or decisions in one signal instead of one
 * each (`requestPlacements`, `releasePlacements`, `placementsDecided`). A signal costs its sender two
 * events and its receiver one plus, often, a workflow task; one per task made the protocol the cluster's
 * bottleneck (bench/results/cluster-service.md).
 *
 * Both halves are deterministic: a run coalesces what it asks for in one activation by a microtask (whose
 * order the workflow sandbox fixes), and the service groups the decisions of one handler by run, in the
 * order it took them. Nothing here issues a command itself.
 */
import type { PlacementDecision, TaskPlacementDecision } from './definitions.js';

/** Patch id (runs and foreach slices): requests and releases of one activation go in one signal each. */
export const RUN_PLACEMENT_BATCHES_PATCH = 'gantry-placement-batches';
/**
 * Patch id (runs and foreach slices): what one workflow task gives back and asks for goes in one
 * `placementChanges` signal, sent when the activation has settled rather than at the first microtask
 * flush. A 200-task DAG sent 193 signals for its 200 tasks before it, since a task's release and its
 * dependents' requests come a few microtasks apart.
 */
export const RUN_PLACEMENT_CHANGES_PATCH = 'gantry-placement-changes';
/** Patch id (cluster service): requests that came in a batch are answered in one signal per run. */
export const SERVICE_PLACEMENT_BATCHES_PATCH = 'gantry-cluster-placement-batches';

/**
 * At most this many items per signal: a request is about 350 bytes of JSON, so a full batch stays far under
 * Temporal's payload limits (2 MB; a warning from 512 KB).
 */
export const MAX_PLACEMENTS_PER_SIGNAL = 500;

export interface Coalescer<T> {
  /** Queues `item` for the next batch; resolves when the batch holding it has been sent. */
  add(item: T): Promise<void>;
}

/**
 * Gathers the items added before `flushPoint` resolves (by default, the current microtask queue's flush),
 * and hands them to `send` as one batch (several if more than `maxBatch`), in the order they were added.
 */
export function createCoalescer<T>(
  send: (batch: readonly T[]) => Promise<void>,
  maxBatch = MAX_PLACEMENTS_PER_SIGNAL,
  flushPoint: () => Promise<void> = () => Promise.resolve(),
): Coalescer<T> {
  interface Batch {
    readonly items: T[];
    readonly sent: Promise<void>;
  }
  let open: Batch | undefined;
  return {
    add(item) {
      if (!open || open.items.length >= maxBatch) {
        const items: T[] = [];
        const batch: Batch = {
          items,
          // Later batches flush after earlier ones: their microtasks were queued later.
          sent: flushPoint().then(() => {
            if (open === batch) open = undefined;
            return send(items);
          }),
        };
        open = batch;
      }
      open.items.push(item);
      return open.sent;
    },
  };
}

/** One decision the service took, for a request that came in a batch. */
export interface BatchedDecision {
  readonly runWorkflowId: string;
  /** The placement key: an allocation the service drops if the run can no longer be told. */
  readonly key: string;
  readonly taskId: string;
  readonly decision: PlacementDecision;
  /** The request's time, echoed to runs that hand off reservations. */
  readonly requestedAt?: number;
}

export interface DecisionBatch {
  readonly runWorkflowId: string;
  readonly keys: readonly string[];
  readonly decisions: readonly TaskPlacementDecision[];
}

/**
 * The signals that carry `decisions` to their runs: one per run (more past `maxBatch`), runs in the order
 * of their first decision, decisions in the order they were taken.
 */
export function groupDecisions(
  decisions: readonly BatchedDecision[],
  maxBatch = MAX_PLACEMENTS_PER_SIGNAL,
): DecisionBatch[] {
  const byRun = new Map<string, BatchedDecision[]>();
  for (const d of decisions) {
    const list = byRun.get(d.runWorkflowId);
    if (list) list.push(d);
    else byRun.set(d.runWorkflowId, [d]);
  }
  const batches: DecisionBatch[] = [];
  for (const [runWorkflowId, list] of byRun) {
    for (let i = 0; i < list.length; i += maxBatch) {
      const chunk = list.slice(i, i + maxBatch);
      batches.push({
        runWorkflowId,
        keys: chunk.map((d) => d.key),
        decisions: chunk.map(({ taskId, decision, requestedAt }) =>
          requestedAt === undefined ? { taskId, decision } : { taskId, decision, requestedAt },
        ),
      });
    }
  }
  return batches;
}
