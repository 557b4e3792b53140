/**
 * What a run's workflow carries from its start for people who look at it in the Temporal Web UI or query
 * it: the static summary (pipeline and what started it), the static details (the task list) and the search
 * attributes. One function, so a run started by hand, by a schedule and by a trigger read the same.
 */
import { SearchAttribute } from '../common/names.js';
import type { PipelineSpec, TaskSpec } from '../pipeline/schema.js';
import type { RunOrigin } from '../workflows/definitions.js';

/** The Temporal UI shows details as markdown; past this many tasks the list says how many more there are. */
const MAX_LISTED_TASKS = 100;
/** … and a task's dependencies past this many (a fan-in of thousands would fill the page). */
const MAX_LISTED_DEPENDENCIES = 5;

export interface RunStartMetadata {
  readonly staticSummary: string;
  readonly staticDetails: string;
  readonly searchAttributes: Record<string, string[]>;
}

export function describeOrigin(origin: RunOrigin): string {
  switch (origin.kind) {
    case 'manual':
      return 'started by hand';
    case 'rerun':
      return `rerun of ${origin.fromRun}`;
    case 'schedule':
      return `schedule ${origin.scheduleId}`;
    case 'pipeline':
      return `after run ${origin.upstream.runId} of ${origin.upstream.pipeline} (${origin.upstream.status})`;
  }
}

function taskKind(task: TaskSpec): string {
  if (task.pipelineSpec) return `pipeline ${task.pipelineSpec.name}`;
  const image = task.image ?? '(no image)';
  return task.foreach === undefined ? image : `foreach · ${image}`;
}

function taskLine(task: TaskSpec): string {
  const named = task.dependsOn.slice(0, MAX_LISTED_DEPENDENCIES).join(', ');
  const more = task.dependsOn.length - MAX_LISTED_DEPENDENCIES;
  const after = task.dependsOn.length > 0 ? ` ← ${named}${more > 0 ? ` and ${more} more` : ''}` : '';
  return `- \`${task.id}\` ${taskKind(task)}${after}`;
}

export function runStartMetadata(spec: PipelineSpec, origin: RunOrigin): RunStartMetadata {
  const listed = spec.tasks.slice(0, MAX_LISTED_TASKS).map(taskLine);
  const more = spec.tasks.length - listed.length;
  const staticDetails = [
    `**${spec.name}**: ${spec.tasks.length} task(s)${spec.description ? ` — ${spec.description}` : ''}`,
    '',
    ...listed,
    ...(more > 0 ? [`- … and ${more} more`] : []),
  ].join('\n');
  const searchAttributes: Record<string, string[]> = {
    [SearchAttribute.Pipeline]: [spec.name],
    [SearchAttribute.Status]: ['running'],
    [SearchAttribute.Trigger]: [origin.kind],
  };
  if (origin.kind === 'schedule') searchAttributes[SearchAttribute.Schedule] = [origin.scheduleId];
  if (origin.kind === 'pipeline') searchAttributes[SearchAttribute.UpstreamRun] = [origin.upstream.runId];
  return {
    staticSummary: `${spec.name} · ${describeOrigin(origin)}`,
    staticDetails,
    searchAttributes,
  };
}
