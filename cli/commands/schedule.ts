/**
 * `gantry schedule create|list|describe|pause|unpause|trigger|delete|update|backfill`: pipelines fired by
 * Temporal Schedules (engine/schedules.ts). Input is checked before anything is contacted. Commands after
 * which runs start (create, update, unpause, trigger, backfill) leave the machine able to run them with no
 * CLI watching: the stack is brought up if nothing is configured, the cluster service is started, and a
 * background worker (`gantry worker --detach`) is started when a queue of the cluster has no worker.
 */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { GantryConfig } from '../../engine/config.js';
import { connectClient } from '../../engine/connection.js';
import {
  SchedulePipelineMismatchError,
  ScheduleExistsError,
  ScheduleRejectedError,
  UnknownScheduleError,
} from '../../engine/errors.js';
import { hasPollers } from '../../engine/pollers.js';
import { timingFields } from '../../engine/schedule-view.js';
import {
  backfillSchedule,
  createSchedule,
  deleteSchedule,
  describeSchedule,
  listSchedules,
  pauseSchedule,
  readGantrySchedule,
  triggerSchedule,
  unpauseSchedule,
  updateSchedulePipeline,
} from '../../engine/schedules.js';
import { applyParamOverrides } from '../../pipeline/apply-params.js';
import type { PipelineSpec } from '../../pipeline/schema.js';
import { firstTriggerReference } from '../../pipeline/trigger-refs.js';
import { NeedsUpstreamRunError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { formatScheduleList, formatScheduleView, formatWhen } from '../format-schedule.js';
import { clusterParseOptions } from '../cluster-parse-options.js';
import { loadPipelineFile } from '../load-pipeline.js';
import { localImagesOf } from '../local-images.js';
import { collectParam } from '../param-flag.js';
import {
  type ScheduleFlags,
  checkOverlap,
  checkScheduleId,
  parseBackfillRange,
  resolveScheduleSettings,
} from '../schedule-flags.js';
import { ensureServedCluster } from '../served-cluster.js';
import { connectOrBringUp } from '../stack.js';

/** A backfill starts a run for every fire time at once: the cluster's queue, not the schedule, paces them. */
const BACKFILL_OVERLAP = 'allowAll';

export interface CreateOptions extends ScheduleFlags {
  readonly id: string;
  readonly params?: Readonly<Record<string, string>>;
  readonly note?: string;
}

/** A scheduled run has no upstream run: `{{ trigger.* }}` could never render. */
function refuseTriggerReferences(file: string, spec: PipelineSpec): void {
  const usage = firstTriggerReference(spec);
  if (usage !== undefined) throw new NeedsUpstreamRunError(file, usage);
}

export async function scheduleCreateCommand(
  file: string,
  options: CreateOptions,
  config: GantryConfig,
): Promise<number> {
  checkScheduleId(options.id);
  const params = options.params ?? {};
  const draft = applyParamOverrides(await loadPipelineFile(file), params);
  refuseTriggerReferences(file, draft);
  const settings = resolveScheduleSettings(options, draft.schedule, file);
  const client = await connectOrBringUp(config, localImagesOf(draft));
  try {
    const cluster = await ensureServedCluster(client, config, 'scheduled runs');
    // Second pass with the cluster's nodes: a task no node can hold is bad input too, and nothing is created.
    const spec = applyParamOverrides(await loadPipelineFile(file, clusterParseOptions(cluster)), params);
    await createSchedule(client, config, {
      id: options.id,
      spec,
      params,
      ...settings,
      ...(options.note === undefined ? {} : { note: options.note }),
    });
    const view = await describeSchedule(client, options.id);
    process.stdout.write(
      `created schedule ${view.id}: pipeline ${view.pipeline}, ${formatWhen(view)}, overlap ${view.policies.overlap}; next fire time ${view.nextFireTime ?? '(none)'}\n`,
    );
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

/** A new version of the schedule's pipeline, with the schedule's `--param` values; timing and state stay. */
export async function scheduleUpdateCommand(id: string, file: string, config: GantryConfig): Promise<number> {
  const draft = await loadPipelineFile(file);
  refuseTriggerReferences(file, draft);
  const client = await connectOrBringUp(config, localImagesOf(draft));
  try {
    const memo = await readGantrySchedule(client, id);
    applyParamOverrides(draft, memo.params);
    const cluster = await ensureServedCluster(client, config, 'scheduled runs');
    const spec = applyParamOverrides(await loadPipelineFile(file, clusterParseOptions(cluster)), memo.params);
    await updateSchedulePipeline(client, id, spec);
    process.stdout.write(`updated schedule ${id}: its next firing runs this version of ${spec.name}\n`);
    const current = formatWhen(timingFields(memo.timing));
    const own = spec.schedule;
    const ownTiming = own && {
      kind: 'cron' as const,
      cron: own.cron,
      ...(own.timezone ? { timezone: own.timezone } : {}),
    };
    if (ownTiming && formatWhen(timingFields(ownTiming)) !== current) {
      process.stderr.write(
        `gantry: ${file}'s schedule: block is not applied by update; the schedule still fires on ${current} (delete and create it to change that)\n`,
      );
    }
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

export async function scheduleListCommand(options: { json: boolean }, config: GantryConfig): Promise<number> {
  return withClient(config, async (client) => {
    const items = await listSchedules(client);
    process.stdout.write(`${options.json ? JSON.stringify(items) : formatScheduleList(items)}\n`);
    return ExitCode.Ok;
  });
}

export async function scheduleDescribeCommand(
  id: string,
  options: { json: boolean },
  config: GantryConfig,
): Promise<number> {
  return withClient(config, async (client) => {
    const view = await describeSchedule(client, id);
    process.stdout.write(`${options.json ? JSON.stringify(view) : formatScheduleView(view)}\n`);
    if (!(await hasPollers(client, config.namespace, view.controlTaskQueue, true))) {
      process.stderr.write(
        `gantry: no worker polls ${view.controlTaskQueue}: fired runs wait until one does (\`gantry worker --detach\`)\n`,
      );
    }
    return ExitCode.Ok;
  });
}

export async function schedulePauseCommand(id: string, note: string | undefined, config: GantryConfig) {
  return withClient(config, async (client) => {
    await pauseSchedule(client, id, note);
    process.stdout.write(`paused schedule ${id}\n`);
    return ExitCode.Ok;
  });
}

export async function scheduleDeleteCommand(id: string, config: GantryConfig): Promise<number> {
  return withClient(config, async (client) => {
    await deleteSchedule(client, id);
    process.stdout.write(`deleted schedule ${id}; the runs it started are left as they are\n`);
    return ExitCode.Ok;
  });
}

/** unpause, trigger: runs follow, so workers are made sure of first. */
async function startingRuns(config: GantryConfig, act: (client: Client) => Promise<string>): Promise<number> {
  const client = await connectOrBringUp(config, []);
  try {
    const message = await act(client);
    await ensureServedCluster(client, config, 'scheduled runs');
    process.stdout.write(`${message}\n`);
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

export async function scheduleUnpauseCommand(id: string, config: GantryConfig): Promise<number> {
  return startingRuns(config, async (client) => {
    await unpauseSchedule(client, id);
    return `unpaused schedule ${id}`;
  });
}

export async function scheduleTriggerCommand(id: string, config: GantryConfig): Promise<number> {
  return startingRuns(config, async (client) => {
    await triggerSchedule(client, id);
    return `triggered schedule ${id}: a run starts now (\`gantry schedule describe ${id}\` lists it)`;
  });
}

export async function scheduleBackfillCommand(
  id: string,
  options: { from: string; to: string; overlap?: string },
  config: GantryConfig,
): Promise<number> {
  const range = parseBackfillRange(options.from, options.to);
  const overlap =
    options.overlap === undefined ? BACKFILL_OVERLAP : checkOverlap('--overlap', options.overlap);
  return startingRuns(config, async (client) => {
    await backfillSchedule(client, id, { ...range, overlap });
    return `backfilling schedule ${id}: a run for every fire time from ${range.from.toISOString()} to ${range.to.toISOString()} (overlap ${overlap})`;
  });
}

async function withClient(config: GantryConfig, act: (client: Client) => Promise<number>): Promise<number> {
  const client = await connectClient(config);
  try {
    return await act(client);
  } finally {
    await client.connection.close();
  }
}

/** Engine errors of the schedule commands that are the user's input (exit code 2), not the stack's. */
export function isBadScheduleInput(err: unknown): boolean {
  return (
    err instanceof UnknownScheduleError ||
    err instanceof ScheduleExistsError ||
    err instanceof ScheduleRejectedError ||
    err instanceof SchedulePipelineMismatchError
  );
}

/** Registers `gantry schedule …`; `start` receives each command's action. */
export function addScheduleCommands(
  program: Command,
  config: GantryConfig,
  start: (action: () => Promise<number>) => void,
): void {
  const schedule = program
    .command('schedule')
    .description('run a pipeline on a cron expression or an interval (Temporal Schedules)');
  schedule
    .command('create')
    .description("create a schedule; the pipeline's own schedule: block applies where no flag overrides it")
    .argument('<file>')
    .requiredOption('--id <id>', 'the schedule id (its runs are <id>-<fire time>)')
    .option(
      '--cron <expression>',
      'a cron expression: 5 fields or @hourly, @daily, @weekly, @monthly, @yearly',
    )
    .option('--every <duration>', 'an interval instead of a cron expression, e.g. 10m, 1h30m')
    .option('--timezone <zone>', 'IANA time zone of the cron expression (UTC by default)')
    .option(
      '--overlap <policy>',
      'skip|bufferOne|bufferAll|cancelOther|terminateOther|allowAll (default skip)',
    )
    .option('--catchup-window <duration>', 'how late a missed fire time may still start (Temporal: 1 year)')
    .option('--jitter <duration>', 'start each run up to this much later, at random')
    .option('--pause-on-failure', 'pause the schedule when a run fails')
    .option('--param <name=value>', 'override a pipeline param (repeatable)', collectParam)
    .option('--note <text>', "a note on the schedule's state")
    .action((file: string, opts: CreateOptions & { param?: Record<string, string> }) => {
      const { param, ...rest } = opts;
      start(() => scheduleCreateCommand(file, { ...rest, params: param ?? {} }, config));
    });
  schedule
    .command('list')
    .description("Gantry's schedules")
    .option('--json', 'as a JSON array')
    .action((opts: { json?: boolean }) =>
      start(() => scheduleListCommand({ json: opts.json ?? false }, config)),
    );
  schedule
    .command('describe')
    .description('spec, policies, state, next 5 fire times, recent runs with their status')
    .argument('<id>')
    .option('--json', 'as JSON')
    .action((id: string, opts: { json?: boolean }) =>
      start(() => scheduleDescribeCommand(id, { json: opts.json ?? false }, config)),
    );
  schedule
    .command('pause')
    .argument('<id>')
    .option('--note <text>', 'why (shown by describe and list)')
    .action((id: string, opts: { note?: string }) =>
      start(() => schedulePauseCommand(id, opts.note, config)),
    );
  schedule
    .command('unpause')
    .argument('<id>')
    .action((id: string) => start(() => scheduleUnpauseCommand(id, config)));
  schedule
    .command('trigger')
    .description('start one run now, even while another runs')
    .argument('<id>')
    .action((id: string) => start(() => scheduleTriggerCommand(id, config)));
  schedule
    .command('delete')
    .description('delete the schedule; its runs are left as they are')
    .argument('<id>')
    .action((id: string) => start(() => scheduleDeleteCommand(id, config)));
  schedule
    .command('update')
    .description(
      "a new version of the schedule's pipeline (same name, same --param values); the next firing runs it",
    )
    .argument('<id>')
    .argument('<file>')
    .action((id: string, file: string) => start(() => scheduleUpdateCommand(id, file, config)));
  schedule
    .command('backfill')
    .description(`a run for every fire time in [--from, --to] (overlap ${BACKFILL_OVERLAP} unless given)`)
    .argument('<id>')
    .requiredOption('--from <time>', 'ISO-8601; UTC when it has no offset')
    .requiredOption('--to <time>', 'ISO-8601, included')
    .option('--overlap <policy>', 'skip|bufferOne|bufferAll|cancelOther|terminateOther|allowAll')
    .action((id: string, opts: { from: string; to: string; overlap?: string }) =>
      start(() => scheduleBackfillCommand(id, opts, config)),
    );
}
