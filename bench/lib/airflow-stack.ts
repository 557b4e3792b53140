/**
 * Airflow 3 for the engine bench: a fresh metadata database on a throwaway Postgres, then `airflow
 * api-server` (tasks report to its execution API), `airflow dag-processor` and `airflow scheduler` (with the
 * LocalExecutor), each in its own process group so `stop()` ends them and every child they forked. Runs are
 * triggered with the CLI and followed in the database, which also gives the task instances' times.
 * Everything lives in one temporary directory (AIRFLOW_HOME, DAG folder, logs) deleted by `stop()`.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import {
  closeSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readFileSync,
  readdirSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { type BenchPostgres, freePort, startPostgres } from './airflow-postgres.js';

const run = promisify(execFile);
const COMPONENTS = ['api-server', 'dag-processor', 'scheduler'] as const;
const READY_TIMEOUT_MS = 300_000;
const POLL_MS = 250;

export interface AirflowStackOptions {
  readonly venv: string;
  readonly pgBin: string;
  /** DAG files to load: Python source by DAG id. */
  readonly dags: Readonly<Record<string, string>>;
  readonly parallelism: number;
  /** Receives `stop` before anything starts, for a caller that must clean up if start-up is interrupted. */
  readonly onStop?: (stop: () => Promise<void>) => void;
}

export interface AirflowTaskTimes {
  readonly startedAt: number;
  readonly finishedAt: number;
}

export interface AirflowRun {
  readonly runId: string;
  /** The DAG run's start_date and end_date, as the scheduler set them (epoch ms). */
  readonly startedAt: number;
  readonly finishedAt: number;
  /** From the trigger command's start to the bench seeing the run finished. */
  readonly wallMs: number;
  readonly tasks: Readonly<Record<string, AirflowTaskTimes>>;
}

export interface AirflowStack {
  readonly version: string;
  /** Settings that differ from Airflow's defaults, as environment variables. */
  readonly settings: Readonly<Record<string, string>>;
  run(dagId: string, timeoutMs: number): Promise<AirflowRun>;
  /** CPU seconds (user + system) used so far by the Airflow processes alive now and their reaped children. */
  cpuSeconds(): number;
  stop(): Promise<void>;
}

export class AirflowBenchError extends Error {
  override readonly name = 'AirflowBenchError';
}

const sqlString = (s: string) => `'${s.replace(/'/g, "''")}'`;
const epochMs = (column: string) => `round(extract(epoch from ${column}) * 1000)`;

