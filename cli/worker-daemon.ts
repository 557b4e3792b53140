/**
 * `gantry worker --detach` / `--stop`: a `gantry worker` left running in the background, so runs started with
 * `gantry run --detach` (or by other clients) make progress after the terminal closes. One daemon per cluster
 * and control queue; its pid file and log live under $GANTRY_HOME/run.
 */
import { spawn } from 'node:child_process';
import { mkdir, open, readFile, readdir, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { GantryConfig } from '../engine/config.js';
import { GantryCliError } from './errors.js';
import { ROOT } from './stack.js';

const READY_TIMEOUT_MS = 120_000;
const STOP_TIMEOUT_MS = 30_000;
// What `gantry worker` prints once every worker polls; see commands/worker.ts.
const READY_LINE = 'gantry worker: serving';

export interface DaemonFiles {
  readonly pidFile: string;
  readonly logFile: string;
}

/** The daemons' file names of a cluster start with this; each serves everything, or a role. */
function daemonTag(config: GantryConfig): string {
  // Queue names are safe for file names except for the odd separator; keep letters, digits, dot, dash.
  return `${config.clusterName}-${config.controlTaskQueue}`.replace(/[^A-Za-z0-9.-]/g, '_');
}

/**
 * `role`: what the daemon serves when it is one of several (`control`, `node-n1`); absent for the one
 * daemon that serves everything. `gantry up --nodes N` runs one per node, so a node's worker can be lost alone.
 */
export function daemonFiles(config: GantryConfig, role?: string): DaemonFiles {
  const tag = `${daemonTag(config)}${role ? `--${role.replace(/[^A-Za-z0-9.-]/g, '_')}` : ''}`;
  const dir = path.join(config.home, 'run');
  return { pidFile: path.join(dir, `worker-${tag}.pid`), logFile: path.join(dir, `worker-${tag}.log`) };
}

/** The role a `gantry worker` argument list serves: `control`, `node-<ids>`, or undefined for all. */
export function daemonRole(workerArgs: readonly string[]): string | undefined {
  if (workerArgs.includes('--control')) return 'control';
  const at = workerArgs.indexOf('--node');
  if (at < 0) return undefined;
  const rest = workerArgs.slice(at + 1);
  const end = rest.findIndex((a) => a.startsWith('--'));
  return `node-${(end < 0 ? rest : rest.slice(0, end)).join('-')}`;
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (err) {
    return (err as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/** The daemon's pid when the pid file names a live `gantry worker`; a stale file is removed. */
export async function runningDaemon(files: DaemonFiles): Promise<number | undefined> {
  let pid: number;
  try {
    pid = Number((await readFile(files.pidFile, 'utf8')).trim());
  } catch {
    return undefined;
  }
  let cmdline = '';
  try {
    cmdline = (await readFile(`/proc/${pid}/cmdline`, 'utf8')).replaceAll('\0', ' ');
  } catch {
    // No /proc (not Linux): trust liveness alone.
    cmdline = isAlive(pid) ? 'gantry worker' : '';
  }
  // A recycled pid that is some other program is not ours.
  if (Number.isInteger(pid) && pid > 0 && isAlive(pid) && /gantry/.test(cmdline) && / worker\b/.test(cmdline))
    return pid;
  await rm(files.pidFile, { force: true });
  return undefined;
}

async function logSince(file: string, offset: number): Promise<string> {
  try {
    return (await readFile(file, 'utf8')).slice(offset);
  } catch {
    return '';
  }
}

/** Starts the daemon (unless one runs) and returns once it serves; `workerArgs` are passed to `gantry worker`. */
export async function startWorkerDaemon(
  config: GantryConfig,
  workerArgs: readonly string[],
): Promise<{ pid: number; isNew: boolean; logFile: string }> {
  const files = daemonFiles(config, daemonRole(workerArgs));
  const running = await runningDaemon(files);
  if (running !== undefined) return { pid: running, isNew: false, logFile: files.logFile };
  await mkdir(path.dirname(files.pidFile), { recursive: true });
  const offset = await stat(files.logFile).then(
    (s) => s.size,
    () => 0,
  );
  const log = await open(files.logFile, 'a');
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/gantry.js'), 'worker', ...workerArgs], {
    cwd: ROOT,
    detached: true,
    stdio: ['ignore', log.fd, log.fd],
    env: process.env,
  });
  await log.close();
  const pid = child.pid;
  if (pid === undefined) throw new GantryCliError('could not start the worker daemon');
  let exitCode: number | null | undefined;
  child.on('exit', (code) => (exitCode = code));
  child.unref();
  await writeFile(files.pidFile, `${pid}\n`);
  const deadline = Date.now() + READY_TIMEOUT_MS;
  for (;;) {
    const output = await logSince(files.logFile, offset);
    if (output.includes(READY_LINE)) return { pid, isNew: true, logFile: files.logFile };
    if (exitCode !== undefined || Date.now() > deadline) {
      if (exitCode === undefined) process.kill(pid, 'SIGTERM');
      await rm(files.pidFile, { force: true });
      const tail = output.trim().split('\n').slice(-5).join('\n  ');
      throw new GantryCliError(
        `the worker daemon ${exitCode === undefined ? 'did not start serving in time' : `exited with code ${exitCode}`}; ${files.logFile} says:\n  ${tail}`,
      );
    }
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
}

/**
 * Stops the cluster's daemons gracefully (SIGTERM, then SIGKILL after a while), whatever they serve;
 * returns their pids (none if none ran).
 */
export async function stopWorkerDaemon(config: GantryConfig): Promise<number[]> {
  const dir = path.join(config.home, 'run');
  const prefix = `worker-${daemonTag(config)}`;
  const names = await readdir(dir).catch(() => [] as string[]);
  const pidFiles = names.filter(
    (n) => n.endsWith('.pid') && (n === `${prefix}.pid` || n.startsWith(`${prefix}--`)),
  );
  const stopped: number[] = [];
  await Promise.all(
    pidFiles.map(async (name) => {
      const pidFile = path.join(dir, name);
      const pid = await runningDaemon({ pidFile, logFile: pidFile.replace(/\.pid$/, '.log') });
      if (pid === undefined) return;
      process.kill(pid, 'SIGTERM');
      const deadline = Date.now() + STOP_TIMEOUT_MS;
      while (isAlive(pid) && Date.now() < deadline) await new Promise((resolve) => setTimeout(resolve, 100));
      if (isAlive(pid)) process.kill(pid, 'SIGKILL');
      await rm(pidFile, { force: true });
      stopped.push(pid);
    }),
  );
  return stopped.sort((a, b) => a - b);
}
