/**
 * A Docker engine of the test's own, started the way scripts/ensure-nodes.sh starts node engines (with
 * scripts/lib.sh `dockerd_security_args`: the runtime classes installed here), on its own socket, data root,
 * exec root and bridge, so the stack's engines are never restarted. Needs root and runsc installed.
 */
import { type ChildProcess, execFile, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { openSync } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const LIB = path.resolve(import.meta.dirname, '../../scripts/lib.sh');

export interface RuntimeEngine {
  readonly socketPath: string;
  /** What dockerd registered besides runc, e.g. ["runsc"]. */
  readonly runtimes: readonly string[];
  stop(): Promise<void>;
}

export async function startRuntimeEngine(images: readonly string[]): Promise<RuntimeEngine> {
  const dir = await mkdtemp('/tmp/grt-');
  const tag = randomBytes(2).toString('hex');
  const bridge = `grt${tag}`;
  const socketPath = path.join(dir, 'docker.sock');
  const home = path.join(dir, 'home');
  const { stdout } = await run('bash', ['-c', `source ${LIB}; dockerd_security_args`], {
    env: { ...process.env, GANTRY_HOME: home, GANTRY_DOCKER_USERNS_REMAP: '' },
  });
  const securityArgs = stdout.split('\n').filter(Boolean);
  await run('ip', ['link', 'add', bridge, 'type', 'bridge']);
  await run('ip', ['addr', 'add', `10.253.${parseInt(tag, 16) % 250}.1/24`, 'dev', bridge]);
  await run('ip', ['link', 'set', bridge, 'up']);
  const log = openSync(path.join(dir, 'dockerd.log'), 'a');
  const dockerd: ChildProcess = spawn(
    'dockerd',
    [
      ...['--host', `unix://${socketPath}`, '--data-root', path.join(dir, 'data')],
      ...['--exec-root', path.join(dir, 'exec'), '--pidfile', path.join(dir, 'docker.pid')],
      ...['--bridge', bridge, '--iptables=false', '--ip-masq=false'],
      ...securityArgs,
    ],
    { stdio: ['ignore', log, log] },
  );
  const exited = new Promise<void>((resolve) => dockerd.once('exit', () => resolve()));
  const stop = async () => {
    dockerd.kill('SIGTERM');
    await Promise.race([exited, new Promise((resolve) => setTimeout(resolve, 20_000))]);
    await run('ip', ['link', 'del', bridge]).catch(() => undefined);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    const deadline = Date.now() + 60_000;
    for (;;) {
      const answered = await run('docker', [
        '-H',
        `unix://${socketPath}`,
        'info',
        '--format',
        '{{json .Runtimes}}',
      ])
        .then((r) => r.stdout)
        .catch(() => undefined);
      if (answered !== undefined) {
        const runtimes = Object.keys(JSON.parse(answered) as object).filter((r) => !r.includes('runc'));
        await run('bash', ['-c', `docker save ${images.join(' ')} | docker -H unix://${socketPath} load -q`]);
        return { socketPath, runtimes, stop };
      }
      if (dockerd.exitCode !== null || Date.now() > deadline)
        throw new Error(`the test engine did not answer; see ${path.join(dir, 'dockerd.log')}`);
      await new Promise((resolve) => setTimeout(resolve, 500));
    }
  } catch (err) {
    await stop();
    throw err;
  }
}
