/**
 * A typed builder for pipelines written as TypeScript modules. `task()` returns the task's handle; other
 * tasks depend on it and reference its outputs through it (`prepare.outputs.configs`,
 * `prepare.outputs.artifacts.dataset`), and the compiler checks that
 * - an output exists: only the names the task declared are on its handle;
 * - a referenced task is upstream: each handle's type carries its id and its ancestors' ids, and a task's
 *   templated fields accept only references whose task is in the transitive `dependsOn` of that task;
 * - `item`/`index` appear only in a foreach task, params only when declared, artifacts only in `inputs`;
 * - an id is new, and a string `dependsOn` names a task defined before — within one chained expression.
 * References serialise to the YAML template syntax (`{{ tasks.ID.outputs.NAME }}`, see templates.ts);
 * `build()` goes through parsePipeline, so a built pipeline meets exactly the rules a YAML one does, and
 * those rules (not the types) are the authority: an id reused across statements fails there.
 *
 *   const p = definePipeline('sweep', { params: { lr: '0.01' } });
 *   const prepare = p.task('prepare', { image, outputs: { parameters: ['configs'] } });
 *   p.task('train', { image, dependsOn: [prepare], foreach: prepare.outputs.configs,
 *                     env: { CONFIG: p.item }, args: [p.t`--lr=${p.params.lr}`] });
 *   export default p;
 *
 * A task template is a plain function returning a task object (`const py = (code: string) => ({ image,
 * command: ['python3', '-c', code] })`), spread into `task()`'s argument. The builder is mutable, and
 * `task()`'s result also continues the chain: `definePipeline('d').task('a', …).task('b', { dependsOn: ['a'] })`.
 */
import { PipelineValidationError, type ValidationIssue } from './errors.js';
import { parsePipeline, type ParseOptions } from './parse.js';
import { showValue } from './show-value.js';
import type { DEFAULTABLE_FIELDS, PipelineInput, PipelineSpec, SecretSource, TaskInput } from './schema.js';
import { formatRef, type TemplateRef } from './templates.js';

declare const NEEDS: unique symbol;
declare const SCOPE: unique symbol;

/** The pseudo-id a reference to the foreach item or index needs in scope; no task id can look like it. */
export type ForeachScope = '#foreach';
type RefKind = 'param' | 'output' | 'artifact' | 'item' | 'index' | 'run' | 'template' | 'secret';

/** A reference (or a template made of references); `Needs` are the ids that must be in the user's scope. */
export interface Ref<Needs extends string = string, Kind extends RefKind = RefKind> {
  readonly kind: Kind;
  /** The serialised form, e.g. `{{ params.lr }}` or `--lr={{ params.lr }}`. */
  readonly text: string;
  readonly [NEEDS]?: Needs;
}
/** A value of a templated field: literal text, or references whose tasks are all within `Scope`. */
export type Templated<Scope extends string> = string | Ref<Scope, Exclude<RefKind, 'artifact' | 'secret'>>;

export type TaskOutputs<Id extends string, Ps extends string, As extends string> = {
  readonly [K in Ps]: Ref<Id, 'output'>;
} & { readonly artifacts: { readonly [K in As]: Ref<Id, 'artifact'> } };

/** What other tasks see of a task: its id, its declared outputs, and (in the type) its ancestors. */
export interface TaskHandle<
  Id extends string = string,
  Scope extends string = string,
  Ps extends string = never,
  As extends string = never,
> {
  readonly id: Id;
  readonly outputs: TaskOutputs<Id, Ps, As>;
  readonly [SCOPE]?: Scope;
}

type Dependency<Ids extends string> = Ids | { readonly id: string; readonly [SCOPE]?: string };
/** The ids a dependency brings into scope: a handle's id and ancestors; a string id alone. */
type ScopeOf<D> = D extends string ? D : D extends { readonly [SCOPE]?: infer S extends string } ? S : never;
type NeedsOf<V> = V extends Ref<infer N> ? N : never;
type ParamsOf<B> = B extends PipelineBuilder<string, infer P> ? P : never;
type Declared<N extends string> =
  N | { readonly name: N; readonly path?: string; readonly from?: Ref | string };
