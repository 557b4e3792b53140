/**
 * Turns a task spec into the container activity's input at run time: templates rendered against the
 * run's params, its upstream tasks' outputs and (for a foreach item) the item; input artifacts resolved to
 * digests. Values the store holds (larger than the inline limit) are fetched first by one control-queue
 * activity; they are not kept in the run's state, so a run's payloads stay small.
 */
import { proxyActivities } from '@temporalio/workflow';
import type { StoreActivities } from '../../activities/store-activities.js';
import type { RunContainerInput, SecretEnvPart } from '../../activities/types.js';
import type { ArtifactRef, ValueRef } from '../../common/data-refs.js';
import { FailureType } from '../../common/failure-types.js';
import { OUTPUTS_DIR, type SecretSource, type TaskSpec } from '../../pipeline/schema.js';
import { type TemplateRef, partsOf, renderItem, renderTemplate } from '../../pipeline/templates.js';
import type { TaskState, UpstreamRun } from '../definitions.js';
import { canonicalJson } from '../../common/canonical-json.js';
import { EVENTS_PER_LOCAL_STEP, type HistoryBudget } from './history-budget.js';

/** What templates can see. */
export interface RenderScope {
  readonly params: Readonly<Record<string, string>>;
  readonly runId: string;
  readonly scheduledTime: string;
  readonly taskState: (taskId: string) => TaskState | undefined;
  readonly item?: { readonly value: unknown; readonly index: number };
  /** The upstream run, in a run a pipeline trigger started: its id and the outputs the templates name. */
  readonly trigger?: Pick<UpstreamRun, 'runId' | 'outputs'>;
}

/** A run-time template failure: only this task fails, and retrying cannot help. */
export class RenderError extends Error {
  readonly failureType: string;
  constructor(message: string, failureType: string = FailureType.TemplateError) {
    super(message);
    this.name = 'RenderError';
    this.failureType = failureType;
  }
}

/** Stored values fetched for this execution; plain memory, refilled after continue-as-new. */
export class ValueLoader {
  private readonly values = new Map<string, string>();
  constructor(
    private readonly budget: HistoryBudget,
    private readonly controlQueue: string,
  ) {}

  /** `forUnit` names the task (or item) the values are for, in the activity's summary. */
  async load(refs: readonly ValueRef[], forUnit: string): Promise<void> {
    const missing = [
      ...new Set(
        refs.flatMap((ref) => (ref.kind === 'stored' && !this.values.has(ref.digest) ? [ref.digest] : [])),
      ),
    ];
    if (missing.length === 0) return;
    this.budget.add(EVENTS_PER_LOCAL_STEP);
    const store = proxyActivities<StoreActivities>({
      taskQueue: this.controlQueue,
      startToCloseTimeout: '2m',
      retry: { maximumAttempts: 5, nonRetryableErrorTypes: [FailureType.ArtifactNotFound] },
      summary: `load ${missing.length} stored value(s) for ${forUnit}`,
    });
    const loaded = await store.loadValues({ digests: missing });
    for (const [digest, value] of Object.entries(loaded)) this.values.set(digest, value);
  }

  text(ref: ValueRef): string {
    if (ref.kind === 'inline') return ref.value;
    const value = this.values.get(ref.digest);
    if (value === undefined) throw new Error(`value ${ref.digest} was not loaded`);
    return value;
  }
}

function outputRef(scope: RenderScope, taskId: string, name: string): ValueRef {
  const state = scope.taskState(taskId);
  const ref = state?.outputs?.[name];
  if (ref === undefined) {
    const why = state ? `it is ${state.status}` : 'it is not in this run';
    throw new RenderError(
      `{{ tasks.${taskId}.outputs.${name} }}: task "${taskId}" has no such value (${why})`,
    );
  }
  return ref;
}

function triggerOutputRef(scope: RenderScope, taskId: string, name: string): ValueRef {
  const source = `{{ trigger.outputs.${taskId}.${name} }}`;
  if (!scope.trigger) throw new RenderError(`${source}: no pipeline trigger started this run`);
  const ref = scope.trigger.outputs[taskId]?.[name];
  if (ref === undefined)
    throw new RenderError(
      `${source}: upstream run ${scope.trigger.runId} has no output "${name}" of task "${taskId}"`,
    );
  return ref;
}

function artifactRef(scope: RenderScope, taskId: string, name: string): ArtifactRef {
  const state = scope.taskState(taskId);
  const ref = state?.artifacts?.[name];
  if (ref === undefined) {
    const why = state ? `it is ${state.status}` : 'it is not in this run';
    throw new RenderError(
      `{{ tasks.${taskId}.outputs.artifacts.${name} }}: task "${taskId}" has no such artifact (${why})`,
    );
  }
  return ref;
}

