/**
 * A partitioned run keeps its task states in the artifact store, one document per slice (see
 * workflows/run/partitioned-run.ts). Viewers read them back here: whole, for runs small enough to list
 * task by task, and never for the counts alone, which the run's state holds.
 */
import type { ArtifactStore } from '../activities/artifact-store.js';
import type { RunState, RunStatesIndex, TaskState } from '../workflows/definitions.js';

/** Past this many tasks, `gantry run` and `status` show a partitioned run's counts, not a row per task. */
export const LISTED_TASKS_MAX = 2_000;

const readJson = async <T>(store: Pick<ArtifactStore, 'readBlob'>, digest: string): Promise<T> =>
  JSON.parse((await store.readBlob(digest)).toString('utf8')) as T;

/** Every task state of an ended partitioned run, by id; undefined for other runs or while it runs. */
export async function partitionedTaskStates(
  state: RunState,
  store: Pick<ArtifactStore, 'readBlob'>,
): Promise<Record<string, TaskState> | undefined> {
  const index = state.partition?.states;
  if (!index) return undefined;
  const { slices } = await readJson<RunStatesIndex>(store, index.digest);
  const documents = await Promise.all(
    slices.map((ref) => (ref ? readJson<Record<string, TaskState>>(store, ref.digest) : Promise.resolve({}))),
  );
  return Object.assign({}, ...documents) as Record<string, TaskState>;
}

/** `state` with its tasks filled in from the store when it is an ended partitioned run of listable size. */
export async function withPartitionedTasks(
  state: RunState,
  store: Pick<ArtifactStore, 'readBlob'>,
  maxTasks = LISTED_TASKS_MAX,
): Promise<RunState> {
  if (!state.partition || state.partition.taskCount > maxTasks) return state;
  const tasks = await partitionedTaskStates(state, store);
  return tasks ? { ...state, tasks } : state;
}
