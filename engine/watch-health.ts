/**
 * While a command waits on a run: checks the run and its cluster service now and then, says once when
 * either is stuck, and restarts a service that ended, before the run's next signal to it would fail.
 */
import type { Client } from '@temporalio/client';
import { clusterWorkflowId } from '../common/names.js';
import type { GantryConfig } from './config.js';
import { ClusterServiceStuckError, RunStuckError } from './errors.js';
import { type ClusterRestart, restartClusterService } from './recover-cluster.js';
import { workflowHealth } from './service-health.js';

export type HealthNews =
  | { readonly kind: 'stuck'; readonly error: RunStuckError | ClusterServiceStuckError }
  | { readonly kind: 'restarted'; readonly status: string; readonly restart: ClusterRestart }
  | { readonly kind: 'failed'; readonly error: unknown };

export interface HealthWatch {
  stop(): Promise<void>;
}

const DEFAULT_INTERVAL_MS = 1_000;

export function watchHealth(
  client: Client,
  config: GantryConfig,
  runWorkflowId: string,
  onNews: (news: HealthNews) => void,
  intervalMs = DEFAULT_INTERVAL_MS,
): HealthWatch {
  let isStopped = false;
  let wake = (): void => undefined;
  // The last thing said about each subject, so a lasting problem is said once (and again if it changes).
  const said = new Map<'run' | 'service', string>();
  const say = (subject: 'run' | 'service', news: HealthNews, text: string) => {
    if (said.get(subject) === text) return;
    said.set(subject, text);
    onNews(news);
  };
  const check = async () => {
    const run = await workflowHealth(client, runWorkflowId);
    if (run.kind === 'stuck') {
      const error = new RunStuckError(runWorkflowId, run.problem);
      say('run', { kind: 'stuck', error }, error.message);
    } else said.delete('run');
    // A closed run has no use for the service any more.
    if (run.kind !== 'running' && run.kind !== 'stuck') return;
    const service = await workflowHealth(client, clusterWorkflowId(config.clusterName));
    if (service.kind === 'stuck') {
      const error = new ClusterServiceStuckError(config.clusterName, service.problem);
      say('service', { kind: 'stuck', error }, error.message);
    } else if (service.kind === 'closed') {
      const restart = await restartClusterService(client, config);
      said.delete('service');
      onNews({ kind: 'restarted', status: service.status, restart });
    } else said.delete('service');
  };
  const loop = (async () => {
    while (!isStopped) {
      try {
        await check();
      } catch (err) {
        if (!isStopped) say('service', { kind: 'failed', error: err }, String(err));
      }
      await new Promise<void>((resolve) => {
        const timer = setTimeout(resolve, intervalMs);
        wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
    }
  })();
  return {
    async stop() {
      isStopped = true;
      wake();
      await loop;
    },
  };
}
