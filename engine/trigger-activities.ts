/**
 * The control worker's activity that fires a pipeline trigger: reads, of the upstream run that ended, the
 * outputs the downstream's templates name, and starts the downstream run. Idempotent: the downstream's id
 * is a function of the trigger and the upstream run, and a run with that id is never started twice
 * (`REJECT_DUPLICATE`), so a retried activity finds the run its earlier attempt started.
 */
import type { ArtifactStore } from '../activities/artifact-store.js';
import { storeRunSpec } from '../activities/run-plan.js';
import { Context } from '@temporalio/activity';
import { type Client, WorkflowExecutionAlreadyStartedError } from '@temporalio/client';
import { createHash } from 'node:crypto';
import type { ValueRef } from '../common/data-refs.js';
import { newRunId, runWorkflowId } from '../common/names.js';
import type { PipelineSpec } from '../pipeline/schema.js';
import { triggerOutputsNamed } from '../pipeline/trigger-refs.js';
import type {
  RunEnded,
  RunOrigin,
  RunPipelineInput,
  RunState,
  StartTriggeredRunInput,
  StartTriggeredRunResult,
  TriggerActivities,
} from '../workflows/definitions.js';
import type { runPipeline } from '../workflows/index.js';
import { runStartMetadata } from './run-metadata.js';
import { withPartitionedTasks } from './partitioned-state.js';
import { getRunState } from './runs.js';

/** Engine-side: the worker's own client, or the one a test hands in. */
export interface TriggerActivityOptions {
  readonly client?: () => Client;
  /**
   * The artifact store: downstream runs are started by the digest of their spec, and a partitioned
   * upstream run's outputs are read from its stored task states. Without it, the spec goes inline.
   */
  readonly store?: ArtifactStore;
}

/** The downstream run's id: the same for every attempt that fires this trigger after this upstream run. */
export function triggeredRunId(spec: PipelineSpec, upstream: RunEnded, triggerId: string): string {
  const entropy = createHash('sha256').update(`${triggerId}\n${upstream.runId}`).digest('hex');
  return newRunId(spec.name, new Date(upstream.endedAt), entropy);
}

/** Only the outputs the downstream names, and only those the upstream has (a missing one fails that task). */
function pickOutputs(spec: PipelineSpec, state: RunState): Record<string, Record<string, ValueRef>> {
  const picked: Record<string, Record<string, ValueRef>> = {};
  for (const [taskId, names] of triggerOutputsNamed(spec)) {
    const outputs = state.tasks[taskId]?.outputs ?? {};
    const found = [...names].flatMap((name) => {
      const ref = outputs[name];
      return ref === undefined ? [] : [[name, ref] as const];
    });
    if (found.length > 0) picked[taskId] = Object.fromEntries(found);
  }
  return picked;
}

export function createTriggerActivities(options: TriggerActivityOptions = {}): TriggerActivities {
  return {
    async startTriggeredRun(input: StartTriggeredRunInput): Promise<StartTriggeredRunResult> {
      const client = options.client?.() ?? Context.current().client;
      const { registration, upstream } = input;
      const { spec } = registration;
      const given = await getRunState(client.workflow.getHandle<typeof runPipeline>(upstream.workflowId));
      const isNamingOutputs = triggerOutputsNamed(spec).size > 0;
      const state =
        options.store && isNamingOutputs ? await withPartitionedTasks(given, options.store, Infinity) : given;
      const origin: RunOrigin = {
        kind: 'pipeline',
        triggerId: registration.id,
        upstream: {
          runId: upstream.runId,
          pipeline: upstream.pipeline,
          status: upstream.status,
          outputs: pickOutputs(spec, state),
        },
      };
      const runId = triggeredRunId(spec, upstream, registration.id);
      const workflowId = runWorkflowId(runId);
      const runInput: RunPipelineInput = {
        runId,
        ...(options.store
          ? { specRef: await storeRunSpec(options.store, spec), pipeline: spec.name }
          : { spec }),
        clusterWorkflowId: registration.clusterWorkflowId,
        origin,
      };
      try {
        await client.workflow.start('runPipeline', {
          workflowId,
          taskQueue: input.taskQueue,
          args: [runInput],
          // A closed run of this id is the one an earlier attempt started: never start it again.
          workflowIdReusePolicy: 'REJECT_DUPLICATE',
          ...runStartMetadata(spec, origin),
        });
      } catch (err) {
        if (err instanceof WorkflowExecutionAlreadyStartedError) return { runId, workflowId, isNew: false };
        throw err;
      }
      return { runId, workflowId, isNew: true };
    },
  };
}
