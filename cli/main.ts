/**
 * The `gantry` command. Thin: parses arguments, calls a command module, maps errors to exit codes
 * (2 for bad input, 3 when the stack is unreachable, 1 for a failed run).
 */
import { Command, InvalidArgumentError, Option } from 'commander';
import path from 'node:path';
import { GantryActivityError } from '../activities/errors.js';
import { type GantryConfig, loadConfig } from '../engine/config.js';
import { LISTED_STATUSES, type ListedStatus, TRIGGER_KINDS, type TriggerKind } from '../engine/list-runs.js';
import {
  ClusterUpdateRejectedError,
  GantryEngineError,
  InvalidConfigError,
  RunNotFoundError,
} from '../engine/errors.js';
import { GantryPipelineError } from '../pipeline/errors.js';
import { formatValidationError } from '../pipeline/format-issues.js';
import {
  cancelCommand,
  clusterApplyCommand,
  clusterRecoverCommand,
  clusterShowCommand,
  logsCommand,
  statusCommand,
} from './commands/inspect.js';
import {
  codecKeyRotateCommand,
  codecKeyShowCommand,
  codecServerCommand,
  ensureCodecKey,
} from './commands/codec.js';
import { listCommand, queryValue } from './commands/list.js';
import { rerunCommand } from './commands/rerun.js';
import { addScheduleCommands, isBadScheduleInput } from './commands/schedule.js';
import { runCommand } from './commands/run.js';
import { addTriggerCommands, isBadTriggerInput } from './commands/trigger.js';
import { tlsProxyCommand } from './commands/tls-proxy.js';
import { validateCommand } from './commands/validate.js';
import { workerCommand } from './commands/worker.js';
import { GantryCliError } from './errors.js';
import { ExitCode } from './exit-codes.js';
import { collectParam } from './param-flag.js';
import { StackScriptError, installQuietRuntime, runStackScript } from './stack.js';
import { startWorkerDaemon, stopWorkerDaemon } from './worker-daemon.js';
import { upNodes } from './up-nodes.js';

function positiveInt(value: string): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1)
    throw new InvalidArgumentError(`expected a positive integer, got "${value}"`);
  return n;
}

function exitCodeFor(err: unknown): number {
  if (err instanceof GantryPipelineError) {
    process.stderr.write(`${formatValidationError(err)}\n`);
    return ExitCode.InvalidInput;
  }
  if (
    err instanceof StackScriptError ||
    err instanceof GantryEngineError ||
    err instanceof GantryActivityError
  ) {
    process.stderr.write(`gantry: ${err.message}\n`);
    return err instanceof RunNotFoundError ||
      err instanceof InvalidConfigError ||
      err instanceof ClusterUpdateRejectedError ||
      isBadScheduleInput(err) ||
      isBadTriggerInput(err)
      ? ExitCode.InvalidInput
      : ExitCode.Unavailable;
  }
  if (err instanceof GantryCliError) {
    process.stderr.write(`gantry: ${err.message}\n`);
    return ExitCode.InvalidInput;
  }
  process.stderr.write(
    `gantry: unexpected error: ${err instanceof Error ? (err.stack ?? err.message) : String(err)}\n`,
  );
  return ExitCode.Unavailable;
}

const program = new Command('gantry')
  .description('Run pipelines of containers on a shared Docker cluster, orchestrated by Temporal')
  .showHelpAfterError()
  .exitOverride((err) => process.exit(err.exitCode === 0 ? 0 : ExitCode.InvalidInput));

let action: Promise<number> = Promise.resolve(ExitCode.Ok);
function loadConfigOrExit(): GantryConfig {
  try {
    return loadConfig();
  } catch (err) {
    if (!(err instanceof InvalidConfigError)) throw err;
    process.stderr.write(`gantry: ${err.message}\n`);
    process.exit(ExitCode.InvalidInput);
  }
}

const config = loadConfigOrExit();
installQuietRuntime();

async function detachWorker(args: readonly string[]): Promise<number> {
  const daemon = await startWorkerDaemon(config, args);
  process.stderr.write(
    daemon.isNew
      ? `gantry: background worker started (pid ${daemon.pid}); log: ${daemon.logFile}; stop it with \`gantry worker --stop\`\n`
      : `gantry: a background worker already runs (pid ${daemon.pid}); log: ${daemon.logFile}\n`,
  );
  return ExitCode.Ok;
}

program
  .command('run')
  .description(
    'run a pipeline file (YAML, JSON or a TS module) and watch it; starts a local stack and workers if none exist',
  )
  .argument('<file>')
  .option(
    '--param <name=value>',
    "override a pipeline param (repeatable; the value may contain '=')",
    collectParam,
  )
  .option('--no-cache', 'run every task, reusing no earlier result (results are still recorded)')
  .option('--json', 'print the result as one JSON object on the last line')
  .option('--detach', 'start the run and return its id without waiting (needs running workers)')
  .action(
    (
      file: string,
      opts: { param?: Record<string, string>; cache: boolean; json?: boolean; detach?: boolean },
    ) => {
      action = runCommand(
        file,
        {
          json: opts.json ?? false,
          detach: opts.detach ?? false,
          params: opts.param ?? {},
          isCacheDisabled: !opts.cache,
        },
        config,
      );
    },
  );
