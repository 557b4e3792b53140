/**
 * Pipeline triggers as a graph: an edge from pipeline A to pipeline B for every registered trigger that
 * starts B after a run of A. A registration that would close a loop (A starts B starts A, or A after A) is
 * refused, since each run of the loop would start the next for ever. Uses the pipeline model's one cycle
 * finder (find-cycles.ts, Tarjan's components), O(V + E) over all registrations.
 */
import { findCycles } from './find-cycles.js';
import type { PipelineTrigger, TriggerStatus } from './schema.js';

/** What the loop check reads of a registration: which pipeline it starts, and after which. */
export interface TriggerEdges {
  readonly id: string;
  /** The pipeline the trigger starts. */
  readonly pipeline: string;
  readonly triggers: readonly Pick<PipelineTrigger, 'afterPipeline'>[];
}

export interface TriggerLoop {
  /** Pipelines in the order they would start each other; the first is repeated at the end. */
  readonly pipelines: readonly string[];
  /** The registrations whose edges make the loop, in loop order (the new one among them). */
  readonly triggerIds: readonly string[];
}

/**
 * The loop that `added` would close among `registered` (which has none, since every registration went
 * through this check), or undefined. The loop is reported starting at `added`'s pipeline.
 */
export function findTriggerLoop(
  registered: readonly TriggerEdges[],
  added: TriggerEdges,
): TriggerLoop | undefined {
  if (added.triggers.some((t) => t.afterPipeline === added.pipeline)) {
    return { pipelines: [added.pipeline, added.pipeline], triggerIds: [added.id] };
  }
  const all = [...registered, added];
  // "B depends on A" when a run of A starts B: find-cycles reports cycles in depends-on order.
  const dependsOn = new Map<string, string[]>();
  const ids: string[] = [];
  const addNode = (name: string) => {
    if (!dependsOn.has(name)) {
      dependsOn.set(name, []);
      ids.push(name);
    }
  };
  // The added pipeline first, so a cycle through it is reported starting there.
  addNode(added.pipeline);
  for (const registration of all) {
    addNode(registration.pipeline);
    for (const { afterPipeline } of registration.triggers) {
      addNode(afterPipeline);
      dependsOn.get(registration.pipeline)!.push(afterPipeline);
    }
  }
  const found = findCycles(ids, dependsOn).find(({ component }) => component.includes(added.pipeline));
  if (found === undefined) return undefined;
  // Depends-on order (B, A, B) reversed is start order (B, A, B read as "B starts A starts B").
  const pipelines = [...found.cycle].reverse();
  const triggerIds = pipelines.slice(1).map((downstream, i) => {
    const upstream = pipelines[i]!;
    const edge =
      downstream === added.pipeline && added.triggers.some((t) => t.afterPipeline === upstream)
        ? added
        : all.find((r) => r.pipeline === downstream && r.triggers.some((t) => t.afterPipeline === upstream));
    return edge?.id ?? '?';
  });
  return { pipelines, triggerIds };
}

/** `trigger loop: a → b → a (triggers "x", "y")`. */
export function describeTriggerLoop(loop: TriggerLoop): string {
  return `trigger loop: ${loop.pipelines.join(' → ')} (triggers ${loop.triggerIds.map((id) => `"${id}"`).join(', ')})`;
}

/** True when a run of `pipeline` that ended as `status` starts a pipeline with these triggers. */
export function isTriggeredBy(
  triggers: readonly PipelineTrigger[],
  pipeline: string,
  status: Exclude<TriggerStatus, 'finished'>,
): boolean {
  return triggers.some(
    (t) => t.afterPipeline === pipeline && (t.status === 'finished' || t.status === status),
  );
}
