/**
 * A running container is looked at now and then besides Docker's wait: a wait whose connection an engine
 * restart broke silently (seen in the chaos suite) would otherwise hold the attempt for ever.
 */
import type { ContainerRuntime } from './docker-runtime.js';
import { DockerUnavailableError } from './errors.js';

/** How often the container is inspected. */
export const WATCH_INTERVAL_MS = 10_000;

/** What the watch resolves with: a zero exit only (see below). */
export interface WatchedExit {
  readonly kind: 'exited';
  readonly exitCode: number;
}

/**
 * Resolves like a wait when the container is seen stopped with a zero exit twice in a row (the wait would
 * have said so first). Fails as DockerUnavailable when the engine does not answer, or the container stopped
 * with another code (`hasGivenUp`): the platform retry then judges that exit by the adoption rules.
 */
export function watchContainer(
  runtime: ContainerRuntime,
  id: string,
  intervalMs: number,
): { readonly exited: Promise<WatchedExit>; stop(): void; hasGivenUp(): boolean } {
  let timer: NodeJS.Timeout | undefined;
  let isStopped = false;
  let isGivenUp = false;
  const exited = new Promise<WatchedExit>((resolve, reject) => {
    let stoppedSeen = 0;
    const look = () => {
      if (isStopped) return;
      runtime.inspectContainer(id).then(
        (state) => {
          if (isStopped) return;
          if (state === undefined)
            return reject(new DockerUnavailableError(`container ${id.slice(0, 12)} is gone`));
          stoppedSeen = state.isRunning ? 0 : stoppedSeen + 1;
          if (stoppedSeen < 2) {
            timer = setTimeout(look, intervalMs);
            return;
          }
          if (state.exitCode === 0) return resolve({ kind: 'exited', exitCode: 0 });
          // The engine lost the wait: it may have restarted and lost the container too (255). A platform
          // retry decides, by the adoption rules, whether the exit is the task's or the engine's.
          isGivenUp = true;
          reject(
            new DockerUnavailableError(
              `the engine's wait for container ${id.slice(0, 12)} never answered; it exited ${state.exitCode}`,
            ),
          );
        },
        (err: unknown) =>
          isStopped
            ? undefined
            : reject(err instanceof Error ? err : new DockerUnavailableError(String(err))),
      );
    };
    timer = setTimeout(look, intervalMs);
  });
  exited.catch(() => undefined); // Raced above; a rejection after the race is settled is nobody's.
  return {
    exited,
    stop() {
      isStopped = true;
      clearTimeout(timer);
    },
    hasGivenUp: () => isGivenUp,
  };
}
