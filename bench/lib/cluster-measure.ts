/**
 * What the cluster bench reports of one measurement, read back from Temporal: the runs' final states
 * (placement times) and every execution's history (events, signals, workflow-task time). Works on runs
 * that have ended, with or without their workers.
 */
import type { Client } from '@temporalio/client';
import type { RunState } from '../../workflows/definitions.js';
import { type HistoryCensus, historyCensus, sumCensus } from '../../test/integration/history-census.js';

export interface Measurement {
  readonly label: string;
  readonly date: string;
  readonly commit: string;
  readonly runs: number;
  readonly width: number;
  readonly tasks: number;
  /** From the client's first start call to the last result. */
  readonly makespanSeconds: number;
  /** Placements over the span from the first task made ready to the last placed. */
  readonly placementsPerSecond: number;
  readonly readyToPlacedMs: { readonly p50: number; readonly p99: number };
  readonly runEventsPerTask: number;
  readonly serviceEventsPerTask: number;
  readonly serviceExecutions: number;
  /** The service's workflow tasks, started → completed, summed: its own work. */
  readonly serviceBusySeconds: number;
  /** Placements per second of the service's own work: its ceiling on this machine if nothing else ran. */
  readonly placementsPerServiceSecond: number;
  readonly runCensus: HistoryCensus;
  readonly serviceCensus: HistoryCensus;
}

function quantile(sorted: readonly number[], q: number): number {
  return sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))] ?? NaN;
}

export interface MeasuredRuns {
  readonly label: string;
  readonly commit: string;
  readonly width: number;
  readonly makespanSeconds: number;
  readonly states: readonly RunState[];
  readonly runWorkflowIds: readonly string[];
  readonly serviceWorkflowId: string;
}

export async function measureRuns(client: Client, m: MeasuredRuns): Promise<Measurement> {
  const tasks = m.states.flatMap((s) => Object.values(s.tasks));
  const placedAt = tasks.map((t) => t.startedAt!);
  const readyAt = tasks.map((t) => t.readyAt ?? t.startedAt!);
  const waits = tasks.map((t) => t.startedAt! - (t.readyAt ?? t.startedAt!)).sort((a, b) => a - b);
  const spanSeconds = Math.max(0.001, (Math.max(...placedAt) - Math.min(...readyAt)) / 1000);
  const runCensus = sumCensus(await Promise.all(m.runWorkflowIds.map((id) => historyCensus(client, id))));
  const serviceCensus = await historyCensus(client, m.serviceWorkflowId);
  return {
    label: m.label,
    date: new Date().toISOString(),
    commit: m.commit,
    runs: m.states.length,
    width: m.width,
    tasks: tasks.length,
    makespanSeconds: m.makespanSeconds,
    placementsPerSecond: tasks.length / spanSeconds,
    readyToPlacedMs: { p50: quantile(waits, 0.5), p99: quantile(waits, 0.99) },
    runEventsPerTask: runCensus.events / tasks.length,
    serviceEventsPerTask: serviceCensus.events / tasks.length,
    serviceExecutions: serviceCensus.executions,
    serviceBusySeconds: serviceCensus.workflowTaskSeconds,
    placementsPerServiceSecond: tasks.length / Math.max(0.001, serviceCensus.workflowTaskSeconds),
    runCensus,
    serviceCensus,
  };
}
