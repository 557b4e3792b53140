/**
 * The baseline: the bench DAG run by a plain dockerode loop, as an engineer would write it without an
 * engine. A task starts as soon as its upstreams are done and one of `concurrency` slots is free (FIFO);
 * each is created with the limits and hardening Gantry asks Docker for (same `toCreateOptions`, without
 * Gantry's per-run workspace volume), started, waited for and removed.
 */
import type Docker from 'dockerode';
import { randomBytes } from 'node:crypto';
import { toCreateOptions } from '../../activities/container-spec.js';
import { COMMAND, IMAGE, type LayeredDag, dagTasks } from './layered-dag.js';

export interface RawTaskTimes {
  readonly readyAt: number;
  readonly createdAt: number;
  readonly finishedAt: number;
}

export interface RawRun {
  readonly makespanMs: number;
  readonly tasks: Readonly<Record<string, RawTaskTimes>>;
}

export async function runRawDockerDag(docker: Docker, dag: LayeredDag, concurrency: number): Promise<RawRun> {
  const tasks = dagTasks(dag);
  const suffix = randomBytes(3).toString('hex');
  const waitingOn = new Map(tasks.map((t) => [t.id, new Set(t.dependsOn)]));
  const dependents = new Map<string, string[]>(tasks.map((t) => [t.id, []]));
  for (const t of tasks) for (const d of t.dependsOn) dependents.get(d)!.push(t.id);
  const readyAt = new Map<string, number>();
  const times: Record<string, RawTaskTimes> = {};
  const queue: string[] = [];
  let running = 0;
  let done = 0;

  const started = Date.now();
  return new Promise<RawRun>((resolve, reject) => {
    const markReady = (id: string) => {
      readyAt.set(id, Date.now());
      queue.push(id);
    };
    const pump = () => {
      while (running < concurrency && queue.length > 0) {
        const id = queue.shift()!;
        running += 1;
        runOne(id).then(
          () => {
            running -= 1;
            done += 1;
            for (const next of dependents.get(id)!) {
              const waits = waitingOn.get(next)!;
              waits.delete(id);
              if (waits.size === 0) markReady(next);
            }
            if (done === tasks.length) resolve({ makespanMs: Date.now() - started, tasks: times });
            else pump();
          },
          (err: unknown) => reject(err instanceof Error ? err : new Error(String(err))),
        );
      }
    };
    const runOne = async (id: string) => {
      const container = await docker.createContainer(
        toCreateOptions({
          name: `bench-raw-${suffix}-${id}`,
          image: IMAGE,
          command: COMMAND,
          env: {},
          labels: { 'gantry.bench': 'raw' },
          cpu: dag.cpu,
          memoryMiB: dag.memoryMiB,
          pidsLimit: 512,
          nofileLimit: 4096,
          network: 'bridge',
          volumes: [],
          binds: [],
          logLimitBytes: 1024 * 1024,
        }),
      );
      const createdAt = Date.now();
      try {
        await container.start();
        const { StatusCode } = (await container.wait()) as { StatusCode: number };
        if (StatusCode !== 0) throw new Error(`raw loop: task ${id} exited with ${StatusCode}`);
      } finally {
        await container.remove({ force: true });
      }
      times[id] = { readyAt: readyAt.get(id)!, createdAt, finishedAt: Date.now() };
    };
    for (const t of tasks) if (t.dependsOn.length === 0) markReady(t.id);
    pump();
  });
}