program
  .command('rerun')
  .description(
    'run a finished run again with the same params, reusing every task that succeeded or was cached (except --from and downstream)',
  )
  .argument('<run>', 'run id or workflow id')
  .option('--from <task>', 'run this task and everything downstream of it again')
  .option('--no-cache', 'the tasks that run again reuse no earlier result from the task cache')
  .option('--json', 'print the result as one JSON object on the last line')
  .option('--detach', 'start the run and return its id without waiting (needs running workers)')
  .action((run: string, opts: { from?: string; cache: boolean; json?: boolean; detach?: boolean }) => {
    action = rerunCommand(
      run,
      {
        json: opts.json ?? false,
        detach: opts.detach ?? false,
        isCacheDisabled: !opts.cache,
        ...(opts.from === undefined ? {} : { from: opts.from }),
      },
      config,
    );
  });
program
  .command('validate')
  .description('check pipeline files and print every problem at once; starts nothing')
  .argument('<files...>')
  .action((files: string[]) => {
    action = validateCommand(files);
  });
program
  .command('worker')
  .description("run a worker: the control queue and every node by default, or only what's selected")
  .option('--node <id...>', 'serve only these nodes (containers run on their Docker endpoints)')
  .option('--control', 'serve only the control queue (workflows)')
  .option('--cluster-file <file>', 'apply this cluster definition first')
  .option('--detach', 'run it in the background (log and pid file under $GANTRY_HOME/run) and return')
  .option('--stop', 'stop the background worker of this cluster')
  .action(
    (opts: {
      node?: string[];
      control?: boolean;
      clusterFile?: string;
      detach?: boolean;
      stop?: boolean;
    }) => {
      if (opts.stop) {
        action = stopWorkerDaemon(config).then((pids) => {
          process.stderr.write(
            pids.length === 0
              ? 'gantry: no background worker runs\n'
              : pids.length === 1
                ? `gantry: stopped the background worker (pid ${pids[0]})\n`
                : `gantry: stopped ${pids.length} background workers (pids ${pids.join(', ')})\n`,
          );
          return ExitCode.Ok;
        });
        return;
      }
      if (opts.detach) {
        const args = [
          ...(opts.node ? ['--node', ...opts.node] : []),
          ...(opts.control ? ['--control'] : []),
          ...(opts.clusterFile ? ['--cluster-file', path.resolve(opts.clusterFile)] : []),
        ];
        action = detachWorker(args);
        return;
      }
      action = workerCommand(
        {
          nodes: opts.node ?? [],
          isControlOnly: opts.control ?? false,
          ...(opts.clusterFile ? { clusterFile: opts.clusterFile } : {}),
        },
        config,
      );
    },
  );
program
  .command('logs')
  .description("print a task's container logs, every attempt")
  .argument('<run>', 'run id or workflow id')
  .argument('<task>', 'task id')
  .option('--attempt <n>', 'only this attempt', positiveInt)
  .option('-f, --follow', 'keep printing while the task runs')
  .action((run: string, task: string, opts: { attempt?: number; follow?: boolean }) => {
    action = logsCommand(
      run,
      task,
      { ...(opts.attempt ? { attempt: opts.attempt } : {}), follow: opts.follow ?? false },
      config,
    );
  });
program
  .command('status')
  .description(
    "a run's state: every task's status, attempts, exit code, node and outputs (foreach items too)",
  )
  .argument('<run>', 'run id or workflow id')
  .option('--json', 'as JSON')
  .action((run: string, opts: { json?: boolean }) => {
    action = statusCommand(run, { json: opts.json ?? false }, config);
  });
program
  .command('cancel')
  .description('cancel a run; its containers are killed and removed')
  .argument('<run>', 'run id or workflow id')
  .action((run: string) => {
    action = cancelCommand(run, config);
  });
program
  .command('list')
  .description('recent runs, newest first (sub-pipeline runs only with --all)')
  .option('--pipeline <name>', 'only runs of this pipeline', queryValue)
  .addOption(new Option('--status <status>', 'only runs in this status').choices(LISTED_STATUSES))
  .option('--schedule <id>', 'only runs this schedule started', queryValue)
  .addOption(new Option('--trigger <kind>', 'only runs started this way').choices(TRIGGER_KINDS))
  .option('--all', "also sub-pipelines' child runs")
  .option('--limit <n>', 'at most this many', positiveInt, 20)
  .option('--json', 'as a JSON array')
  .action(
    (opts: {
      pipeline?: string;
      status?: ListedStatus;
      schedule?: string;
      trigger?: TriggerKind;
      all?: boolean;
      limit: number;
      json?: boolean;
    }) => {
      const { all, json, ...filters } = opts;
      action = listCommand({ ...filters, isIncludingChildren: all ?? false, json: json ?? false }, config);
    },
  );
