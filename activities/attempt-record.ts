/**
 * What makes a re-run of one attempt safe after the platform broke it (the node's worker died or shut down,
 * the Docker engine went away): the attempt's container is adopted if it is still there, and an attempt
 * that already finished is answered from its record instead of running again. Both are keyed by the
 * attempt's log file, which is per node, run, task and attempt.
 */
import { readFile, rename, writeFile } from 'node:fs/promises';
import type { FailureType } from '../common/failure-types.js';
import type { ContainerState } from './docker-runtime.js';
import type { RunContainerResult } from './types.js';

/** How an attempt ended, kept beside its log until the run's logs are pruned. */
export type AttemptRecord =
  | { readonly kind: 'succeeded'; readonly result: RunContainerResult }
  | {
      readonly kind: 'failed';
      readonly failureType: FailureType;
      readonly message: string;
      readonly exitCode: number | null;
      readonly logTail: string;
    };

export function recordPath(logFile: string): string {
  return logFile.replace(/\.log$/, '.outcome.json');
}

export async function readAttemptRecord(logFile: string): Promise<AttemptRecord | undefined> {
  try {
    return JSON.parse(await readFile(recordPath(logFile), 'utf8')) as AttemptRecord;
  } catch {
    return undefined;
  }
}

/** Written before the container is removed: once it is gone, this is the only trace of how it ended. */
export async function writeAttemptRecord(logFile: string, record: AttemptRecord): Promise<void> {
  const file = recordPath(logFile);
  // A rename is atomic: a worker killed mid-write leaves no half record that would read as garbage.
  await writeFile(`${file}.tmp`, JSON.stringify(record));
  await rename(`${file}.tmp`, file);
}

// A container the engine stopped when it shut down (SIGTERM, then SIGKILL), or lost when it came back
// (255: its shim died during the restart, seen with --live-restore), is the platform's failure, not the
// task's: it is replaced, not adopted. (A task that itself exits 255 while nobody watches runs again.)
const ENGINE_STOP_EXITS = new Set([137, 143, 255]);

/**
 * What a re-run of the same attempt does with the container the broken run of it left:
 * - `running`: attach to it and wait, as if it had started it;
 * - `created`: it never started: start it;
 * - `exited`: it finished while nobody watched: take its exit code;
 * - `replace`: remove it and create a new one (the engine killed it, or it is in a state nothing can use).
 */
export type Adoption = 'running' | 'created' | 'exited' | 'replace';

export function adoptionOf(state: ContainerState): Adoption {
  switch (state.status) {
    case 'running':
      return 'running';
    case 'created':
      return 'created';
    case 'exited':
      return ENGINE_STOP_EXITS.has(state.exitCode) && !state.isOomKilled ? 'replace' : 'exited';
    default:
      return 'replace';
  }
}
