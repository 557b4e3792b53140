/**
 * A throwaway PostgreSQL cluster for Airflow's metadata database: Debian's server binaries, initdb into a
 * fresh temporary directory, listening on 127.0.0.1 on a free port, stopped and deleted by `stop()`.
 * initdb and postgres refuse to run as root, so as root the server runs as Debian's `postgres` user.
 * Queries go through `psql` (no Node driver is a dependency of the project).
 */
import { execFile } from 'node:child_process';
import { chownSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir, userInfo } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const DB_USER = 'airflow';
const DB_NAME = 'airflow';

export interface BenchPostgres {
  /** SQLAlchemy URL for Airflow. */
  readonly url: string;
  /** Runs one statement; rows of tab-separated fields, as psql prints them unaligned. */
  query(sql: string): Promise<string[][]>;
  stop(): Promise<void>;
}

export class BenchPostgresError extends Error {
  override readonly name = 'BenchPostgresError';
}

/** A TCP port that was free a moment ago on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      server.close(() =>
        typeof address === 'object' && address !== null
          ? resolve(address.port)
          : reject(new Error('freePort: no port')),
      );
    });
  });
}

export async function startPostgres(pgBin: string): Promise<BenchPostgres> {
  const isRoot = userInfo().uid === 0;
  const dir = mkdtempSync(join(tmpdir(), 'gantry-bench-pg-'));
  const dataDir = join(dir, 'data');
  if (isRoot) {
    const { stdout } = await run('id', ['-u', 'postgres']);
    const { stdout: gid } = await run('id', ['-g', 'postgres']);
    chownSync(dir, Number(stdout.trim()), Number(gid.trim()));
  }
  const asServer = (bin: string, args: string[]) =>
    isRoot
      ? run('runuser', ['-u', 'postgres', '--', join(pgBin, bin), ...args], { cwd: dir })
      : run(join(pgBin, bin), args, { cwd: dir });
  const port = await freePort();
  let isStarted = false;
  const stop = async () => {
    if (isStarted)
      await asServer('pg_ctl', ['-D', dataDir, '-m', 'fast', '-w', 'stop']).catch(() => undefined);
    isStarted = false;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    await asServer('initdb', ['-D', dataDir, '-U', DB_USER, '-A', 'trust', '-E', 'UTF8', '--no-sync']);
    // The socket goes in our own directory: /var/run/postgresql may not exist or belong to another cluster.
    const options = `-p ${port} -c listen_addresses=127.0.0.1 -k ${dir} -c max_connections=200`;
    await asServer('pg_ctl', ['-D', dataDir, '-l', join(dir, 'server.log'), '-o', options, '-w', 'start']);
    isStarted = true;
    const psql = (db: string, sql: string) =>
      run(
        'psql',
        [
          '-h',
          '127.0.0.1',
          '-p',
          String(port),
          '-U',
          DB_USER,
          '-d',
          db,
          '-X',
          '-q',
          '-A',
          '-t',
          '-F',
          '\t',
          '-v',
          'ON_ERROR_STOP=1',
          '-c',
          sql,
        ],
        {
          maxBuffer: 64 * 1024 * 1024,
        },
      );
    await psql('postgres', `CREATE DATABASE ${DB_NAME}`);
    return {
      url: `postgresql+psycopg2://${DB_USER}@127.0.0.1:${port}/${DB_NAME}`,
      async query(sql) {
        const { stdout } = await psql(DB_NAME, sql);
        return stdout
          .split('\n')
          .filter((line) => line.length > 0)
          .map((line) => line.split('\t'));
      },
      stop,
    };
  } catch (err) {
    await stop();
    throw new BenchPostgresError(`startPostgres(${pgBin}) on port ${port} in ${dir}: ${String(err)}`, {
      cause: err,
    });
  }
}