type DefaultableField = (typeof DEFAULTABLE_FIELDS)[number];

/** Fields whose builder type differs from the YAML one; the rest of TaskInput is taken as it is. */
type TypedField =
  | 'id'
  | 'dependsOn'
  | 'command'
  | 'args'
  | 'env'
  | 'outputs'
  | 'inputs'
  | 'foreach'
  | 'pipeline'
  | 'pipelineSpec'
  | 'params';

/** A task as `task()` takes it; `A` is the scope its references may use. */
export type BuilderTask<
  Ids extends string,
  D extends readonly Dependency<Ids>[],
  A extends string,
  Ps extends string,
  As extends string,
  F,
  Child,
> = TaskFields<D, A, Ps, As, F, Child> &
  ('artifacts' extends Ps
    ? { readonly outputs: { readonly parameters: 'no parameter may be named "artifacts"' } }
    : unknown);

type TaskFields<D, A extends string, Ps extends string, As extends string, F, Child> = Omit<
  TaskInput,
  TypedField
> & {
  readonly dependsOn?: D;
  readonly command?: readonly Templated<A>[];
  readonly args?: readonly Templated<A>[];
  /** The only place a secret may go (`p.secrets.NAME`): the worker fills it in. */
  readonly env?: Readonly<Record<string, Templated<A> | Ref<never, 'secret'>>>;
  /** `parameters` are read from /gantry/outputs/NAME unless a path is given; `artifacts` need a path. */
  readonly outputs?: {
    readonly parameters?: readonly Declared<Ps>[];
    readonly artifacts?: readonly Declared<As>[];
  };
  readonly inputs?: {
    readonly artifacts?: readonly { readonly from: Ref<A, 'artifact'>; readonly path: string }[];
  };
  readonly foreach?: F;
  /** A sub-pipeline, run as a child workflow; `params` sets its declared params. */
  readonly pipeline?: Child;
  readonly params?: [Child] extends [never] ? never : { readonly [K in ParamsOf<Child>]?: Templated<A> };
};

export interface PipelineOptions<P extends string, S extends string = never> {
  readonly description?: string;
  /** Secrets read on the worker (`{ env: VAR }` or `{ file: PATH }`); `p.secrets.NAME` refers to one in env. */
  readonly secrets?: Readonly<Record<S, SecretSource>>;
  /** Declared params and their default values; `p.params.NAME` refers to one. */
  readonly params?: Readonly<Record<P, string>>;
  /** Values for every task that does not set the field (Airflow's default_args). */
  readonly defaults?: Partial<Pick<TaskInput, DefaultableField>>;
  /** The pipeline's own schedule, for `gantry schedule create FILE --id ID`. */
  readonly schedule?: PipelineInput['schedule'];
}

export interface PipelineBuilder<Ids extends string = never, P extends string = never> {
  readonly name: string;
  readonly params: { readonly [K in P]: Ref<never, 'param'> };
  /** The current foreach item (a string as is, anything else as JSON); only in a foreach task. */
  readonly item: Ref<ForeachScope, 'item'>;
  /** The current foreach item's position, from 0; only in a foreach task. */
  readonly index: Ref<ForeachScope, 'index'>;
  readonly runId: Ref<never, 'run'>;
  readonly scheduledTime: Ref<never, 'run'>;
  /** A field of the current foreach item, `{{ item.KEY }}` (KEY may be a dotted path). */
  itemKey(key: string): Ref<ForeachScope, 'item'>;
  /** A tagged template whose type keeps what its references need: p.t`--lr=${p.params.lr}`. */
  t<const V extends readonly (Templated<string> | number)[]>(
    strings: TemplateStringsArray,
    ...values: V
  ): Ref<NeedsOf<V[number]>, 'template'>;
  /** Adds a task and returns its handle; the handle also continues the chain with the new id known. */
  task<
    const Id extends string,
    const D extends readonly Dependency<Ids>[] = readonly [],
    const Ps extends string = never,
    const As extends string = never,
    const F extends Templated<ScopeOf<D[number]>> | undefined = undefined,
    const Child extends PipelineBuilder<string, string> = never,
  >(
    id: Id & NewId<Id, Ids>,
    task: BuilderTask<
      Ids,
      D,
      NoInfer<ScopeOf<D[number]> | (undefined extends F ? never : ForeachScope)>,
      Ps,
      As,
      F,
      Child
    >,
  ): TaskHandle<Id, Id | ScopeOf<D[number]>, Ps, As> & PipelineBuilder<Ids | Id, P>;
  describe(description: string): PipelineBuilder<Ids, P>;
  /** The definition as data, references serialised, before any validation. */
  toInput(): PipelineInput;
  /** The validated pipeline; throws PipelineValidationError like any other source. */
  build(options?: ParseOptions): PipelineSpec;
}

