/**
 * The cluster service as it ran before decisions moved into the signal handlers (see ../cluster-service.ts).
 * Frozen: executions that started under it replay through it until they continue as new, and recorded
 * histories depend on its exact commands. Do not change what it sends or when.
 *
 * Its flaw, kept for replay only: it decides in a loop that wakes after signal handlers ran, and waits for
 * every notice of an iteration to be acknowledged before the next one, so which requests share an iteration
 * depends on how the signals were interleaved with the loop when it first ran. A worker that has cached the
 * workflow from a query can see that interleaving differently from a replay of the same history.
 */
import { type ChangeSignature, checkAdminSignature } from '../../common/cluster-admins.js';
import {
  allHandlersFinished,
  condition,
  continueAsNew,
  getExternalWorkflowHandle,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { ClusterSpec } from '../../common/cluster-spec.js';
import { nodeTaskQueue } from '../../common/names.js';
import { schedule } from '../../scheduler/placement/schedule.js';
import type { ScalingAdvice } from '../../scheduler/placement/types.js';
import {
  type PlacementDecision,
  type PlacementRequest,
  clusterSnapshotQuery,
  configureClusterUpdate,
  placementDecidedSignal,
  preemptTaskSignal,
  releasePlacementSignal,
  releasePlacementsSignal,
  releaseRunSignal,
  requestPlacementSignal,
  requestPlacementsSignal,
} from '../definitions.js';
import {
  type ClusterServiceInput,
  type OwnedAllocation,
  type PendingRequest,
  allocationOf,
  checkReconfiguration,
  scheduleInputOf,
  snapshotOf,
  trackIdleNodes,
} from './state.js';

const LEGACY_MAX_HISTORY_EVENTS = 10_000;

export async function legacyClusterService(input: ClusterServiceInput): Promise<void> {
  let spec = input.spec;
  let allocations: OwnedAllocation[] = [...(input.allocations ?? [])];
  let pending: PendingRequest[] = [...(input.pending ?? [])];
  let placements = input.placements ?? 0;
  const reasons = new Map<string, string>();
  let scaling: ScalingAdvice | undefined;
  const idleSince = new Map<string, number>(input.idleSince ? Object.entries(input.idleSince) : []);
  const evicting = new Map<string, string>(input.evicting ? Object.entries(input.evicting) : []);
  let isDirty = pending.length > 0;

  const isKnown = (key: string) =>
    pending.some((p) => p.key === key) || allocations.some((a) => a.taskId === key);

  function enqueue(request: PlacementRequest): void {
    if (isKnown(request.key)) return;
    pending.push({ ...request, enqueuedAt: Date.now() });
    reasons.set(request.key, 'waiting for the next scheduling iteration');
    isDirty = true;
  }
  function free(key: string): void {
    allocations = allocations.filter((a) => a.taskId !== key);
    evicting.delete(key);
    pending = pending.filter((p) => p.key !== key);
    reasons.delete(key);
    isDirty = true;
  }
  setHandler(requestPlacementSignal, enqueue);
  setHandler(releasePlacementSignal, ({ key }) => free(key));
  // Batches from runs of newer code until this execution hands over; answered one by one, which runs take.
  setHandler(requestPlacementsSignal, ({ requests }) => requests.forEach(enqueue));
  setHandler(releasePlacementsSignal, ({ keys }) => keys.forEach(free));
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
      validator: (next: ClusterSpec, signature?: ChangeSignature) => {
        checkReconfiguration(next, spec, allocations);
        checkAdminSignature(next, spec, signature, Date.now());
      },
    },
  );
  setHandler(clusterSnapshotQuery, () => snapshot());

  function snapshot() {
    return snapshotOf({ spec, allocations, pending, reasons, placements, scaling });
  }

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
    const result = schedule(
      scheduleInputOf({ spec, allocations, pending, evicting, idleSince, now: Date.now() }),
    );
    scaling = result.scaling;
    const byKey = new Map(pending.map((p) => [p.key, p]));
    const notices: Promise<void>[] = [];
    for (const decision of result.decisions) {
      const request = byKey.get(decision.taskId)!;
      if (decision.kind === 'placed') {
        allocations.push(allocationOf(request, decision.nodeId, decision.cpuset, Date.now()));
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

  for (;;) {
    await condition(() => isDirty || workflowInfo().continueAsNewSuggested);
    if (isDirty) {
      isDirty = false;
      trackIdleNodes(spec, allocations, idleSince, Date.now());
      await iterate();
      trackIdleNodes(spec, allocations, idleSince, Date.now());
    }
    const info = workflowInfo();
    if (!isDirty && (info.continueAsNewSuggested || info.historyLength > LEGACY_MAX_HISTORY_EVENTS)) {
      await condition(allHandlersFinished);
      await continueAsNew<(input: ClusterServiceInput) => Promise<void>>({
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