function resolver(scope: RenderScope, valueOf: (ref: ValueRef) => string) {
  return (ref: TemplateRef): string => {
    switch (ref.kind) {
      case 'param': {
        const value = scope.params[ref.name];
        if (value === undefined) throw new RenderError(`{{ params.${ref.name} }}: no such param`);
        return value;
      }
      case 'output':
        return valueOf(outputRef(scope, ref.taskId, ref.name));
      case 'artifact':
        throw new RenderError(
          `{{ tasks.${ref.taskId}.outputs.artifacts.${ref.name} }}: artifacts can only be used in inputs.artifacts[].from`,
        );
      case 'item':
        if (!scope.item) throw new RenderError('{{ item }}: the task has no foreach');
        try {
          return renderItem(scope.item.value, ref.path);
        } catch (err) {
          throw new RenderError(err instanceof Error ? err.message : String(err));
        }
      case 'index':
        if (!scope.item) throw new RenderError('{{ index }}: the task has no foreach');
        return String(scope.item.index);
      case 'runId':
        return scope.runId;
      case 'scheduledTime':
        return scope.scheduledTime;
      case 'triggerRunId':
        if (!scope.trigger)
          throw new RenderError('{{ trigger.runId }}: no pipeline trigger started this run');
        return scope.trigger.runId;
      case 'triggerOutput':
        return valueOf(triggerOutputRef(scope, ref.taskId, ref.name));
      case 'secret':
        throw new RenderError(`{{ secrets.${ref.name} }}: secrets can be used only in env values`);
    }
  };
}

function safely<T>(where: string, fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof RenderError) throw new RenderError(`${where}: ${err.message}`, err.failureType);
    throw new RenderError(`${where}: ${err instanceof Error ? err.message : String(err)}`);
  }
}

/** Renders one templated text; every stored value it names must have been loaded. */
export function renderText(text: string, scope: RenderScope, loader: ValueLoader): string {
  return renderTemplate(
    text,
    resolver(scope, (ref) => loader.text(ref)),
  );
}

/** The stored values a set of texts names (to load them in one activity before rendering). */
export function storedValuesIn(texts: readonly string[], scope: RenderScope): ValueRef[] {
  const refs: ValueRef[] = [];
  const collect = resolver(scope, (ref) => {
    refs.push(ref);
    return '';
  });
  for (const text of texts) {
    renderTemplate(text, (ref) => (ref.kind === 'artifact' || ref.kind === 'secret' ? '' : collect(ref)));
  }
  return refs;
}

/** Every templated text of a container task, with where it is (for error messages). */
export function templatedTexts(task: TaskSpec): [where: string, text: string][] {
  return [
    ...(task.command ?? []).map((text, i): [string, string] => [`command[${i}]`, text]),
    ...(task.args ?? []).map((text, i): [string, string] => [`args[${i}]`, text]),
    ...Object.entries(task.env).map(([name, text]): [string, string] => [`env.${name}`, text]),
  ];
}

/** Loads what the task's templates need; throws RenderError naming the field when a value is missing. */
export async function prepareValues(
  taskId: string,
  texts: readonly [string, string][],
  scope: RenderScope,
  loader: ValueLoader,
): Promise<void> {
  const refs = texts.flatMap(([where, text]) =>
    safely(`task "${taskId}" ${where}`, () => storedValuesIn([text], scope)),
  );
  await loader.load(refs, taskId);
}

export interface RenderedRun {
  readonly runId: string;
  readonly pipeline: string;
  readonly isCacheDisabled: boolean;
  /** The pipeline's secret declarations (never values): the worker reads the ones a task's env names. */
  readonly secrets?: Readonly<Record<string, SecretSource>>;
}

/**
 * The task's env split in two: values without secrets rendered in full, and values naming secrets as parts
 * (rendered text and secret names) for the worker to join, with the declarations of the secrets named.
 */
