/**
 * The trigger registry: one long-lived workflow per control task queue that keeps the registered pipeline
 * triggers (`gantry trigger create`) and starts their pipelines when an upstream run ends. Every top-level
 * run on the queue signals `runEnded` at its end; for each registration that waits on that pipeline and
 * status the registry starts the `startTriggeredRun` activity, which starts the downstream run. The
 * registrations live in this workflow's state, so they survive restarts of every process.
 *
 * Registrations are Updates: the validator refuses a duplicate id and a trigger loop (pipeline/trigger-graph),
 * and since a validator and its handler run back to back in one activation, two concurrent registrations
 * that would only together close a loop are checked one after the other.
 *
 * Determinism, as in the cluster service: every command follows from the handler of the event that caused
 * it, and the history is bounded by counting what the registry caused, never by reading historyLength. Past
 * `maxHistoryEvents` it fires nothing new, queues the runs that end meanwhile, waits for its activities and
 * continues as new with its registrations and that queue, which the next execution fires first.
 */
import {
  ApplicationFailure,
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import { describeTriggerLoop, findTriggerLoop, isTriggeredBy } from '../pipeline/trigger-graph.js';
import {
  type RunEnded,
  type TriggerActivities,
  type TriggerRegistration,
  type TriggerView,
  deleteTriggerUpdate,
  registerTriggerUpdate,
  runEndedSignal,
  triggersQuery,
} from './definitions.js';

/** A registration and what it has done, as one execution hands it to the next. */
export interface RegistryEntry {
  readonly registration: TriggerRegistration;
  readonly fired: number;
  readonly lastRun?: TriggerView['lastRun'];
  readonly lastError?: string;
}

export interface TriggerRegistryInput {
  readonly entries?: readonly RegistryEntry[];
  /** Runs that ended while the previous execution handed over: fired first. */
  readonly pending?: readonly RunEnded[];
  /** Continue as new past this many history events (counted, see above); 2,000 by default. */
  readonly maxHistoryEvents?: number;
}

/** Failure types of refused registrations and deletions (the CLI exits 2 on any of them). */
export const TriggerRejection = {
  Invalid: 'InvalidTrigger',
  Duplicate: 'DuplicateTrigger',
  Loop: 'TriggerLoop',
  Unknown: 'UnknownTrigger',
} as const;

const DEFAULT_MAX_HISTORY_EVENTS = 2_000;
// Upper bounds of the events each thing adds: the event itself plus a workflow task of its own (3); an
// accepted update adds its acceptance and completion; a firing its activity's scheduled, started, completed.
const EVENTS_AT_START = 4;
const EVENTS_PER_SIGNAL = 4;
const EVENTS_PER_UPDATE = 5;
const EVENTS_PER_FIRING = 6;

function view(entry: RegistryEntry): TriggerView {
  const { registration } = entry;
  return {
    id: registration.id,
    pipeline: registration.spec.name,
    after: registration.spec.triggers ?? [],
    clusterWorkflowId: registration.clusterWorkflowId,
    createdAt: registration.createdAt,
    fired: entry.fired,
    ...(entry.lastRun ? { lastRun: entry.lastRun } : {}),
    ...(entry.lastError !== undefined ? { lastError: entry.lastError } : {}),
  };
}

export async function triggerRegistry(input: TriggerRegistryInput = {}): Promise<void> {
  const { taskQueue } = workflowInfo();
  const maxHistoryEvents = input.maxHistoryEvents ?? DEFAULT_MAX_HISTORY_EVENTS;
  // Map iteration follows insertion: registrations fire and list in the order they were made.
  const entries = new Map((input.entries ?? []).map((e) => [e.registration.id, e]));
  const pending: RunEnded[] = [];
  let historyBound = EVENTS_AT_START;
  let firing = 0;
  let isHandingOver = false;

  const count = (events: number) => {
    historyBound += events;
    if (historyBound > maxHistoryEvents) isHandingOver = true;
  };
  const patch = (id: string, change: (entry: RegistryEntry) => RegistryEntry) => {
    const entry = entries.get(id);
    // A trigger deleted while its run was being started keeps no record.
    if (entry) entries.set(id, change(entry));
  };

  function fire(ended: RunEnded): void {
    for (const { registration } of entries.values()) {
      if (!isTriggeredBy(registration.spec.triggers ?? [], ended.pipeline, ended.status)) continue;
      firing += 1;
      count(EVENTS_PER_FIRING);
      const { startTriggeredRun } = proxyActivities<TriggerActivities>({
        taskQueue,
        startToCloseTimeout: '1m',
        retry: { initialInterval: '1s', maximumInterval: '30s', maximumAttempts: 10 },
        summary: `start ${registration.spec.name} after ${ended.runId} (trigger ${registration.id})`,
      });
      void startTriggeredRun({ registration, upstream: ended, taskQueue })
        .then(
          (started) =>
            patch(registration.id, (e) => ({
              registration: e.registration,
              fired: e.fired + (started.isNew ? 1 : 0),
              lastRun: { runId: started.runId, upstreamRunId: ended.runId },
            })),
          (err: unknown) =>
            patch(registration.id, (e) => ({
              ...e,
              lastError: `after run ${ended.runId}: ${failureMessage(err)}`,
            })),
        )
        .finally(() => (firing -= 1));
    }
  }

  /** Why a registration cannot be made, as a failure the client sees, or undefined. */
  function registrationProblem(registration: TriggerRegistration): ApplicationFailure | undefined {
    const { id, spec } = registration;
    const triggers = spec.triggers ?? [];
    if (id === '') return ApplicationFailure.nonRetryable('a trigger needs an id', TriggerRejection.Invalid);
    if (triggers.length === 0)
      return ApplicationFailure.nonRetryable(
        `pipeline "${spec.name}" declares no triggers (add triggers: [{ afterPipeline: NAME }])`,
        TriggerRejection.Invalid,
      );
    const existing = entries.get(id);
    if (existing)
      return ApplicationFailure.nonRetryable(
        `a trigger "${id}" already exists (it starts pipeline "${existing.registration.spec.name}"); delete it first`,
        TriggerRejection.Duplicate,
      );
    const loop = findTriggerLoop(
      [...entries.values()].map(({ registration: r }) => ({
        id: r.id,
        pipeline: r.spec.name,
        triggers: r.spec.triggers ?? [],
      })),
      { id, pipeline: spec.name, triggers },
    );
    if (loop) return ApplicationFailure.nonRetryable(describeTriggerLoop(loop), TriggerRejection.Loop);
    return undefined;
  }

  setHandler(runEndedSignal, (ended) => {
    if (isHandingOver) pending.push(ended);
    else fire(ended);
    count(EVENTS_PER_SIGNAL);
  });
  setHandler(
    registerTriggerUpdate,
    (registration) => {
      // Defensive: the validator has just checked it against this same state.
      const problem = registrationProblem(registration);
      if (problem) throw problem;
      const entry: RegistryEntry = { registration, fired: 0 };
      entries.set(registration.id, entry);
      count(EVENTS_PER_UPDATE);
      return view(entry);
    },
    {
      validator: (registration: TriggerRegistration) => {
        const problem = registrationProblem(registration);
        if (problem) throw problem;
      },
    },
  );
  setHandler(
    deleteTriggerUpdate,
    ({ id }) => {
      const entry = entries.get(id);
      if (!entry) throw unknownTrigger(id, entries);
      entries.delete(id);
      count(EVENTS_PER_UPDATE);
      return view(entry);
    },
    {
      validator: ({ id }: { readonly id: string }) => {
        if (!entries.has(id)) throw unknownTrigger(id, entries);
      },
    },
  );
  setHandler(triggersQuery, () => [...entries.values()].map(view));

  for (const ended of input.pending ?? []) fire(ended);
  await condition(() => isHandingOver && firing === 0 && allHandlersFinished());
  await continueAsNew<typeof triggerRegistry>({
    entries: [...entries.values()],
    pending,
    ...(input.maxHistoryEvents === undefined ? {} : { maxHistoryEvents: input.maxHistoryEvents }),
  });
}

function unknownTrigger(id: string, entries: ReadonlyMap<string, RegistryEntry>): ApplicationFailure {
  const known = [...entries.keys()];
  return ApplicationFailure.nonRetryable(
    `no trigger "${id}" (${known.length > 0 ? `registered: ${known.join(', ')}` : 'none is registered'})`,
    TriggerRejection.Unknown,
  );
}

/** An activity's failure names its cause (the activity's own error); the wrapper says only "failed". */
function failureMessage(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  return err.cause instanceof Error ? err.cause.message : err.message;
}
