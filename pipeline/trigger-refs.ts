/**
 * What a pipeline's templates read of the upstream run that a pipeline trigger started it after
 * (`{{ trigger.runId }}`, `{{ trigger.outputs.TASK.NAME }}`): the triggered run carries only those outputs,
 * so its input stays small whatever the upstream produced. Sub-pipelines cannot refer to the upstream run
 * (check-templates.ts), so only the pipeline's own tasks are read.
 */
import type { PipelineSpec } from './schema.js';
import { collectRefs, formatRef } from './templates.js';

/** The upstream outputs the pipeline's templates name, by task id then output names, in first-use order. */
export function triggerOutputsNamed(spec: PipelineSpec): Map<string, Set<string>> {
  const named = new Map<string, Set<string>>();
  for (const task of spec.tasks) {
    for (const ref of collectRefs(task)) {
      if (ref.kind !== 'triggerOutput') continue;
      const names = named.get(ref.taskId) ?? new Set<string>();
      names.add(ref.name);
      named.set(ref.taskId, names);
    }
  }
  return named;
}

/** The first `{{ trigger.* }}` reference of the pipeline's tasks, as `task "ID" <template>`, if any. */
export function firstTriggerReference(spec: PipelineSpec): string | undefined {
  for (const task of spec.tasks) {
    const ref = collectRefs(task).find((r) => r.kind === 'triggerRunId' || r.kind === 'triggerOutput');
    if (ref === undefined) continue;
    return `task "${task.id}" uses ${formatRef(ref)}`;
  }
  return undefined;
}