function renderEnv(
  unitId: string,
  env: Readonly<Record<string, string>>,
  field: (where: string, text: string) => string,
  declared: Readonly<Record<string, SecretSource>> | undefined,
): Pick<RunContainerInput, 'env' | 'secretEnv' | 'secrets'> {
  const plain: Record<string, string> = {};
  const secretEnv: Record<string, SecretEnvPart[]> = {};
  const secrets: Record<string, SecretSource> = {};
  for (const [name, text] of Object.entries(env)) {
    const parts = safely(`task "${unitId}" env.${name}`, () => partsOf(text));
    if (!parts.some((part) => part.kind === 'ref' && part.ref.kind === 'secret')) {
      plain[name] = field(`env.${name}`, text);
      continue;
    }
    secretEnv[name] = parts.map((part) => {
      if (part.kind === 'literal') return part.text;
      if (part.ref.kind !== 'secret') return field(`env.${name}`, part.source);
      const source = declared?.[part.ref.name];
      if (!source)
        throw new RenderError(
          `task "${unitId}" env.${name}: ${part.source}: the pipeline declares no such secret`,
        );
      secrets[part.ref.name] = source;
      return { secret: part.ref.name };
    });
  }
  return Object.keys(secretEnv).length === 0 ? { env: plain } : { env: plain, secretEnv, secrets };
}

/** The container activity's input for one unit; throws RenderError naming the task and field. */
export function renderContainerInput(
  unitId: string,
  task: TaskSpec,
  scope: RenderScope,
  loader: ValueLoader,
  run: RenderedRun,
  placement: {
    readonly nodeId: string;
    readonly cpuset?: RunContainerInput['cpuset'];
    readonly gpus?: readonly string[];
  },
): RunContainerInput {
  const field = (where: string, text: string) =>
    safely(`task "${unitId}" ${where}`, () => renderText(text, scope, loader));
  if (task.image === undefined) throw new RenderError(`task "${unitId}": no image`);
  const inputArtifacts = task.inputs.artifacts.map((input, i) =>
    safely(`task "${unitId}" inputs.artifacts[${i}].from`, () => {
      let found: ArtifactRef | undefined;
      renderTemplate(input.from, (ref) => {
        if (ref.kind !== 'artifact') throw new RenderError(`must be {{ tasks.ID.outputs.artifacts.NAME }}`);
        found = artifactRef(scope, ref.taskId, ref.name);
        return '';
      });
      if (!found) throw new RenderError(`must be {{ tasks.ID.outputs.artifacts.NAME }}`);
      return { digest: found.digest, path: input.path };
    }),
  );
  return {
    runId: run.runId,
    pipeline: run.pipeline,
    taskId: unitId,
    nodeId: placement.nodeId,
    image: task.image,
    pullPolicy: task.pullPolicy,
    ...(task.command ? { command: task.command.map((text, i) => field(`command[${i}]`, text)) } : {}),
    ...(task.args ? { args: task.args.map((text, i) => field(`args[${i}]`, text)) } : {}),
    ...renderEnv(unitId, task.env, field, run.secrets),
    ...(task.workingDir ? { workingDir: task.workingDir } : {}),
    ...(task.user ? { user: task.user } : {}),
    // The worker applies the cluster's defaults to what the task leaves unset; not compared on replay.
    ...(task.runAsNonRoot === undefined ? {} : { runAsNonRoot: task.runAsNonRoot }),
    ...(task.readOnlyRootFilesystem === undefined
      ? {}
      : { readOnlyRootFilesystem: task.readOnlyRootFilesystem }),
    ...(task.runtimeClass ? { runtimeClass: task.runtimeClass } : {}),
    cpu: task.resources.cpu,
    memoryMiB: task.resources.memoryMiB,
    pidsLimit: task.pidsLimit,
    nofileLimit: task.nofileLimit,
    network: task.network,
    mounts: task.mounts,
    timeoutSeconds: task.timeoutSeconds,
    nonRetryableExitCodes: task.retry.nonRetryableExitCodes,
    ...(placement.cpuset ? { cpuset: placement.cpuset } : {}),
    ...(placement.gpus ? { gpus: placement.gpus } : {}),
    // Only a simulated node reads it; an activity's input is not compared on replay.
    ...(task.expectedDurationSeconds ? { expectedDurationSeconds: task.expectedDurationSeconds } : {}),
    outputs: {
      parameters: task.outputs.parameters.map((p) => ({
        name: p.name,
        path: p.path ?? `${OUTPUTS_DIR}/${p.name}`,
      })),
      artifacts: task.outputs.artifacts.map((a) => ({ name: a.name, path: a.path ?? '' })),
    },
    ...(inputArtifacts.length > 0 ? { inputArtifacts } : {}),
    ...(task.cache
      ? {
          cache: {
            definition: canonicalJson(task),
            version: task.cache.version,
            ...(task.cache.maxAgeSeconds ? { maxAgeSeconds: task.cache.maxAgeSeconds } : {}),
            isLookupEnabled: !run.isCacheDisabled,
          },
        }
      : {}),
  };
}
