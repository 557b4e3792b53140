/**
 * The faults of `npm run chaos` (issue #11), each injected once into a cluster of two node engines whose
 * control worker and node workers are real `gantry worker` processes. A case says what it breaks and,
 * for the runs it starts, which of them it expects to succeed.
 */
import { execFile } from 'node:child_process';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import type { WorkflowHandle } from '@temporalio/client';
import { preemptTaskSignal, type RunState } from '../../workflows/definitions.js';
import type { runPipeline } from '../../workflows/index.js';
import type { WorkerProcess } from './worker-process.js';

const run = promisify(execFile);
const ROOT = path.resolve(import.meta.dirname, '..', '..');
const pause = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ChaosContext {
  readonly home: string;
  readonly control: WorkerProcess;
  readonly nodes: Readonly<Record<string, WorkerProcess>>;
  /** The runs the case started, in order. */
  readonly runs: readonly WorkflowHandle<typeof runPipeline>[];
  readonly runState: (handle: WorkflowHandle<typeof runPipeline>) => Promise<RunState>;
  /** The cluster service's view of a node's health (undefined while no heartbeat came). */
  readonly nodeHealth: (nodeId: string) => Promise<string | undefined>;
}

export interface ChaosCase {
  readonly name: string;
  readonly fault: string;
  /** How many runs of the pipeline the case starts (default 1). */
  readonly runs?: number;
  /** False for a case whose recovery is not built yet: left out unless named in --cases. */
  readonly isImplemented?: boolean;
  /** Whether run `i` should succeed despite the fault. */
  readonly isExpectedToSucceed?: (i: number) => boolean;
  inject(ctx: ChaosContext): Promise<void>;
  /** The fault kills a node: its tasks may move off it (in any other case that is a false alarm). */
  readonly losesNode?: boolean;
  /** After the runs end and before the checks: bring back what the fault took, as an operator would. */
  recover?(ctx: ChaosContext): Promise<void>;
}

/** Sends SIGTERM to the pid in `file` and waits for the process to go. */
async function stopPid(file: string, what: string): Promise<void> {
  const pid = Number((await readFile(file, 'utf8').catch(() => '')).trim());
  if (!Number.isInteger(pid) || pid <= 0)
    throw new Error(`${what}: no pid in ${file} (not started by the scripts?)`);
  process.kill(pid, 'SIGTERM');
  for (let i = 0; i < 300; i++) {
    try {
      process.kill(pid, 0);
    } catch {
      return;
    }
    await pause(100);
  }
  process.kill(pid, 'SIGKILL');
}

/**
 * A machine dies at one instant, so none of its tasks finishes after its worker is gone. Played here in
 * steps, the worker would miss the exits of containers that end between its death and theirs, and those
 * tasks would run again elsewhere: they finished, but nobody saw it (the at-least-once window every
 * cluster manager has). So the engine's task containers are frozen (docker pause) and the worker is let
 * record each container that exited before the freeze (it removes each after that); then the worker itself
 * is stopped (SIGSTOP: it can start nothing more) and, for a second, any container a request it sent just
 * before starts is paused too. If none exited meanwhile the machine is frozen whole and can die; otherwise
 * the worker goes on and it is tried again.
 */
async function freezeMachine(host: string, worker: WorkerProcess): Promise<void> {
  const states = async () => {
    const { stdout } = await run('docker', [
      ...['-H', host, 'ps', '-a', '--filter', 'label=gantry.task'],
      ...['--format', '{{.ID}} {{.State}}'],
    ]);
    return stdout
      .split('\n')
      .filter(Boolean)
      .map((line) => line.split(' '));
  };
  const isFrozen = (rows: string[][]) => rows.every(([, state]) => state === 'paused' || state === 'created');
  // The worker stopped, a create or start it sent just before may still land: for a second, whatever runs is
  // paused while its `sleep 1` cannot have ended. A container that exits meanwhile ends the try.
  const stopsFrozen = async () => {
    worker.signal('SIGSTOP');
    for (let j = 0; j < 10; j++) {
      await pause(100);
      const rows = await states();
      const running = rows.filter(([, state]) => state === 'running').map(([id]) => id!);
      if (running.length > 0) await run('docker', ['-H', host, 'pause', ...running]).catch(() => undefined);
      if (!rows.every(([, state]) => ['paused', 'created', 'running'].includes(state!))) {
        worker.signal('SIGCONT');
        return false;
      }
    }
    return true;
  };
  for (let i = 0; i < 200; i++) {
    const rows = await states();
    const running = rows.filter(([, state]) => state === 'running').map(([id]) => id!);
    if (running.length > 0) await run('docker', ['-H', host, 'pause', ...running]).catch(() => undefined);
    if (isFrozen(rows) && (await stopsFrozen())) return;
    await pause(50);
  }
  throw new Error('stop-node: the node never froze (a container kept running or exiting)');
}

