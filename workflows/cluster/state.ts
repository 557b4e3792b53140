/**
 * The cluster service's state and the pure functions both of its loops share: what a snapshot shows, what
 * one scheduling iteration is given, and what a placement records. No commands are issued here, so sharing
 * them between the legacy loop and the current one cannot change either one's history.
 */
import { z } from 'zod';
import { type ClusterSpec, ClusterSpecSchema, toScheduleOptions } from '../../common/cluster-spec.js';
import { containerPolicyOf } from '../../common/container-policy.js';
import { nodeTaskQueue } from '../../common/names.js';
import { freeResources } from '../../common/resources.js';
import type { Allocation, ScheduleInput, ScalingAdvice } from '../../scheduler/placement/types.js';
import type { ClusterSnapshot, PlacementRequest } from '../definitions.js';
import type { NodeHealthEntry } from './node-health.js';

export interface OwnedAllocation extends Allocation {
  readonly runWorkflowId: string;
  readonly runTaskId: string;
}

export interface PendingRequest extends PlacementRequest {
  readonly enqueuedAt: number;
  /** Came in a `requestPlacements` batch: its decision goes back in a `placementsDecided` one. */
  readonly isBatched?: boolean;
}

export interface ClusterServiceInput {
  readonly spec: ClusterSpec;
  readonly allocations?: readonly OwnedAllocation[];
  readonly pending?: readonly PendingRequest[];
  readonly placements?: number;
  readonly idleSince?: Readonly<Record<string, number>>;
  /** Victim allocation key → the pending task it is being evicted for (or WINDOW_CLOSED). */
  readonly evicting?: Readonly<Record<string, string>>;
  /**
   * History length past which the service hands over to a new execution (default 2,000); carried across
   * continue-as-new. Tests set it low to force hand-overs.
   */
  readonly maxHistoryEvents?: number;
  /** The service's workflow time when it handed over (see cluster-service.ts). */
  readonly clock?: number;
  /**
   * Runs that hand off reservations and still hold or wait for room (workflows/placement-handoff.ts), each
   * with its party (its top-level run).
   */
  readonly handOffRuns?: Readonly<Record<string, string>>;
  /** Those of them told that other runs' work waits for room. */
  readonly toldWaiting?: readonly string[];
  /** Nodes that sent heartbeats, and how they stand (cluster/node-health.ts). */
  readonly nodeHealth?: Readonly<Record<string, NodeHealthEntry>>;
}

/**
 * What an allocation evicted because its group's window closed is evicted for: no task. Request keys
 * (`<run workflow id>/<task id>`) always hold a "/", so no pending task can be mistaken for it.
 */
export const WINDOW_CLOSED = 'window-closed';

export interface SnapshotParts {
  readonly spec: ClusterSpec;
  readonly allocations: Iterable<OwnedAllocation>;
  readonly pending: Iterable<PendingRequest>;
  readonly reasons: ReadonlyMap<string, string>;
  readonly placements: number;
  readonly scaling: ScalingAdvice | undefined;
  readonly health?: ReadonlyMap<string, NodeHealthEntry>;
}

export function snapshotOf(parts: SnapshotParts): ClusterSnapshot {
  const { spec, reasons, placements, scaling } = parts;
  const allocations = [...parts.allocations];
  return {
    name: spec.name,
    nodes: spec.nodes.map((node) => {
      const mine = allocations.filter((a) => a.nodeId === node.id);
      const free = freeResources(
        node.capacity,
        mine.map((a) => a.request),
      );
      return {
        id: node.id,
        taskQueue: nodeTaskQueue(spec.name, node.id),
        capacity: node.capacity,
        used: Object.fromEntries(
          Object.keys(node.capacity).map((k) => [k, (node.capacity[k] ?? 0) - (free[k] ?? 0)]),
        ),
        attributes: node.attributes,
        ...(node.nodeGroup ? { nodeGroup: node.nodeGroup } : {}),
        docker: node.docker,
        // Snapshots of docker nodes stay as they were before runtimes existed.
        ...(node.runtime === 'simulated' ? { runtime: node.runtime } : {}),
        allocations: mine.map((a) => a.taskId),
        ...healthOf(parts.health?.get(node.id)),
      };
    }),
    pending: [...parts.pending].map((p) => ({
      key: p.key,
      reason: reasons.get(p.key) ?? '',
      enqueuedAt: p.enqueuedAt,
    })),
    placements,
    ...(scaling ? { scaling } : {}),
    ...(spec.nodeLostAfterSeconds ? { nodeLostAfterSeconds: spec.nodeLostAfterSeconds } : {}),
    ...containerPolicyOf(spec),
    ...(spec.admins ? { admins: spec.admins } : {}),
  };
}

