/**
 * `gantry trigger create|list|delete`: pipelines started after runs of other pipelines end (engine/triggers.ts,
 * workflows/trigger-registry.ts). Input is checked before anything is contacted. `create` leaves the
 * machine able to start the triggered runs with no CLI watching: the stack is brought up if nothing is
 * configured, and the background worker is started when a queue of the cluster has no worker.
 */
import type { Client } from '@temporalio/client';
import type { Command } from 'commander';
import type { GantryConfig } from '../../engine/config.js';
import { connectClient } from '../../engine/connection.js';
import { TriggerRejectedError } from '../../engine/errors.js';
import { deleteTrigger, listTriggers, newRegistration, registerTrigger } from '../../engine/triggers.js';
import { applyParamOverrides } from '../../pipeline/apply-params.js';
import type { PipelineTrigger } from '../../pipeline/schema.js';
import type { TriggerView } from '../../workflows/definitions.js';
import { GantryCliError, InvalidFlagError } from '../errors.js';
import { ExitCode } from '../exit-codes.js';
import { clusterParseOptions } from '../cluster-parse-options.js';
import { loadPipelineFile } from '../load-pipeline.js';
import { localImagesOf } from '../local-images.js';
import { collectParam } from '../param-flag.js';
import { ensureServedCluster, withControlWorker } from '../served-cluster.js';
import { connectOrBringUp } from '../stack.js';

// Shown in messages and lists; the pipeline id's alphabet, so an id reads the same everywhere.
const TRIGGER_ID = /^[a-z0-9]([a-z0-9_-]{0,61}[a-z0-9])?$/;

export interface TriggerCreateOptions {
  /** The registration's id; the pipeline's name when absent. */
  readonly id?: string;
  readonly params?: Readonly<Record<string, string>>;
}

function describeAfter(after: readonly PipelineTrigger[]): string {
  return after
    .map((t) => `${t.afterPipeline} (${t.status === 'finished' ? 'any end' : t.status})`)
    .join(' or ');
}

export async function triggerCreateCommand(
  file: string,
  options: TriggerCreateOptions,
  config: GantryConfig,
): Promise<number> {
  if (options.id !== undefined && !TRIGGER_ID.test(options.id))
    throw new InvalidFlagError(
      '--id',
      `${JSON.stringify(options.id)}: must be 1-63 lower-case letters, digits, "-" or "_", starting and ending alphanumeric`,
    );
  const params = options.params ?? {};
  const draft = applyParamOverrides(await loadPipelineFile(file), params);
  if ((draft.triggers ?? []).length === 0)
    throw new GantryCliError(
      `${file}: pipeline "${draft.name}" declares no triggers: add triggers: [{ afterPipeline: NAME, status: succeeded }]`,
    );
  const id = options.id ?? draft.name;
  const client = await connectOrBringUp(config, localImagesOf(draft));
  try {
    const cluster = await ensureServedCluster(client, config, 'triggered runs');
    // Second pass with the cluster's nodes: a task no node can hold is bad input too, and nothing is registered.
    const spec = applyParamOverrides(await loadPipelineFile(file, clusterParseOptions(cluster)), params);
    const view = await registerTrigger(client, config, newRegistration(spec, id, config, new Date()));
    process.stdout.write(
      `created trigger ${view.id}: pipeline ${view.pipeline} starts after every run of ${describeAfter(view.after)}\n`,
    );
    return ExitCode.Ok;
  } finally {
    await client.connection.close();
  }
}

function formatTriggerList(views: readonly TriggerView[]): string {
  if (views.length === 0) return 'no triggers (`gantry trigger create FILE` registers one)';
  const rows = [
    ['ID', 'PIPELINE', 'AFTER', 'FIRED', 'LAST RUN'],
    ...views.map((v) => [
      v.id,
      v.pipeline,
      describeAfter(v.after),
      String(v.fired),
      v.lastError !== undefined ? `failed: ${v.lastError}` : (v.lastRun?.runId ?? '-'),
    ]),
  ];
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)));
  return rows
    .map((r) =>
      r
        .map((cell, i) => cell.padEnd(widths[i]!))
        .join('  ')
        .trimEnd(),
    )
    .join('\n');
}

/** The registry answers through a control worker: this process's own for the moment when none runs. */
async function withRegistry(config: GantryConfig, act: (client: Client) => Promise<number>): Promise<number> {
  const client = await connectClient(config);
  try {
    return await withControlWorker(client, config, () => act(client));
  } finally {
    await client.connection.close();
  }
}

export async function triggerListCommand(options: { json: boolean }, config: GantryConfig): Promise<number> {
  return withRegistry(config, async (client) => {
    const views = await listTriggers(client, config);
    process.stdout.write(`${options.json ? JSON.stringify(views) : formatTriggerList(views)}\n`);
    return ExitCode.Ok;
  });
}

export async function triggerDeleteCommand(id: string, config: GantryConfig): Promise<number> {
  return withRegistry(config, async (client) => {
    const view = await deleteTrigger(client, config, id);
    process.stdout.write(
      `deleted trigger ${view.id}: pipeline ${view.pipeline} no longer starts after ${describeAfter(view.after)}; the runs it started are left as they are\n`,
    );
    return ExitCode.Ok;
  });
}

/** Engine errors of the trigger commands that are the user's input (exit code 2), not the stack's. */
export function isBadTriggerInput(err: unknown): boolean {
  return err instanceof TriggerRejectedError;
}

/** Registers `gantry trigger …`; `start` receives each command's action. */
export function addTriggerCommands(
  program: Command,
  config: GantryConfig,
  start: (action: () => Promise<number>) => void,
): void {
  const trigger = program
    .command('trigger')
    .description('start a pipeline after every run of another that ends as its triggers: block says');
  trigger
    .command('create')
    .description("register the pipeline file's triggers: block (a trigger loop is refused)")
    .argument('<file>')
    .option('--id <id>', "the trigger's id (the pipeline's name by default)")
    .option('--param <name=value>', 'override a pipeline param (repeatable)', collectParam)
    .action((file: string, opts: { id?: string; param?: Record<string, string> }) =>
      start(() =>
        triggerCreateCommand(
          file,
          { ...(opts.id === undefined ? {} : { id: opts.id }), params: opts.param ?? {} },
          config,
        ),
      ),
    );
  trigger
    .command('list')
    .description('what waits on what, and the runs each trigger started')
    .option('--json', 'as a JSON array')
    .action((opts: { json?: boolean }) =>
      start(() => triggerListCommand({ json: opts.json ?? false }, config)),
    );
  trigger
    .command('delete')
    .description('remove a trigger; the runs it started are left as they are')
    .argument('<id>')
    .action((id: string) => start(() => triggerDeleteCommand(id, config)));
}