/** Resolves to `never` (a type error at the call site) when the id is already defined. */
type NewId<Id extends string, Ids extends string> = [Id] extends [Ids] ? never : Id;

/** `p.secrets.NAME` of a pipeline that declares secrets. */
export interface SecretRefs<S extends string> {
  readonly secrets: { readonly [K in S]: Ref<never, 'secret'> };
}

export function definePipeline<const P extends string = never, const S extends string = never>(
  name: string,
  options: PipelineOptions<P, S> = {},
): PipelineBuilder<never, P> & SecretRefs<S> {
  const tasks: TaskInput[] = [];
  let description = options.description;
  const params = Object.fromEntries(
    Object.keys(options.params ?? {}).map((key) => [key, ref({ kind: 'param', name: key })]),
  ) as PipelineBuilder<never, P>['params'];
  const secrets = Object.fromEntries(
    Object.keys(options.secrets ?? {}).map((key) => [key, ref({ kind: 'secret', name: key })]),
  ) as SecretRefs<S>['secrets'];

  const builder: PipelineBuilder<string, P> & SecretRefs<S> = {
    name,
    params,
    secrets,
    item: ref({ kind: 'item' }),
    index: ref({ kind: 'index' }),
    runId: ref({ kind: 'runId' }),
    scheduledTime: ref({ kind: 'scheduledTime' }),
    itemKey: (key) => ref({ kind: 'item', path: key }),
    t: (strings, ...values) => ({
      kind: 'template',
      text: strings.reduce((text, literal, i) => {
        const value = values[i];
        return text + literal + (value === undefined ? '' : render(value));
      }, ''),
    }),
    task(id, task) {
      // The generic parameters only served the compile-time checks; the value is an ordinary task.
      const next = toTaskInput(id, task as unknown as UntypedTask, tasks.length);
      tasks.push(next);
      const parameters = (next.outputs?.parameters ?? []).map(({ name: output }) => output);
      const artifacts = (next.outputs?.artifacts ?? []).map(({ name: output }) => output);
      const outputs = {
        ...Object.fromEntries(
          parameters.map((output) => [output, ref({ kind: 'output', taskId: id, name: output })]),
        ),
        artifacts: Object.fromEntries(
          artifacts.map((output) => [output, ref({ kind: 'artifact', taskId: id, name: output })]),
        ),
      };
      // The handle inherits the builder's members, so a chain keeps adding to this same pipeline.
      // NOTE: `as never` because the generic handle type cannot be named inside the implementation.
      return Object.assign(Object.create(builder) as object, { id, outputs }) as never;
    },
    describe(text) {
      description = text;
      return builder;
    },
    toInput: () => ({
      name,
      ...(description === undefined ? {} : { description }),
      ...(options.params === undefined ? {} : { params: { ...options.params } }),
      ...(options.secrets === undefined ? {} : { secrets: { ...options.secrets } }),
      ...(options.defaults === undefined ? {} : { defaults: { ...options.defaults } }),
      ...(options.schedule === undefined ? {} : { schedule: { ...options.schedule } }),
      tasks: tasks.map((task) => ({ ...task })),
    }),
    build: (parseOptions) => parsePipeline(builder.toInput(), parseOptions),
  };
  return builder;
}

