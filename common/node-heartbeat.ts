/** Node heartbeats' timing, shared by the node workers that send them and the cluster service that reads them. */

/** A node silent this long is lost, unless the cluster says otherwise (`nodeLostAfterSeconds`). */
export const DEFAULT_NODE_LOST_SECONDS = 30;

/**
 * How often node workers send heartbeats for a given loss timeout: a fifth of it, between 1 and 10 s, so a
 * live node lands several in every window the service judges it by (workflows/cluster/node-health.ts).
 */
export function heartbeatIntervalMs(lostAfterSeconds: number): number {
  return Math.min(10_000, Math.max(1_000, (lostAfterSeconds * 1000) / 5));
}
