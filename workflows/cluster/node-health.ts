/**
 * Node health (issue #11): node workers send heartbeats (`nodeHeartbeat`, engine/node-heartbeat.ts), and a
 * node whose heartbeats stop for `nodeLostAfterSeconds` is lost: the service frees and preempts what it ran,
 * so the runs place those tasks on other nodes (a platform retry, not one of the user's attempts). When
 * the node sends a heartbeat again, its leftover task containers are removed on it before it takes work.
 *
 * Loss is decided in two steps. After two thirds of the timeout without a heartbeat the node is `suspect`
 * (it gets no new placements), and it is lost only if no heartbeat arrives within a last window of a third
 * of the timeout, measured from that moment. The window is a timer of fixed length started by the service
 * itself, so an outage of Temporal or of the control worker, after which every overdue timer fires at once,
 * cannot take healthy nodes for lost: their workers resend within a second or two of the server's return.
 *
 * Determinism: like the rest of the service, time comes from the messages (`at`) and from the timers'
 * deadlines, never from the activation's clock; `Date.now()` only sizes a timer, which replay ignores.
 * Nodes whose workers never sent a heartbeat are not watched, so services, histories and tests without
 * heartbeats behave as before; a worker that stops on purpose says so (`leaving`) and is not watched either.
 */
import { condition, patched, sleep } from '@temporalio/workflow';
import type { NodeHealthState, NodeHeartbeat } from '../definitions.js';

/** Marks the service executions that take heartbeats (older ones ignore the signal, as they did). */
export const NODE_HEALTH_PATCH = 'gantry-cluster-node-health';

export { DEFAULT_NODE_LOST_SECONDS } from '../../common/node-heartbeat.js';

export interface NodeHealthEntry {
  readonly state: NodeHealthState;
  /** The service's clock when the node's last heartbeat arrived. */
  readonly lastSeen: number;
}

// A timer: started, fired, and a workflow task of its own. An activity: scheduled, started, completed, and
// a workflow task of its own. The patch's marker: one event, once.
const EVENTS_PER_TIMER = 5;
const EVENTS_PER_ACTIVITY = 6;

export interface NodeHealthHooks {
  readonly lostAfterSeconds: () => number;
  /** The ids of the cluster's nodes now. */
  readonly nodeIds: () => readonly string[];
  readonly clock: () => number;
  readonly advanceClock: (at: number) => void;
  /** True once the service hands over: the watch stops, and the next execution starts its own. */
  readonly isStopping: () => boolean;
  /** Counts the history events of what the tracker adds. */
  readonly countEvents: (events: number) => void;
  /** The node is lost: free and preempt what it runs. */
  readonly onLost: (nodeId: string, reason: string) => void;
  /** A node takes work again: decide what waits. */
  readonly onAvailable: () => void;
  /** Removes the task containers a node that comes back may still run (an activity on its queue). */
  readonly clearNode: (nodeId: string) => Promise<unknown>;
}

export interface NodeHealthTracker {
  heartbeat(beat: NodeHeartbeat): void;
  /** Nodes that take no new placements: suspect, lost or returning. */
  unavailable(): ReadonlySet<string>;
  /** Whether a hand-off may keep its room on the node (lost or returning nodes run nothing). */
  isDown(nodeId: string): boolean;
  entries(): ReadonlyMap<string, NodeHealthEntry>;
}

