/**
 * A real `gantry worker …` process that a test or the chaos suite can kill (SIGKILL) or stop (SIGTERM) and
 * start again: the fault a host's operator, or its OOM killer, inflicts, which an in-process worker cannot.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..', '..');
const READY_TIMEOUT_MS = 90_000;

export interface WorkerProcess {
  /** Starts the worker (again) and resolves once it serves. */
  start(): Promise<void>;
  /** Sends the signal and resolves once the process is gone; a no-op when it is not running. */
  stop(signal: NodeJS.Signals): Promise<void>;
  readonly isRunning: () => boolean;
  /** Sends a signal that does not end it (SIGSTOP, SIGCONT); a no-op when it is not running. */
  signal(signal: NodeJS.Signals): void;
}

/** `env`: the cluster's GANTRY_* settings; `args`: what `gantry worker` serves (`--node n1`, `--control`). */
export function workerProcess(env: NodeJS.ProcessEnv, args: readonly string[]): WorkerProcess {
  let child: ChildProcess | undefined;
  const what = `gantry worker ${args.join(' ')}`;
  return {
    async start() {
      const started = spawn('node', ['--import', 'tsx', path.join(ROOT, 'cli/main.ts'), 'worker', ...args], {
        cwd: ROOT,
        env: { ...process.env, ...env },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let stderr = '';
      started.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
      await new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => {
          started.kill('SIGKILL');
          reject(new Error(`${what} did not serve within ${READY_TIMEOUT_MS} ms: ${stderr}`));
        }, READY_TIMEOUT_MS);
        started.stderr.on('data', () => {
          if (!/serving/.test(stderr)) return;
          clearTimeout(timer);
          resolve();
        });
        started.once('exit', (code) => {
          clearTimeout(timer);
          reject(new Error(`${what} exited (${code}) before serving: ${stderr}`));
        });
      });
      child = started;
    },
    async stop(signal) {
      const running = child;
      if (!running || running.exitCode !== null || running.signalCode !== null) return;
      const exited = new Promise((resolve) => running.once('exit', resolve));
      running.kill(signal);
      await exited;
      child = undefined;
    },
    isRunning: () => child !== undefined && child.exitCode === null && child.signalCode === null,
    signal(signal) {
      if (child && child.exitCode === null && child.signalCode === null) child.kill(signal);
    },
  };
}