/** True for anything shaped like a PipelineBuilder (a module's default export, say). */
export function isPipelineBuilder(value: unknown): value is PipelineBuilder<string, string> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { build?: unknown }).build === 'function'
  );
}

/** `task()`'s argument once the type checks are done. */
type UntypedTask = TaskFields<
  readonly Dependency<string>[],
  string,
  string,
  string,
  Templated<string>,
  PipelineBuilder<string, string>
>;

/**
 * The task as data. Types keep typed callers right; this still reports, all at once and with a path, a
 * value that is neither text nor a reference (an undeclared output read through a cast, say).
 */
function toTaskInput(id: string, task: UntypedTask, index: number): TaskInput {
  const { dependsOn, command, args, env, outputs, inputs, foreach, pipeline, params, ...rest } = task;
  const issues: ValidationIssue[] = [];
  const text = (path: string, value: unknown): string => {
    if (typeof value === 'string') return value;
    if (isRef(value)) return value.text;
    issues.push({
      path: `tasks[${index}].${path}`,
      message: `expected a string or a builder reference, got ${showValue(value)}`,
    });
    return '';
  };
  const list = (field: string, values: readonly unknown[]) => values.map((v, i) => text(`${field}[${i}]`, v));
  const record = (field: string, values: Readonly<Record<string, unknown>>) =>
    Object.fromEntries(Object.entries(values).map(([key, v]) => [key, text(`${field}.${key}`, v)]));
  const declare = (field: string, declared: readonly Declared<string>[] = []) =>
    declared.map((d, i) => {
      if (typeof d === 'string') return { name: d };
      const { from, ...named } = d;
      return from === undefined ? named : { ...named, from: text(`outputs.${field}[${i}].from`, from) };
    });
  const result: TaskInput = {
    id,
    ...rest,
    ...(dependsOn === undefined
      ? {}
      : { dependsOn: dependsOn.map((d) => (typeof d === 'string' ? d : d.id)) }),
    ...(command === undefined ? {} : { command: list('command', command) }),
    ...(args === undefined ? {} : { args: list('args', args) }),
    ...(env === undefined ? {} : { env: record('env', env) }),
    ...(outputs === undefined
      ? {}
      : {
          outputs: {
            parameters: declare('parameters', outputs.parameters),
            artifacts: declare('artifacts', outputs.artifacts),
          },
        }),
    ...(inputs?.artifacts === undefined
      ? {}
      : {
          inputs: {
            artifacts: inputs.artifacts.map(({ from, path }, i) => ({
              from: text(`inputs.artifacts[${i}].from`, from),
              path,
            })),
          },
        }),
    ...(foreach === undefined ? {} : { foreach: text('foreach', foreach) }),
    ...(pipeline === undefined ? {} : { pipelineSpec: pipeline.toInput() }),
    ...(params === undefined ? {} : { params: record('params', params) }),
  };
  (result.outputs?.parameters ?? []).forEach(({ name }, i) => {
    if (name === 'artifacts') {
      issues.push({
        path: `tasks[${index}].outputs.parameters[${i}].name`,
        message: '"artifacts" is reserved in the builder: handle.outputs.artifacts holds the artifacts',
      });
    }
  });
  if (issues.length > 0) throw new PipelineValidationError(issues);
  return result;
}

function isRef(value: unknown): value is Ref {
  return (
    typeof value === 'object' && value !== null && typeof (value as { text?: unknown }).text === 'string'
  );
}

function ref<Needs extends string, Kind extends RefKind>(target: TemplateRef): Ref<Needs, Kind> {
  const kinds: Record<TemplateRef['kind'], RefKind> = {
    param: 'param',
    output: 'output',
    artifact: 'artifact',
    item: 'item',
    index: 'index',
    runId: 'run',
    scheduledTime: 'run',
    triggerRunId: 'run',
    triggerOutput: 'run',
    secret: 'secret',
  };
  return { kind: kinds[target.kind] as Kind, text: formatRef(target) };
}

function render(value: Ref | string | number): string {
  return typeof value === 'string' ? value : typeof value === 'number' ? String(value) : value.text;
}