export function trackNodeHealth(
  initial: Readonly<Record<string, NodeHealthEntry>> | undefined,
  hooks: NodeHealthHooks,
): NodeHealthTracker {
  // A node that was being cleared when the service handed over is lost again: the clearing activity went with
  // the old execution, and its next heartbeat starts another.
  const health = new Map<string, NodeHealthEntry>(
    Object.entries(initial ?? {}).map(([id, e]) => [
      id,
      e.state === 'returning' ? { ...e, state: 'lost' } : e,
    ]),
  );
  let hasMarker = false;
  let isWatching = false;
  const lostAfterMs = () => hooks.lostAfterSeconds() * 1000;
  const isWatched = (e: NodeHealthEntry) => e.state === 'healthy' || e.state === 'suspect';

  function startWatch(): void {
    if (isWatching) return;
    isWatching = true;
    void watch();
  }

  async function watch(): Promise<void> {
    for (;;) {
      await condition(() => hooks.isStopping() || [...health.values()].some(isWatched));
      if (hooks.isStopping()) return;
      // Nodes taken out of the cluster are no longer watched.
      const known = new Set(hooks.nodeIds());
      for (const id of [...health.keys()]) if (!known.has(id)) health.delete(id);
      if (![...health.values()].some(isWatched)) continue;
      const timeout = lostAfterMs();
      const suspects = [...health].filter(([, e]) => e.state === 'suspect').map(([id]) => id);
      // A suspect's last window is a full third of the timeout from now, however late this moment came.
      let wakeAt: number;
      let durationMs: number;
      if (suspects.length > 0) {
        wakeAt = hooks.clock() + timeout / 3;
        durationMs = timeout / 3;
      } else {
        const oldest = Math.min(...[...health.values()].filter(isWatched).map((e) => e.lastSeen));
        wakeAt = oldest + (timeout * 2) / 3;
        durationMs = wakeAt - Math.max(hooks.clock(), Date.now());
      }
      hooks.countEvents(EVENTS_PER_TIMER);
      await sleep(Math.max(1, durationMs));
      if (hooks.isStopping()) return;
      hooks.advanceClock(wakeAt);
      for (const id of suspects) {
        if (health.get(id)?.state !== 'suspect') continue;
        health.set(id, { state: 'lost', lastSeen: health.get(id)!.lastSeen });
        hooks.onLost(id, `node ${id} lost: no heartbeat for ${Math.round(timeout / 1000)}s`);
      }
      for (const [id, e] of health) {
        if (e.state === 'healthy' && e.lastSeen + (timeout * 2) / 3 <= hooks.clock())
          health.set(id, { ...e, state: 'suspect' });
      }
    }
  }

  /** A lost node sent a heartbeat: its leftovers go before it takes work; a failure leaves it lost. */
  function welcomeBack(id: string): void {
    health.set(id, { state: 'returning', lastSeen: hooks.clock() });
    hooks.countEvents(EVENTS_PER_ACTIVITY);
    void hooks.clearNode(id).then(
      () => {
        const e = health.get(id);
        if (e?.state !== 'returning') return;
        health.set(id, { state: 'healthy', lastSeen: e.lastSeen });
        hooks.onAvailable();
      },
      () => {
        const e = health.get(id);
        if (e?.state === 'returning') health.set(id, { ...e, state: 'lost' });
      },
    );
  }

  if (health.size > 0) startWatch();

  return {
    heartbeat(beat) {
      if (!patched(NODE_HEALTH_PATCH)) return;
      if (!hasMarker) hooks.countEvents(1);
      hasMarker = true;
      hooks.advanceClock(beat.at);
      const known = new Set(hooks.nodeIds());
      let isBack = false;
      for (const id of beat.nodes) {
        if (!known.has(id)) continue;
        const e = health.get(id);
        if (beat.leaving) {
          // A lost node that leaves again stays lost: its leftovers are still to be removed.
          if (e === undefined || isWatched(e)) health.delete(id);
          isBack ||= e?.state === 'suspect';
        } else if (e?.state === 'lost') welcomeBack(id);
        else if (e?.state === 'returning') health.set(id, { ...e, lastSeen: hooks.clock() });
        else {
          health.set(id, { state: 'healthy', lastSeen: hooks.clock() });
          isBack ||= e?.state === 'suspect';
        }
      }
      startWatch();
      if (isBack) hooks.onAvailable();
    },
    unavailable() {
      const ids = new Set<string>();
      for (const [id, e] of health) if (e.state !== 'healthy') ids.add(id);
      return ids;
    },
    isDown(nodeId) {
      const state = health.get(nodeId)?.state;
      return state === 'lost' || state === 'returning';
    },
    entries: () => health,
  };
}
