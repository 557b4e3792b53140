/**
 * Temporal's own ceiling on the bench's server: bench/workflows/bare-activities.ts run by a bench-only
 * worker with its own workflow bundle (never the product's), `concurrency` no-op activities in flight.
 * Measured the way the Gantry side is: from the workflow's first start to its last close, by the server.
 */
import { Client, Connection } from '@temporalio/client';
import { NativeConnection, Worker, bundleWorkflowCode } from '@temporalio/worker';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import type { BareInput, BareResult } from '../workflows/bare-activities.js';
import { workflowPrelude } from '../../engine/bundle.js';
import { type RunFootprint, measureRunFootprint } from './run-footprint.js';

export interface BareCeilingRun {
  /** Activities completed (all of them unless `isTimedOut`). */
  readonly activities: number;
  /** The limit passed first: the workflow was terminated there. */
  readonly isTimedOut: boolean;
  readonly executions: number;
  /** The workflow's first start → last close, server time. */
  readonly spanMs: number;
  /** Client start call → result. */
  readonly wallMs: number;
  readonly activitiesPerSecond: number;
  readonly footprint: RunFootprint;
  /** This bench process's peak RSS so far (the worker runs in it). */
  readonly peakRssBytes: number;
}

export interface BareCeiling {
  run(total: number, limitMs: number): Promise<BareCeilingRun>;
  stop(): Promise<void>;
}

const WORKFLOWS = path.join(import.meta.dirname, '../workflows/bare-activities.ts');

export async function startBareCeiling(options: {
  readonly address: string;
  readonly namespace: string;
  readonly concurrency: number;
  readonly maxEvents: number;
}): Promise<BareCeiling> {
  const { code } = await bundleWorkflowCode({
    workflowsPath: WORKFLOWS,
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
  });
  const taskQueue = `bench-bare-${randomBytes(3).toString('hex')}`;
  const connection = await NativeConnection.connect({ address: options.address });
  const worker = await Worker.create({
    connection,
    namespace: options.namespace,
    taskQueue,
    // The same sandbox setting as Gantry's own bundle (engine/bundle.ts), so the ceiling is like for like.
    workflowBundle: { code: workflowPrelude() + code },
    activities: { noop: async () => {} },
    maxConcurrentActivityTaskExecutions: options.concurrency,
  });
  const running = worker.run();
  const client = new Client({
    connection: await Connection.connect({ address: options.address }),
    namespace: options.namespace,
  });
  return {
    async run(total, limitMs) {
      const workflowId = `${taskQueue}-${total}-${randomBytes(2).toString('hex')}`;
      const input: BareInput = {
        total,
        concurrency: options.concurrency,
        maxEvents: options.maxEvents,
        done: 0,
        executions: 0,
      };
      const t0 = Date.now();
      const handle = await client.workflow.start<(input: BareInput) => Promise<BareResult>>(
        'benchBareActivities',
        { taskQueue, workflowId, args: [input] },
      );
      let timer: NodeJS.Timeout | undefined;
      const limit = new Promise<'timedOut'>(
        (resolve) => (timer = setTimeout(() => resolve('timedOut'), limitMs)),
      );
      const outcome = await Promise.race([handle.result(), limit]);
      clearTimeout(timer);
      const isTimedOut = outcome === 'timedOut';
      if (isTimedOut) await handle.terminate('bench time limit').catch(() => undefined);
      const wallMs = Date.now() - t0;
      const footprint = await measureRunFootprint(client, workflowId, total);
      const spanMs = footprint.spanMs ?? wallMs;
      const activities = footprint.activitiesCompleted;
      return {
        activities,
        isTimedOut,
        executions: footprint.executionCount,
        spanMs,
        wallMs,
        activitiesPerSecond: activities / (spanMs / 1000),
        footprint,
        peakRssBytes: process.resourceUsage().maxRSS * 1024,
      };
    },
    async stop() {
      worker.shutdown();
      await running;
      await connection.close();
      await client.connection.close();
    },
  };
}