addScheduleCommands(program, config, (run) => {
  action = run();
});
addTriggerCommands(program, config, (run) => {
  action = run();
});
const cluster = program.command('cluster').description("the cluster's nodes, allocations and queue");
cluster
  .command('show')
  .option('--json', 'as JSON')
  .action((opts: { json?: boolean }) => {
    action = clusterShowCommand({ json: opts.json ?? false }, config);
  });
cluster
  .command('apply')
  .argument('<file>', 'cluster definition (YAML or JSON): name and nodes')
  .action((file: string) => {
    action = clusterApplyCommand(file, config);
  });
cluster
  .command('recover')
  .description(
    'terminate a stuck cluster service (its workflow task keeps failing) and restart it from the open runs',
  )
  .option('--force', 'restart the service even if it is not stuck')
  .action((opts: { force?: boolean }) => {
    action = clusterRecoverCommand({ force: opts.force ?? false }, config);
  });
program
  .command('codec-server')
  .description(
    'serve the payload codec to the Temporal UI and CLI (POST /encode, /decode); needs GANTRY_CODEC_SERVER_TOKEN beyond loopback',
  )
  .option('--port <port>', 'port to listen on', positiveInt, 8081)
  .option('--host <host>', 'address to bind', '127.0.0.1')
  .option(
    '--cors-origin <origin...>',
    'origins of the pages that may call it (default: the Temporal UI, GANTRY_UI_URL)',
  )
  .action((opts: { port: number; host: string; corsOrigin?: string[] }) => {
    action = codecServerCommand(
      { port: opts.port, host: opts.host, corsOrigins: opts.corsOrigin ?? [new URL(config.uiUrl).origin] },
      config,
    );
  });
program
  .command('tls-proxy')
  .description(
    'mutual TLS in front of a plaintext Temporal dev server: clients need a certificate from --ca (scripts/gen-certs.sh)',
  )
  .requiredOption('--listen <host:port>', 'address to accept TLS on')
  .option('--target <host:port>', 'the plaintext server', '127.0.0.1:7233')
  .requiredOption('--cert <file>', "the proxy's certificate (PEM)")
  .requiredOption('--key <file>', "the proxy's key (PEM)")
  .requiredOption('--ca <file>', "the CA clients' certificates must chain to (PEM)")
  .action((opts: { listen: string; target: string; cert: string; key: string; ca: string }) => {
    action = tlsProxyCommand(opts);
  });
const codecKey = program
  .command('codec-key')
  .description('the keys that encrypt payloads in Temporal (GANTRY_CODEC_KEY, or $GANTRY_HOME/codec-keys)');
codecKey
  .command('show')
  .description('list the key ids, the active one first (creates the key file if there is none)')
  .action(() => {
    action = codecKeyShowCommand(config);
  });
codecKey
  .command('rotate')
  .description('add a new key that encrypts from now on; older keys keep decrypting')
  .action(() => {
    action = codecKeyRotateCommand(config);
  });
program
  .command('up')
  .description('start the local stack: Docker engine, Temporal dev server with its Web UI, images')
  .option('--no-images', 'skip building the local images')
  .option('--worker', 'also start a background worker (`gantry worker --detach`)')
  .option(
    '--nodes <n>',
    'a cluster of N nodes, each its own Docker engine (socket, data root, bridge); with --worker, a worker per node',
    positiveInt,
  )
  .action((opts: { images: boolean; worker?: boolean; nodes?: number }) => {
    const args = [
      ...(opts.images ? [] : ['--no-images']),
      ...(opts.nodes ? ['--nodes', String(opts.nodes)] : []),
    ];
    // The codec key first: encryption is on from the first payload the new stack sees.
    action = ensureCodecKey(config)
      .then(() => runStackScript('up', args))
      .then(async (env) => {
        for (const [key, value] of Object.entries(env)) process.stdout.write(`${key}=${value}\n`);
        if (opts.nodes) return upNodes(config, env, opts.nodes, opts.worker ?? false, detachWorker);
        return opts.worker ? detachWorker([]) : ExitCode.Ok;
      });
  });
program
  .command('down')
  .description('stop what `gantry up` started (dockerd only with --all)')
  .option('--all', 'also stop a Docker engine that `gantry up` started')
  .action((opts: { all?: boolean }) => {
    // The background worker first: it would otherwise lose its server mid-task.
    action = stopWorkerDaemon(config)
      .then(() => runStackScript('down', opts.all ? ['--all'] : []))
      .then(() => ExitCode.Ok);
  });

program.parse();
action.then(
  (code) => process.exit(code),
  (err: unknown) => process.exit(exitCodeFor(err)),
);
