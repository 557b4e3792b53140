/**
 * `gantry list`: finds runs through Temporal's visibility store, by the search attributes every run
 * carries from its start (engine/run-metadata.ts) and upserts as it ends. The same filters are one query in
 * the Temporal Web UI: `runListQuery` is that query.
 */
import type { Client, WorkflowExecutionInfo } from '@temporalio/client';
import { SearchAttribute, runIdFromWorkflowId } from '../common/names.js';
import type { RunOrigin } from '../workflows/definitions.js';

/**
 * What `--status` accepts. `running`, `succeeded`, `failed` and `cancelled` are the run's own status;
 * `terminated` is a run ended from outside (`temporal workflow terminate`), which never said how it ended.
 */
export const LISTED_STATUSES = ['running', 'succeeded', 'failed', 'cancelled', 'terminated'] as const;
export type ListedStatus = (typeof LISTED_STATUSES)[number];

/** What `--trigger` accepts: what started the run (RunOrigin's kinds). */
export const TRIGGER_KINDS = [
  'manual',
  'rerun',
  'schedule',
  'pipeline',
] as const satisfies readonly RunOrigin['kind'][];
export type TriggerKind = (typeof TRIGGER_KINDS)[number];

export interface RunFilters {
  readonly pipeline?: string;
  readonly status?: ListedStatus;
  readonly schedule?: string;
  readonly trigger?: TriggerKind;
  /** Also the runs of sub-pipelines, which belong to their parent run (hidden by default). */
  readonly isIncludingChildren?: boolean;
}

/** One row of `gantry list --json`: every key is always present, `null` when it does not apply. */
export interface ListedRun {
  readonly runId: string;
  readonly workflowId: string;
  readonly pipeline: string | null;
  readonly status: ListedStatus;
  readonly trigger: string | null;
  readonly schedule: string | null;
  readonly upstreamRun: string | null;
  readonly startedAt: string;
  readonly closedAt: string | null;
}

/** Visibility queries are SQL-like strings: a value is quoted, so a quote in it could change the query. */
export function isSafeQueryValue(value: string): boolean {
  return value !== '' && !/['"\\]/.test(value);
}

const STATUS_CLAUSE: Record<ListedStatus, string> = {
  running: `ExecutionStatus = 'Running'`,
  succeeded: `${SearchAttribute.Status} = 'succeeded'`,
  // A workflow that failed on its own (a bug, a timeout) never upserted its status: it failed all the same.
  failed: `(${SearchAttribute.Status} = 'failed' OR ExecutionStatus IN ('Failed', 'TimedOut'))`,
  cancelled: `(${SearchAttribute.Status} = 'cancelled' OR ExecutionStatus = 'Canceled')`,
  terminated: `ExecutionStatus = 'Terminated'`,
};

/**
 * The visibility query for the filters (values checked by the caller with isSafeQueryValue). A run that
 * continued as new is listed once, by its latest execution. A sub-pipeline's run has a parent workflow
 * and no trigger; a run a pipeline trigger started may have a parent (the trigger's workflow) but always
 * has its trigger, so it stays listed.
 */
export function runListQuery(filters: RunFilters): string {
  const clauses = [`WorkflowType = 'runPipeline'`, `ExecutionStatus != 'ContinuedAsNew'`];
  if (!filters.isIncludingChildren)
    clauses.push(`(ParentWorkflowId IS NULL OR ${SearchAttribute.Trigger} IS NOT NULL)`);
  if (filters.pipeline !== undefined) clauses.push(`${SearchAttribute.Pipeline} = '${filters.pipeline}'`);
  if (filters.status !== undefined) clauses.push(STATUS_CLAUSE[filters.status]);
  if (filters.schedule !== undefined) clauses.push(`${SearchAttribute.Schedule} = '${filters.schedule}'`);
  if (filters.trigger !== undefined) clauses.push(`${SearchAttribute.Trigger} = '${filters.trigger}'`);
  return clauses.join(' AND ');
}

function keyword(info: WorkflowExecutionInfo, name: string): string | null {
  const value = (info.searchAttributes[name] as unknown[] | undefined)?.[0];
  return typeof value === 'string' ? value : null;
}

/** The status a listed run shows, the same one its `--status` filter matches it by. */
export function listedStatus(execution: string, gantryStatus: string | null): ListedStatus {
  if (execution === 'RUNNING') return 'running';
  if (execution === 'TERMINATED') return 'terminated';
  if (gantryStatus === 'succeeded' || gantryStatus === 'failed' || gantryStatus === 'cancelled')
    return gantryStatus;
  if (execution === 'CANCELLED') return 'cancelled';
  if (execution === 'COMPLETED') return 'succeeded';
  return 'failed';
}

export function toListedRun(info: WorkflowExecutionInfo): ListedRun {
  return {
    runId: runIdFromWorkflowId(info.workflowId),
    workflowId: info.workflowId,
    pipeline: keyword(info, SearchAttribute.Pipeline),
    status: listedStatus(info.status.name, keyword(info, SearchAttribute.Status)),
    trigger: keyword(info, SearchAttribute.Trigger),
    schedule: keyword(info, SearchAttribute.Schedule),
    upstreamRun: keyword(info, SearchAttribute.UpstreamRun),
    startedAt: info.startTime.toISOString(),
    closedAt: info.closeTime?.toISOString() ?? null,
  };
}

/** The newest runs matching the filters, at most `limit`. */
export async function listRuns(client: Client, filters: RunFilters, limit: number): Promise<ListedRun[]> {
  const runs: ListedRun[] = [];
  for await (const info of client.workflow.list({ query: runListQuery(filters), pageSize: limit })) {
    runs.push(toListedRun(info));
    if (runs.length >= limit) break;
  }
  return runs;
}