export async function startAirflow(options: AirflowStackOptions): Promise<AirflowStack> {
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-airflow-'));
  const dags = join(dir, 'dags');
  mkdirSync(dags);
  for (const [dagId, source] of Object.entries(options.dags))
    writeFileSync(join(dags, `${dagId}.py`), source);
  const home = join(dir, 'home');
  const children: ChildProcess[] = [];
  let pg: BenchPostgres | undefined;

  let isStopped = false;
  const stop = async () => {
    if (isStopped) return;
    isStopped = true;
    await Promise.all(children.map((child) => stopGroup(child)));
    // A task runner that left its group (none should) still carries our AIRFLOW_HOME.
    for (const pid of pidsWithEnv(`AIRFLOW_HOME=${home}`)) process.kill(pid, 'SIGKILL');
    await pg?.stop();
    rmSync(dir, { recursive: true, force: true });
  };

  options.onStop?.(stop);
  try {
    pg = await startPostgres(options.pgBin);
    if (isStopped) {
      await pg.stop();
      throw new AirflowBenchError('startAirflow: stopped while starting');
    }
    const apiPort = await freePort();
    const settings: Record<string, string> = {
      AIRFLOW__CORE__EXECUTOR: 'LocalExecutor',
      AIRFLOW__CORE__PARALLELISM: String(options.parallelism),
      AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG: String(options.parallelism),
      // 0 = up to [core] parallelism per scheduler loop (default 16), so one loop can fill every slot.
      AIRFLOW__SCHEDULER__MAX_TIS_PER_QUERY: '0',
      AIRFLOW__CORE__LOAD_EXAMPLES: 'False',
      AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION: 'False',
    };
    const env: NodeJS.ProcessEnv = {
      ...process.env,
      ...settings,
      AIRFLOW_HOME: home,
      AIRFLOW__CORE__DAGS_FOLDER: dags,
      AIRFLOW__DATABASE__SQL_ALCHEMY_CONN: pg.url,
      AIRFLOW__API__HOST: '127.0.0.1',
      AIRFLOW__API__PORT: String(apiPort),
      AIRFLOW__CORE__EXECUTION_API_SERVER_URL: `http://127.0.0.1:${apiPort}/execution/`,
      // Every component must sign and check the execution API's tokens with the same secrets.
      AIRFLOW__API_AUTH__JWT_SECRET: randomBytes(32).toString('hex'),
      AIRFLOW__API__SECRET_KEY: randomBytes(32).toString('hex'),
      AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_ALL_ADMINS: 'True',
      PATH: `${join(options.venv, 'bin')}:${process.env['PATH'] ?? ''}`,
    };
    const airflow = join(options.venv, 'bin', 'airflow');
    const cli = async (args: string[]) => (await run(airflow, args, { env, cwd: dir })).stdout;
    const version = (await cli(['version'])).trim().split('\n').pop() ?? 'unknown';
    await cli(['db', 'migrate']);
    for (const component of COMPONENTS) {
      if (isStopped) throw new AirflowBenchError('startAirflow: stopped while starting');
      const log = openSync(join(dir, `${component}.log`), 'a');
      const child = spawn(airflow, [component], {
        env,
        cwd: dir,
        detached: true,
        stdio: ['ignore', log, log],
      });
      closeSync(log);
      children.push(child);
    }
    const dagIds = Object.keys(options.dags);
    await waitFor(
      `DAGs ${dagIds.join(', ')} parsed, unpaused, and a scheduler alive`,
      READY_TIMEOUT_MS,
      dir,
      children,
      async () => {
        const [row] = await pg!.query(
          `SELECT (SELECT count(*) FROM dag WHERE dag_id IN (${dagIds.map(sqlString).join(', ')}) AND NOT is_paused),
                (SELECT count(*) FROM job WHERE job_type = 'SchedulerJob' AND state = 'running')`,
        );
        return row?.[0] === String(dagIds.length) && row[1] !== '0';
      },
    );

    return {
      version,
      settings,
      cpuSeconds: () => cpuSecondsOf(pidsWithEnv(`AIRFLOW_HOME=${home}`)),
      async run(dagId, timeoutMs) {
        const runId = `bench-${Date.now()}-${randomBytes(2).toString('hex')}`;
        const t0 = Date.now();
        await cli(['dags', 'trigger', dagId, '--run-id', runId]);
        const where = `dag_id = ${sqlString(dagId)} AND run_id = ${sqlString(runId)}`;
        let state = '';
        await waitFor(`run ${runId} finished`, timeoutMs, dir, children, async () => {
          state = (await pg!.query(`SELECT state FROM dag_run WHERE ${where}`))[0]?.[0] ?? '';
          return state === 'success' || state === 'failed';
        });
        const wallMs = Date.now() - t0;
        if (state !== 'success')
          throw new AirflowBenchError(`Airflow run ${runId} ended ${state}\n${logTails(dir)}`);
        const [times] = await pg!.query(
          `SELECT ${epochMs('start_date')}, ${epochMs('end_date')} FROM dag_run WHERE ${where}`,
        );
        const tis = await pg!.query(
          `SELECT task_id, state, ${epochMs('start_date')}, ${epochMs('end_date')} FROM task_instance WHERE ${where}`,
        );
        const tasks: Record<string, AirflowTaskTimes> = {};
        for (const [taskId, tiState, start, end] of tis) {
          if (tiState !== 'success' || !start || !end)
            throw new AirflowBenchError(
              `Airflow run ${runId}: task ${taskId} is ${tiState} (start ${start}, end ${end})`,
            );
          tasks[taskId!] = { startedAt: Number(start), finishedAt: Number(end) };
        }
        return { runId, startedAt: Number(times![0]), finishedAt: Number(times![1]), wallMs, tasks };
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw new AirflowBenchError(`startAirflow: ${String(err)}`, { cause: err });
  }
}

async function waitFor(
  what: string,
  timeoutMs: number,
  dir: string,
  children: readonly ChildProcess[],
  isDone: () => Promise<boolean>,
): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    const dead = children.find((c) => c.exitCode !== null || c.signalCode !== null);
    if (dead)
      throw new AirflowBenchError(
        `waiting for ${what}: airflow ${dead.spawnargs[1]} exited (${dead.exitCode ?? dead.signalCode})\n${logTails(dir)}`,
      );
    if (await isDone()) return;
    if (Date.now() > deadline)
      throw new AirflowBenchError(`waiting for ${what}: not after ${timeoutMs / 1000} s\n${logTails(dir)}`);
    await sleep(POLL_MS);
  }
}

/** TERM to the child's whole process group, KILL after 20 s. */
async function stopGroup(child: ChildProcess): Promise<void> {
  const pid = child.pid;
  if (pid === undefined) return;
  const signal = (s: NodeJS.Signals | 0) => {
    try {
      process.kill(-pid, s);
      return true;
    } catch {
      return false; // The group is gone.
    }
  };
  if (!signal('SIGTERM')) return;
  for (let i = 0; i < 80 && signal(0); i++) await sleep(250);
  signal('SIGKILL');
}

function pidsWithEnv(entry: string): number[] {
  const pids: number[] = [];
  for (const name of readdirSync('/proc')) {
    if (!/^\d+$/.test(name) || Number(name) === process.pid) continue;
    try {
      if (readFileSync(`/proc/${name}/environ`, 'utf8').split('\0').includes(entry)) pids.push(Number(name));
    } catch {
      // Gone, or not ours to read.
    }
  }
  return pids;
}

const CLOCK_TICKS_PER_SECOND = 100;

function cpuSecondsOf(pids: readonly number[]): number {
  let ticks = 0;
  for (const pid of pids) {
    try {
      // Fields 14-17 (utime, stime, and those of waited-for children, so short-lived parsers and task
      // runners count too) follow the parenthesised command name, which may contain spaces.
      const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      ticks += Number(fields[11]) + Number(fields[12]) + Number(fields[13]) + Number(fields[14]);
    } catch {
      // Exited meanwhile.
    }
  }
  return ticks / CLOCK_TICKS_PER_SECOND;
}

/** The end of each component's log: the directory is deleted by `stop()`, so errors carry them. */
function logTails(dir: string): string {
  return COMPONENTS.map((c) => tail(join(dir, `${c}.log`))).join('\n');
}

function tail(file: string, lines = 15): string {
  try {
    return `--- ${file}\n${readFileSync(file, 'utf8').split('\n').slice(-lines).join('\n')}`;
  } catch {
    return `--- ${file}: none`;
  }
}
