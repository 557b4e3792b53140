/**
 * The cluster service: one long-lived workflow per cluster that owns the node inventory and every
 * allocation, so all concurrent runs see one source of truth. Runs ask for placements by signal and get
 * the decision back by signal; the service batches pending requests into scheduling iterations.
 * Its state is carried across continue-as-new, so it runs for ever with a bounded history.
 */
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { z } from 'zod';
import { type ClusterSpec, ClusterSpecSchema, toScheduleOptions } from '../common/cluster-spec.js';
import { nodeTaskQueue } from '../common/names.js';
import { freeResources } from '../scheduler/resources.js';
import { schedule } from '../scheduler/schedule.js';
import type { Allocation, ScalingAdvice } from '../scheduler/types.js';
import {
  type ClusterSnapshot,
  type PlacementDecision,
  type PlacementRequest,
  clusterSnapshotQuery,
  configureClusterUpdate,
  placementDecidedSignal,
  preemptTaskSignal,
  releasePlacementSignal,
  releaseRunSignal,
  requestPlacementSignal,
} from './definitions.js';

interface OwnedAllocation extends Allocation {
  readonly runWorkflowId: string;
  readonly runTaskId: string;
}

interface PendingRequest extends PlacementRequest {
  readonly enqueuedAt: number;
}

export interface ClusterServiceInput {
  readonly spec: ClusterSpec;
  readonly allocations?: readonly OwnedAllocation[];
  readonly pending?: readonly PendingRequest[];
  readonly placements?: number;
  readonly idleSince?: Readonly<Record<string, number>>;
  /** Victim allocation key → the pending task it is being evicted for. */
  readonly evicting?: Readonly<Record<string, string>>;
}

// Well under Temporal's 50k-event limit; continue-as-new also happens earlier if the server suggests it.
const MAX_HISTORY_EVENTS = 10_000;

