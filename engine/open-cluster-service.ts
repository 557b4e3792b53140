/**
 * The front door to the cluster service for every command that needs it: a running service gives its
 * inventory, one that ended is restarted from its open runs (recover-cluster), a missing one is started, and
 * a stuck one is reported with its cause.
 */
import { signWithLocalKey } from './admin-key.js';
import type { Client } from '@temporalio/client';
import type { ClusterSpec } from '../common/cluster-spec.js';
import { clusterWorkflowId } from '../common/names.js';
import type { ClusterSnapshot } from '../workflows/definitions.js';
import type { GantryConfig } from './config.js';
import { ClusterServiceStuckError, ClusterUnavailableError } from './errors.js';
import { isServedSoon } from './pollers.js';
import { type ClusterRestart, type RestartOptions, restartClusterService } from './recover-cluster.js';
import { ensureTriggerRegistry } from './triggers.js';
import { clusterSnapshot, configureCluster, ensureClusterService, specFromSnapshot } from './runs.js';
import { workflowHealth } from './service-health.js';

export interface OpenedClusterService {
  readonly spec: ClusterSpec;
  /** Set when the service had ended (how: `endedAs`, e.g. TERMINATED) and was restarted here. */
  readonly restart?: ClusterRestart;
  readonly endedAs?: string;
}

/**
 * What every command that needs the service calls first: a running service gives its inventory; an ended
 * one is restarted from its open runs; a missing one is started with `fallbackSpec` (without one, the
 * answer is undefined); a stuck one is a ClusterServiceStuckError.
 */
export async function openClusterService(
  client: Client,
  config: GantryConfig,
  options: RestartOptions = {},
): Promise<OpenedClusterService | undefined> {
  const opened = await openService(client, config, options);
  // Every run ends by telling its queue's trigger registry; with the registry always there, that signal
  // lands instead of failing in each run's history (an idle registry costs nothing).
  if (opened) await ensureTriggerRegistry(client, config);
  return opened;
}

async function openService(
  client: Client,
  config: GantryConfig,
  options: RestartOptions,
): Promise<OpenedClusterService | undefined> {
  const health = await workflowHealth(client, clusterWorkflowId(config.clusterName));
  switch (health.kind) {
    case 'missing': {
      if (!options.fallbackSpec) return undefined;
      const spec = await options.fallbackSpec();
      await ensureClusterService(client, config, spec);
      return { spec };
    }
    case 'stuck':
      throw new ClusterServiceStuckError(config.clusterName, health.problem);
    case 'closed': {
      const restart = await restartClusterService(client, config, options);
      return { spec: restart.spec, restart, endedAs: health.status };
    }
    case 'running': {
      // Without a worker the query would wait half a minute for nothing.
      if (!(await isServedSoon(client, config.namespace, health.taskQueue)))
        throw new ClusterUnavailableError(config.clusterName);
      const snapshot = await clusterSnapshot(client, config.clusterName);
      // Gone between the two calls (terminated and deleted): start over.
      if (!snapshot) return openService(client, config, options);
      return { spec: specFromSnapshot(snapshot) };
    }
  }
}

/**
 * `gantry cluster apply` and `gantry worker --cluster-file`: gives the cluster named in `spec` this inventory,
 * starting its service with it, or first restarting a service that ended (its runs' allocations kept).
 */
export async function applyClusterSpec(
  client: Client,
  config: GantryConfig,
  spec: ClusterSpec,
): Promise<Omit<OpenedClusterService, 'spec'> & { readonly snapshot: ClusterSnapshot }> {
  const named = { ...config, clusterName: spec.name };
  const opened = await openClusterService(client, named, { fallbackSpec: () => Promise.resolve(spec) });
  // A file that does not mention admins leaves the service's as they are (`admins: []` removes them).
  const kept =
    spec.admins === undefined && opened?.spec.admins ? { ...spec, admins: opened.spec.admins } : spec;
  // Signed when this machine holds an admin key: a cluster with admins takes node changes only so.
  const snapshot = await configureCluster(client, kept, await signWithLocalKey(kept, config));
  return {
    snapshot,
    ...(opened?.restart ? { restart: opened.restart } : {}),
    ...(opened?.endedAs ? { endedAs: opened.endedAs } : {}),
  };
}
