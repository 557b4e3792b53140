/**
 * Client-side operations on pipeline triggers: registrations live in the control queue's trigger registry
 * workflow (workflows/trigger-registry.ts), started here on first use. Its refusals (duplicate or unknown
 * id, a trigger loop) come back as TriggerRejectedError.
 */
import {
  type Client,
  WorkflowNotFoundError,
  WorkflowUpdateFailedError,
  type WorkflowHandle,
} from '@temporalio/client';
import { clusterWorkflowId, triggerRegistryWorkflowId } from '../common/names.js';
import type { PipelineSpec } from '../pipeline/schema.js';
import {
  type TriggerRegistration,
  type TriggerView,
  deleteTriggerUpdate,
  registerTriggerUpdate,
  triggersQuery,
} from '../workflows/definitions.js';
import type { triggerRegistry } from '../workflows/index.js';
import type { GantryConfig } from './config.js';
import { TriggerRejectedError } from './errors.js';

export interface RegistryOptions {
  /** The registry continues as new past this many history events (its default when absent). */
  readonly maxHistoryEvents?: number;
}

/** Starts the control queue's registry if it is not running; a running one keeps its registrations. */
export async function ensureTriggerRegistry(
  client: Client,
  config: GantryConfig,
  options: RegistryOptions = {},
): Promise<WorkflowHandle<typeof triggerRegistry>> {
  const workflowId = triggerRegistryWorkflowId(config.controlTaskQueue);
  await client.workflow.start<typeof triggerRegistry>('triggerRegistry', {
    workflowId,
    taskQueue: config.controlTaskQueue,
    args: [options.maxHistoryEvents === undefined ? {} : { maxHistoryEvents: options.maxHistoryEvents }],
    workflowIdConflictPolicy: 'USE_EXISTING',
    staticSummary: `Gantry pipeline triggers of ${config.controlTaskQueue}`,
  });
  // Not the start's handle: it names the execution it found, which may since have continued as new.
  return client.workflow.getHandle<typeof triggerRegistry>(workflowId);
}

/** A registration of `spec` (its `--param` values applied) for runs on this config's cluster. */
export function newRegistration(
  spec: PipelineSpec,
  id: string,
  config: GantryConfig,
  now: Date,
): TriggerRegistration {
  return { id, spec, clusterWorkflowId: clusterWorkflowId(config.clusterName), createdAt: now.getTime() };
}

/** The registry's refusal as a TriggerRejectedError, its message after `prefix`; other errors as they are. */
function rejected(id: string, err: unknown, prefix = ''): unknown {
  if (!(err instanceof WorkflowUpdateFailedError)) return err;
  const cause = err.cause as { message?: string; type?: string } | undefined;
  return new TriggerRejectedError(id, `${prefix}${cause?.message ?? err.message}`, {
    cause: err,
    ...(cause?.type === undefined ? {} : { type: cause.type }),
  });
}

export async function registerTrigger(
  client: Client,
  config: GantryConfig,
  registration: TriggerRegistration,
  options: RegistryOptions = {},
): Promise<TriggerView> {
  const registry = await ensureTriggerRegistry(client, config, options);
  try {
    return await registry.executeUpdate(registerTriggerUpdate, { args: [registration] });
  } catch (err) {
    throw rejected(registration.id, err, `cannot register trigger "${registration.id}": `);
  }
}

/** The registry's handle when it runs; undefined when none was started or it ended (it holds nothing then). */
export async function openTriggerRegistry(
  client: Client,
  config: GantryConfig,
): Promise<WorkflowHandle<typeof triggerRegistry> | undefined> {
  const handle = client.workflow.getHandle<typeof triggerRegistry>(
    triggerRegistryWorkflowId(config.controlTaskQueue),
  );
  try {
    const { status } = await handle.describe();
    return status.name === 'RUNNING' ? handle : undefined;
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) return undefined;
    throw err;
  }
}

export async function listTriggers(client: Client, config: GantryConfig): Promise<TriggerView[]> {
  const registry = await openTriggerRegistry(client, config);
  return registry ? registry.query(triggersQuery) : [];
}

/** Removes a registration; the runs it started are left as they are. */
export async function deleteTrigger(client: Client, config: GantryConfig, id: string): Promise<TriggerView> {
  const registry = await openTriggerRegistry(client, config);
  if (!registry) throw new TriggerRejectedError(id, `no trigger "${id}" (none is registered)`);
  try {
    return await registry.executeUpdate(deleteTriggerUpdate, { args: [{ id }] });
  } catch (err) {
    throw rejected(id, err);
  }
}
