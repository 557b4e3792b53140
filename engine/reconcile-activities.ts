/**
 * The control worker's side of reconciliation (workflows/cluster/reconcile-loop.ts): which of the runs the
 * cluster service holds room for are closed. Read with the worker's own client.
 */
import { Context } from '@temporalio/activity';
import { type Client, WorkflowNotFoundError } from '@temporalio/client';
import type { ReconcileActivities } from '../workflows/definitions.js';

/** Describes at once: a service holding hundreds of runs must not open hundreds of calls together. */
const DESCRIBE_CONCURRENCY = 16;

export function createReconcileActivities(options: { client?: () => Client } = {}): ReconcileActivities {
  return {
    async closedRuns({ workflowIds }) {
      const client = options.client?.() ?? Context.current().client;
      const closed: string[] = [];
      const queue = [...workflowIds];
      const next = async (): Promise<void> => {
        for (let id = queue.shift(); id !== undefined; id = queue.shift()) {
          try {
            const { status } = await client.workflow.getHandle(id).describe();
            if (status.name !== 'RUNNING') closed.push(id);
          } catch (err) {
            if (!(err instanceof WorkflowNotFoundError)) throw err;
            closed.push(id);
          }
        }
      };
      await Promise.all(Array.from({ length: Math.min(DESCRIBE_CONCURRENCY, queue.length) }, next));
      return closed.sort();
    },
  };
}
