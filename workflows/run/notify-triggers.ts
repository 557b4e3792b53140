/**
 * A top-level run's last word: it tells its control queue's trigger registry that it ended, so that the
 * pipelines triggered by it start (see trigger-registry.ts). One signal per run, sent after its cleanup.
 * Runs that started before this existed replay without it (`gantry-run-triggers`).
 */
import { CancellationScope, getExternalWorkflowHandle, patched, workflowInfo } from '@temporalio/workflow';
import { triggerRegistryWorkflowId } from '../../common/names.js';
import { type RunEnded, runEndedSignal } from '../definitions.js';

export const RUN_TRIGGERS_PATCH = 'gantry-run-triggers';

/**
 * Never fails the run: a queue without registry (no trigger was ever registered) rejects the signal, and
 * that is the normal case. Not cancellable, so that a cancelled run still tells.
 */
export async function notifyTriggerRegistry(ended: Omit<RunEnded, 'workflowId'>): Promise<void> {
  if (!patched(RUN_TRIGGERS_PATCH)) return;
  const { workflowId, taskQueue } = workflowInfo();
  await CancellationScope.nonCancellable(() =>
    getExternalWorkflowHandle(triggerRegistryWorkflowId(taskQueue))
      .signal(runEndedSignal, { ...ended, workflowId })
      .catch(() => undefined),
  );
}
