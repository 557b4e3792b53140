/**
 * What a task may refer to: the pipeline's params, and the declared outputs of the tasks upstream of it
 * (its transitive dependencies). Built from the tolerant task view, so it works on invalid definitions too.
 * A task's upstream set is computed the first time one of its templates names another task, and kept: a
 * 100,000-task pipeline without templates costs O(V + E), not the O(V·(V + E)) of building every set.
 */
import { isRecord, type TaskView } from './view-tasks.js';

export interface DeclaredOutputs {
  readonly parameters: ReadonlySet<string>;
  readonly artifacts: ReadonlySet<string>;
}

export interface PipelineScope {
  readonly params: ReadonlySet<string>;
  /** By task id; for a duplicated id, its first declaration. */
  readonly tasks: ReadonlyMap<string, DeclaredOutputs>;
  /** Every task `id` depends on, directly or not (computed on first use, then kept). */
  readonly upstreamOf: (id: string) => ReadonlySet<string>;
  /** The pipeline declares `triggers`, so its runs have an upstream run (`{{ trigger.* }}`). */
  readonly hasTriggers: boolean;
  /** The names the pipeline declares under `secrets`. */
  readonly secrets: ReadonlySet<string>;
}

export function buildScope(pipeline: unknown, tasks: readonly TaskView[]): PipelineScope {
  const params = isRecord(pipeline) && isRecord(pipeline['params']) ? Object.keys(pipeline['params']) : [];
  const declared = new Map<string, DeclaredOutputs>();
  const dependsOn = new Map<string, string[]>();
  for (const task of tasks) {
    if (task.id === undefined || declared.has(task.id)) continue;
    declared.set(task.id, declaredOutputs(task.fields['outputs']));
    dependsOn.set(
      task.id,
      task.dependsOn.filter((id): id is string => typeof id === 'string'),
    );
  }
  const upstream = new Map<string, ReadonlySet<string>>();
  const upstreamOf = (id: string): ReadonlySet<string> => {
    let set = upstream.get(id);
    if (set === undefined) upstream.set(id, (set = reachable(id, dependsOn)));
    return set;
  };
  const triggers = isRecord(pipeline) ? pipeline['triggers'] : undefined;
  const hasTriggers = Array.isArray(triggers) && triggers.length > 0;
  const secrets = isRecord(pipeline) && isRecord(pipeline['secrets']) ? Object.keys(pipeline['secrets']) : [];
  return { params: new Set(params), tasks: declared, upstreamOf, hasTriggers, secrets: new Set(secrets) };
}

/** What is wrong with task `from` using the outputs of task `taskId`, or undefined when it may. */
export function taskRefProblem(scope: PipelineScope, from: string, taskId: string): string | undefined {
  if (taskId === from) return `task "${from}" cannot use its own outputs`;
  if (!scope.tasks.has(taskId)) return `unknown task "${taskId}"`;
  if (!scope.tasks.has(from) || !scope.upstreamOf(from).has(taskId)) {
    return `task "${taskId}" is not upstream of "${from}"`;
  }
  return undefined;
}

/** What is wrong with naming output `name` of a known task, or undefined when it is declared. */
export function outputProblem(
  scope: PipelineScope,
  taskId: string,
  kind: 'output' | 'artifact',
  name: string,
): string | undefined {
  const outputs = scope.tasks.get(taskId);
  if (outputs === undefined) return `unknown task "${taskId}"`;
  const names = kind === 'output' ? outputs.parameters : outputs.artifacts;
  if (names.has(name)) return undefined;
  return `task "${taskId}" declares no output ${kind === 'output' ? '' : 'artifact '}"${name}"`;
}

function declaredOutputs(outputs: unknown): DeclaredOutputs {
  const names = (key: string): Set<string> => {
    const list = isRecord(outputs) ? outputs[key] : undefined;
    if (!Array.isArray(list)) return new Set();
    return new Set(
      list.flatMap((output: unknown) =>
        isRecord(output) && typeof output['name'] === 'string' ? [output['name']] : [],
      ),
    );
  };
  return { parameters: names('parameters'), artifacts: names('artifacts') };
}

function reachable(start: string, dependsOn: ReadonlyMap<string, readonly string[]>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(dependsOn.get(start) ?? [])];
  for (let id = stack.pop(); id !== undefined; id = stack.pop()) {
    if (seen.has(id) || !dependsOn.has(id)) continue;
    seen.add(id);
    stack.push(...(dependsOn.get(id) ?? []));
  }
  return seen;
}
