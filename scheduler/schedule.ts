/**
 * Placement entry point. Guarantees: no node is overcommitted in any resource; the same input gives the same
 * output (ties broken by node id); every pending task gets exactly one decision.
 * This first version is best fit by remaining cpu+memory fraction, largest tasks first; O(T·N).
 */
import { fits, freeResources } from './resources.js';
import type { ScheduleInput, ScheduleResult, TaskDecision } from './types.js';

export function schedule(input: ScheduleInput): ScheduleResult {
  const nodes = [...input.nodes].sort((a, b) => (a.id < b.id ? -1 : a.id > b.id ? 1 : 0));
  const free = new Map(
    nodes.map((node) => [
      node.id,
      freeResources(
        node.capacity,
        input.allocations.filter((a) => a.nodeId === node.id).map((a) => a.request),
      ),
    ]),
  );
  const order = [...input.pending].sort(
    (a, b) => (b.request['cpu'] ?? 0) - (a.request['cpu'] ?? 0) || (a.id < b.id ? -1 : a.id > b.id ? 1 : 0),
  );
  const byId = new Map<string, TaskDecision>();
  for (const task of order) {
    let best: { nodeId: string; score: number } | undefined;
    for (const node of nodes) {
      const nodeFree = free.get(node.id)!;
      if (!fits(task.request, nodeFree)) continue;
      const score = Object.entries(task.request).reduce(
        (sum, [name, amount]) => sum + ((nodeFree[name] ?? 0) - amount) / (node.capacity[name] ?? 1),
        0,
      );
      if (!best || score < best.score) best = { nodeId: node.id, score };
    }
    if (best) {
      const nodeFree = free.get(best.nodeId)!;
      for (const [name, amount] of Object.entries(task.request)) nodeFree[name] = (nodeFree[name] ?? 0) - amount;
      byId.set(task.id, { kind: 'placed', taskId: task.id, nodeId: best.nodeId });
    } else {
      const isImpossible = !nodes.some((node) => fits(task.request, node.capacity));
      byId.set(task.id, {
        kind: 'unplaced',
        taskId: task.id,
        isImpossible,
        reason: isImpossible ? 'larger than every node of the cluster' : 'waiting for free capacity',
      });
    }
  }
  return { decisions: input.pending.map((t) => byId.get(t.id)!), preemptions: [] };
}
