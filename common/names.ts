/** Names shared by the CLI, workers and workflows. Task-queue and workflow-id shapes are wire contracts. */

export const DEFAULT_CONTROL_TASK_QUEUE = 'gantry-control';
export const DEFAULT_CLUSTER_NAME = 'default';
export const WORKSPACE_MOUNT_PATH = '/workspace';

/**
 * Custom search attributes (all Keyword), registered on the dev server by scripts/ensure-temporal.sh.
 * `Trigger` is what started the run (`manual`, `rerun`, `schedule`, `pipeline`); `Schedule` the schedule's id
 * and `UpstreamRun` the upstream run's id when a schedule or a pipeline trigger started it.
 */
export const SearchAttribute = {
  Pipeline: 'GantryPipeline',
  Status: 'GantryStatus',
  Schedule: 'GantrySchedule',
  Trigger: 'GantryTrigger',
  UpstreamRun: 'GantryUpstreamRun',
} as const;

/**
 * The workflow that keeps the registered pipeline triggers: one per control task queue, since every run on
 * that queue tells it when it ends (test clusters each have a queue of their own, so they share none).
 */
export function triggerRegistryWorkflowId(controlTaskQueue: string): string {
  return controlTaskQueue === DEFAULT_CONTROL_TASK_QUEUE
    ? 'gantry-triggers'
    : `gantry-triggers-${controlTaskQueue}`;
}

/** The workflow id a schedule gives its action; Temporal appends each firing's nominal time to it. */
export function scheduleActionWorkflowId(scheduleId: string): string {
  return runWorkflowId(scheduleId);
}

export const Label = {
  Run: 'gantry.run',
  Task: 'gantry.task',
  Attempt: 'gantry.attempt',
  Pipeline: 'gantry.pipeline',
  Node: 'gantry.node',
  /** The cluster whose node ran it (containers of older workers lack it). */
  Cluster: 'gantry.cluster',
} as const;

export function clusterWorkflowId(clusterName: string): string {
  return `gantry-cluster-${clusterName}`;
}

/**
 * A run id starts with the pipeline name, so the workflow id holds it too and runs are findable by eye in
 * the Temporal Web UI. `now` and `entropy` come from the caller to keep this pure.
 */
export function newRunId(pipelineName: string, now: Date, entropy: string): string {
  const stamp = now.toISOString().replace(/[-:]/g, '').replace('T', '-').slice(0, 15);
  return `${pipelineName}-${stamp}-${entropy
    .toLowerCase()
    .replace(/[^a-z0-9]/g, '')
    .slice(0, 6)}`;
}

export function runWorkflowId(runId: string): string {
  return `gantry-run-${runId}`;
}

/**
 * A run's id from its workflow id. A schedule's runs share one static input, so their id comes from the
 * workflow id Temporal gives each firing: the action's id plus the nominal time (`…-2026-12-01T03:00:00Z`).
 */
export function runIdFromWorkflowId(workflowId: string): string {
  return workflowId.startsWith('gantry-run-') ? workflowId.slice('gantry-run-'.length) : workflowId;
}

export function nodeTaskQueue(clusterName: string, nodeId: string): string {
  return `gantry-${clusterName}-node-${nodeId}`;
}

/**
 * Docker names allow only `[a-zA-Z0-9_.-]`, while foreach item ids look like `train[12]`: an index becomes
 * `.12`, and any other character (`.` included) `.x<hex>.`, so distinct ids keep distinct names. (The exact id stays in the `gantry.task` label.)
 */
function dockerNamePart(id: string): string {
  return id.replace(/\[(\d+)\]|[^a-zA-Z0-9_-]/gu, (c, index?: string) =>
    index === undefined ? `.x${c.codePointAt(0)!.toString(16)}.` : `.${index}`,
  );
}

/** Deterministic so that a retried activity finds the container of a previous try of the same attempt. */
export function containerName(runId: string, taskId: string, attempt: number): string {
  return `gantry-${dockerNamePart(runId)}-${dockerNamePart(taskId)}-${attempt}`;
}

/** Docker volume names allow what container names allow; a scheduled run's id holds `:`. */
export function workspaceVolumeName(runId: string): string {
  return `gantry-ws-${dockerNamePart(runId)}`;
}