export async function clusterService(input: ClusterServiceInput): Promise<void> {
  let spec = input.spec;
  let allocations: OwnedAllocation[] = [...(input.allocations ?? [])];
  let pending: PendingRequest[] = [...(input.pending ?? [])];
  let placements = input.placements ?? 0;
  const reasons = new Map<string, string>();
  let scaling: ScalingAdvice | undefined;
  // When each node last became empty, for the autoscaler's scale-down cooldown.
  const idleSince = new Map<string, number>(input.idleSince ? Object.entries(input.idleSince) : []);
  // Victims told to leave but still holding their resources until their run releases them, and for whom.
  const evicting = new Map<string, string>(input.evicting ? Object.entries(input.evicting) : []);
  let isDirty = pending.length > 0;

  const isKnown = (key: string) =>
    pending.some((p) => p.key === key) || allocations.some((a) => a.taskId === key);

  setHandler(requestPlacementSignal, (request) => {
    // Signals may be redelivered after a run's retry; a second request for the same key is a no-op.
    if (isKnown(request.key)) return;
    pending.push({ ...request, enqueuedAt: Date.now() });
    reasons.set(request.key, 'waiting for the next scheduling iteration');
    isDirty = true;
  });
  setHandler(releasePlacementSignal, ({ key }) => {
    allocations = allocations.filter((a) => a.taskId !== key);
    evicting.delete(key);
    pending = pending.filter((p) => p.key !== key);
    reasons.delete(key);
    isDirty = true;
  });
  setHandler(releaseRunSignal, ({ runWorkflowId }) => {
    for (const a of allocations) if (a.runWorkflowId === runWorkflowId) evicting.delete(a.taskId);
    allocations = allocations.filter((a) => a.runWorkflowId !== runWorkflowId);
    pending = pending.filter((p) => p.runWorkflowId !== runWorkflowId);
    isDirty = true;
  });
  setHandler(
    configureClusterUpdate,
    (next) => {
      spec = next;
      isDirty = true;
      return snapshot();
    },
    {
      validator: (next: ClusterSpec) => {
        // Clients validate too, but the service is the source of truth: never take a malformed inventory.
        const parsed = ClusterSpecSchema.safeParse(next);
        if (!parsed.success) throw new Error(`invalid cluster spec: ${z.prettifyError(parsed.error)}`);
        const kept = new Set(next.nodes.map((n) => n.id));
        const stranded = allocations.filter((a) => !kept.has(a.nodeId));
        if (stranded.length > 0) {
          throw new Error(
            `cannot remove node "${stranded[0]!.nodeId}": it still runs ${stranded.length} task(s), e.g. "${stranded[0]!.taskId}"`,
          );
        }
        if (next.name !== spec.name)
          throw new Error(`cluster name "${next.name}" does not match this service's cluster "${spec.name}"`);
      },
    },
  );
  setHandler(clusterSnapshotQuery, () => snapshot());

  function snapshot(): ClusterSnapshot {
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
          allocations: mine.map((a) => a.taskId),
        };
      }),
      pending: pending.map((p) => ({
        key: p.key,
        reason: reasons.get(p.key) ?? '',
        enqueuedAt: p.enqueuedAt,
      })),
      placements,
      ...(scaling ? { scaling } : {}),
    };
  }

  /** Signals a run; if the run is gone (cancelled, terminated), its reservation must not leak. */
  async function signalRun(allocationKey: string, send: () => Promise<void>): Promise<void> {
    try {
      await send();
    } catch {
      allocations = allocations.filter((a) => a.taskId !== allocationKey);
      evicting.delete(allocationKey);
      isDirty = true;
    }
  }

  const notify = (request: PendingRequest, decision: PlacementDecision) =>
    signalRun(request.key, () =>
      getExternalWorkflowHandle(request.runWorkflowId).signal(placementDecidedSignal, {
        taskId: request.taskId,
        decision,
      }),
    );

  const preempt = (victim: OwnedAllocation, reason: string) =>
    signalRun(victim.taskId, () =>
      getExternalWorkflowHandle(victim.runWorkflowId).signal(preemptTaskSignal, {
        taskId: victim.runTaskId,
        reason,
      }),
    );

  async function iterate(): Promise<void> {
    const result = schedule({
      nodes: spec.nodes.map((n) => ({
        id: n.id,
        capacity: n.capacity,
        attributes: n.attributes,
        ...(n.nodeGroup ? { nodeGroup: n.nodeGroup } : {}),
      })),
      // The scheduler must know who is already leaving: never pick them again, and count their room as
      // promised to the task they leave for.
      allocations: allocations.map((a) => {
        const forTaskId = evicting.get(a.taskId);
        return forTaskId === undefined ? a : { ...a, evictingFor: forTaskId };
      }),
      pending: pending.map((p) => ({
        id: p.key,
        request: p.request,
        constraints: p.constraints,
        tier: p.tier,
        enqueuedAt: p.enqueuedAt,
        ...(p.group ? { group: p.group } : {}),
        ...(p.expectedDurationSeconds ? { expectedDurationSeconds: p.expectedDurationSeconds } : {}),
      })),
      now: Date.now(),
      options: { ...toScheduleOptions(spec.scheduling), idleSince: Object.fromEntries(idleSince) },
    });
    scaling = result.scaling;
    const byKey = new Map(pending.map((p) => [p.key, p]));
    const notices: Promise<void>[] = [];
    for (const decision of result.decisions) {
      const request = byKey.get(decision.taskId)!;
      if (decision.kind === 'placed') {
        allocations.push({
          taskId: request.key,
          nodeId: decision.nodeId,
          request: request.request,
          constraints: request.constraints,
          tier: request.tier,
          startedAt: Date.now(),
          runWorkflowId: request.runWorkflowId,
          runTaskId: request.taskId,
          ...(request.group ? { group: request.group } : {}),
          ...(request.expectedDurationSeconds
            ? { expectedDurationSeconds: request.expectedDurationSeconds }
            : {}),
          ...(decision.cpuset ? { cpuset: decision.cpuset } : {}),
        });
        placements += 1;
        byKey.delete(request.key);
        reasons.delete(request.key);
        notices.push(
          notify(request, {
            kind: 'placed',
            nodeId: decision.nodeId,
            taskQueue: nodeTaskQueue(spec.name, decision.nodeId),
            ...(decision.cpuset ? { cpuset: decision.cpuset } : {}),
          }),
        );
      } else if (decision.isImpossible) {
        byKey.delete(request.key);
        reasons.delete(request.key);
        notices.push(notify(request, { kind: 'rejected', reason: decision.reason }));
      } else {
        reasons.set(request.key, decision.reason);
      }
    }
    for (const preemption of result.preemptions) {
      for (const victim of preemption.victims) {
        const allocation = allocations.find((a) => a.taskId === victim);
        if (!allocation || evicting.has(victim)) continue;
        evicting.set(victim, preemption.forTaskId);
        reasons.set(
          preemption.forTaskId,
          `preempting ${preemption.victims.length} flex task(s) on ${preemption.nodeId}`,
        );
        notices.push(
          preempt(allocation, `preempted on ${preemption.nodeId} for critical task ${preemption.forTaskId}`),
        );
      }
    }
    pending = pending.filter((p) => byKey.has(p.key));
    await Promise.all(notices);
  }

  function trackIdleNodes(): void {
    const busy = new Set(allocations.map((a) => a.nodeId));
    for (const node of spec.nodes) {
      if (busy.has(node.id)) idleSince.delete(node.id);
      else if (!idleSince.has(node.id)) idleSince.set(node.id, Date.now());
    }
  }

  for (;;) {
    await condition(() => isDirty || workflowInfo().continueAsNewSuggested);
    if (isDirty) {
      isDirty = false;
      trackIdleNodes();
      await iterate();
      trackIdleNodes();
    }
    const info = workflowInfo();
    if (!isDirty && (info.continueAsNewSuggested || info.historyLength > MAX_HISTORY_EVENTS)) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof clusterService>({
        spec,
        allocations,
        pending,
        placements,
        idleSince: Object.fromEntries(idleSince),
        evicting: Object.fromEntries(evicting),
      });
    }
  }
}