function healthOf(entry: NodeHealthEntry | undefined) {
  return entry ? { health: entry.state, lastHeartbeatAt: entry.lastSeen } : {};
}

export interface IterationParts {
  readonly spec: ClusterSpec;
  readonly allocations: Iterable<OwnedAllocation>;
  readonly pending: Iterable<PendingRequest>;
  /** Victim key → the pending task it leaves for. */
  readonly evicting: ReadonlyMap<string, string>;
  readonly idleSince: ReadonlyMap<string, number>;
  readonly now: number;
  /** Nodes that take no new placements now (not healthy: cluster/node-health.ts). */
  readonly unavailable?: ReadonlySet<string>;
}

/** The input of one `schedule()` call over the service's state. */
export function scheduleInputOf(parts: IterationParts): ScheduleInput {
  const { spec, evicting, idleSince, now, unavailable } = parts;
  const nodes = unavailable ? spec.nodes.filter((n) => !unavailable.has(n.id)) : spec.nodes;
  return {
    nodes: nodes.map((n) => ({
      id: n.id,
      capacity: n.capacity,
      attributes: n.attributes,
      ...(n.nodeGroup ? { nodeGroup: n.nodeGroup } : {}),
    })),
    // The scheduler must know who is already leaving: never pick them again, and count their room as
    // promised to the task they leave for.
    allocations: [...parts.allocations].map((a) => {
      const forTaskId = evicting.get(a.taskId);
      return forTaskId === undefined ? a : { ...a, evictingFor: forTaskId };
    }),
    pending: [...parts.pending].map((p) => ({
      id: p.key,
      request: p.request,
      constraints: p.constraints,
      tier: p.tier,
      enqueuedAt: p.enqueuedAt,
      ...(p.group ? { group: p.group } : {}),
      ...(p.expectedDurationSeconds ? { expectedDurationSeconds: p.expectedDurationSeconds } : {}),
    })),
    now,
    options: { ...toScheduleOptions(spec.scheduling), idleSince: Object.fromEntries(idleSince) },
  };
}

/** What the service records when it places a request on a node. */
export function allocationOf(
  request: PendingRequest,
  nodeId: string,
  cpuset: Allocation['cpuset'] | undefined,
  now: number,
  gpus?: readonly string[],
): OwnedAllocation {
  return {
    taskId: request.key,
    nodeId,
    request: request.request,
    constraints: request.constraints,
    tier: request.tier,
    startedAt: now,
    runWorkflowId: request.runWorkflowId,
    runTaskId: request.taskId,
    ...(request.group ? { group: request.group } : {}),
    ...(request.expectedDurationSeconds ? { expectedDurationSeconds: request.expectedDurationSeconds } : {}),
    ...(cpuset ? { cpuset } : {}),
    ...(gpus && gpus.length > 0 ? { gpus } : {}),
  };
}

/** Marks nodes that just became empty (for the autoscaler's cooldown) and forgets busy ones. */
export function trackIdleNodes(
  spec: ClusterSpec,
  allocations: Iterable<OwnedAllocation>,
  idleSince: Map<string, number>,
  now: number,
): void {
  const busy = new Set<string>();
  for (const a of allocations) busy.add(a.nodeId);
  for (const node of spec.nodes) {
    if (busy.has(node.id)) idleSince.delete(node.id);
    else if (!idleSince.has(node.id)) idleSince.set(node.id, now);
  }
}

/**
 * The configureCluster update's validator: throws (rejecting the update, leaving no trace in history) on a
 * malformed inventory, a removed node that still holds allocations, or another cluster's name.
 */
export function checkReconfiguration(
  next: ClusterSpec,
  current: ClusterSpec,
  allocations: Iterable<OwnedAllocation>,
): void {
  // Clients validate too, but the service is the source of truth: never take a malformed inventory.
  const parsed = ClusterSpecSchema.safeParse(next);
  if (!parsed.success) throw new Error(`invalid cluster spec: ${z.prettifyError(parsed.error)}`);
  const kept = new Set(next.nodes.map((n) => n.id));
  const stranded = [...allocations].filter((a) => !kept.has(a.nodeId));
  if (stranded.length > 0) {
    throw new Error(
      `cannot remove node "${stranded[0]!.nodeId}": it still runs ${stranded.length} task(s), e.g. "${stranded[0]!.taskId}"`,
    );
  }
  if (next.name !== current.name)
    throw new Error(`cluster name "${next.name}" does not match this service's cluster "${current.name}"`);
}