export const CHAOS_CASES: readonly ChaosCase[] = [
  {
    name: 'kill-node-worker',
    fault: "SIGKILL node n1's worker, start it again 3 s later",
    async inject(ctx) {
      await ctx.nodes['n1']!.stop('SIGKILL');
      await pause(3000);
      await ctx.nodes['n1']!.start();
    },
  },
  {
    name: 'kill-control-worker',
    fault: 'SIGKILL the control worker (every workflow), start it again 3 s later',
    async inject(ctx) {
      await ctx.control.stop('SIGKILL');
      await pause(3000);
      await ctx.control.start();
    },
  },
  {
    name: 'restart-temporal',
    fault: 'restart the Temporal dev server (same SQLite file)',
    async inject(ctx) {
      await stopPid(path.join(ctx.home, 'run', 'temporal.pid'), 'the Temporal server');
      await run('bash', [path.join(ROOT, 'scripts/ensure-temporal.sh')], { cwd: ROOT });
    },
  },
  {
    name: 'restart-dockerd',
    fault: "restart node n1's Docker engine (SIGTERM, then started again)",
    async inject(ctx) {
      await stopPid(path.join(ctx.home, 'run', 'node-1', 'docker.pid'), "node 1's dockerd");
      await pause(1000);
      await run('bash', [path.join(ROOT, 'scripts/ensure-nodes.sh'), '2'], { cwd: ROOT });
    },
  },
  {
    name: 'stop-node',
    losesNode: true,
    fault: 'stop node n2 for good, as a machine dies: its worker, its containers and its engine',
    async inject(ctx) {
      const host = `unix://${path.join(ctx.home, 'run', 'node-2', 'docker.sock')}`;
      await freezeMachine(host, ctx.nodes['n2']!);
      await ctx.nodes['n2']!.stop('SIGKILL');
      // With --live-restore the engine's containers would outlive it; a dead machine's do not.
      const { stdout } = await run('docker', ['-H', host, 'ps', '-q']);
      const ids = stdout.split('\n').filter(Boolean);
      if (ids.length > 0) await run('docker', ['-H', host, 'kill', ...ids]).catch(() => undefined);
      await stopPid(path.join(ctx.home, 'run', 'node-2', 'docker.pid'), "node 2's dockerd");
    },
    // The machine comes back: its engine still holds the killed containers, which the service has its
    // worker remove before the node takes work again; the checks then find none of them.
    async recover(ctx) {
      await run('bash', [path.join(ROOT, 'scripts/ensure-nodes.sh'), '2'], { cwd: ROOT });
      await ctx.nodes['n2']!.start();
      for (let i = 0; (await ctx.nodeHealth('n2')) !== 'healthy'; i++) {
        if (i > 600) throw new Error('stop-node: n2 did not come back healthy within 60 s');
        await pause(100);
      }
    },
  },
  {
    name: 'terminate-run',
    fault: 'terminate one of two runs from outside (temporal workflow terminate)',
    runs: 2,
    isExpectedToSucceed: (i) => i !== 0,
    async inject(ctx) {
      await ctx.runs[0]!.terminate('chaos: terminated from outside');
    },
  },
  {
    name: 'preemption-burst',
    fault: '20 preemptions in a burst, spread over the running tasks',
    async inject(ctx) {
      const state = await ctx.runState(ctx.runs[0]!);
      const running = Object.entries(state.tasks)
        .filter(([, t]) => t.status === 'running')
        .map(([id]) => id);
      if (running.length === 0) throw new Error('preemption-burst: no task was running');
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          ctx.runs[0]!.signal(preemptTaskSignal, {
            taskId: running[i % running.length]!,
            reason: `chaos: preemption ${i + 1} of 20`,
          }),
        ),
      );
    },
  },
];
