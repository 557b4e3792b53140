/**
 * Cross-field rules on the two kinds of task: a container (`image`) or a sub-pipeline (`pipeline`, or
 * `pipelineSpec` given inline), never both. Container outputs are read from a path; sub-pipeline outputs map
 * a child's output (`from`). Also: output names are unique per task and `maxParallel` needs `foreach`.
 */
import { isRecord, type RuleIssue, type TaskView } from './view-tasks.js';

/** Fields that only mean something to a container; a sub-pipeline task setting one is a mistake. */
const CONTAINER_ONLY_FIELDS = ['command', 'args', 'env', 'workingDir', 'user', 'mounts', 'inputs'] as const;
const OUTPUT_KINDS = ['parameters', 'artifacts'] as const;

export function checkTaskKinds(tasks: readonly TaskView[]): RuleIssue[] {
  return tasks.flatMap((task) => {
    const { fields } = task;
    const base = ['tasks', task.index];
    const name = `"${task.id ?? '?'}"`;
    const subPipelineField = ['pipeline', 'pipelineSpec'].find((key) => fields[key] !== undefined);
    const issues = [...checkOutputNames(task, base, name), ...checkMaxParallel(task, base, name)];
    if (fields['image'] !== undefined && subPipelineField !== undefined) {
      issues.push({
        path: base,
        message: `task ${name} sets both "image" and "${subPipelineField}"; a task runs a container or a sub-pipeline, not both`,
      });
    } else if (fields['image'] === undefined && subPipelineField === undefined) {
      issues.push({
        path: base,
        message: `task ${name} needs "image" (a container) or "pipeline" (a sub-pipeline)`,
      });
    } else if (subPipelineField === undefined) {
      issues.push(...checkContainerTask(task, base, name));
    } else if (fields['image'] === undefined) {
      issues.push(...checkSubPipelineTask(task, base, name));
    }
    return issues;
  });
}

function checkContainerTask(task: TaskView, base: readonly PropertyKey[], name: string): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const { kind, position, output } of outputsOf(task)) {
    const path = [...base, 'outputs', kind, position];
    if (output['from'] !== undefined) {
      issues.push({
        path: [...path, 'from'],
        message: `"from" is for sub-pipeline tasks; task ${name} runs a container`,
      });
    }
    if (kind === 'artifacts' && output['path'] === undefined) {
      issues.push({
        path: [...path, 'path'],
        message: `is required for an artifact of container task ${name}`,
      });
    }
  }
  if (task.fields['params'] !== undefined) {
    issues.push({
      path: [...base, 'params'],
      message: `params are for sub-pipeline tasks; task ${name} runs a container`,
    });
  }
  return issues;
}

function checkSubPipelineTask(task: TaskView, base: readonly PropertyKey[], name: string): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const { kind, position, output } of outputsOf(task)) {
    const path = [...base, 'outputs', kind, position];
    if (output['from'] === undefined) {
      issues.push({
        path: [...path, 'from'],
        message: `is required for an output of sub-pipeline task ${name}`,
      });
    }
    if (output['path'] !== undefined) {
      issues.push({
        path: [...path, 'path'],
        message: `"path" is for container tasks; task ${name} runs a sub-pipeline`,
      });
    }
  }
  for (const key of CONTAINER_ONLY_FIELDS) {
    if (isSet(task.fields[key])) {
      issues.push({
        path: [...base, key],
        message: `"${key}" is for container tasks; task ${name} runs a sub-pipeline`,
      });
    }
  }
  return issues;
}

function checkOutputNames(task: TaskView, base: readonly PropertyKey[], name: string): RuleIssue[] {
  const issues: RuleIssue[] = [];
  const first = new Map<string, number>();
  for (const { kind, position, output } of outputsOf(task)) {
    const outputName = output['name'];
    if (typeof outputName !== 'string') continue;
    const key = `${kind}/${outputName}`;
    const earlier = first.get(key);
    if (earlier === undefined) {
      first.set(key, position);
      continue;
    }
    const what = kind === 'parameters' ? 'output' : 'output artifact';
    issues.push({
      path: [...base, 'outputs', kind, position, 'name'],
      message: `duplicate ${what} "${outputName}" of task ${name} (also ${kind}[${earlier}])`,
    });
  }
  return issues;
}

function checkMaxParallel(task: TaskView, base: readonly PropertyKey[], name: string): RuleIssue[] {
  if (task.fields['maxParallel'] === undefined || task.fields['foreach'] !== undefined) return [];
  return [{ path: [...base, 'maxParallel'], message: `task ${name} has no foreach to limit` }];
}

interface OutputEntry {
  readonly kind: (typeof OUTPUT_KINDS)[number];
  readonly position: number;
  readonly output: Readonly<Record<string, unknown>>;
}

function outputsOf(task: TaskView): OutputEntry[] {
  const outputs = task.fields['outputs'];
  if (!isRecord(outputs)) return [];
  return OUTPUT_KINDS.flatMap((kind) => {
    const list = outputs[kind];
    if (!Array.isArray(list)) return [];
    return list.flatMap((output: unknown, position) =>
      isRecord(output) ? [{ kind, position, output }] : [],
    );
  });
}

/** Set explicitly: schema defaults (`env: {}`, `mounts: []`, `inputs: { artifacts: [] }`) do not count. */
function isSet(value: unknown): boolean {
  if (value === undefined) return false;
  if (Array.isArray(value)) return value.length > 0;
  if (isRecord(value)) return Object.values(value).some(isSet);
  return true;
}
