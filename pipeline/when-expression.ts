/**
 * `when:` conditions: CEL (https://cel.dev) over `params` (string → string), `tasks.ID.status` and
 * `tasks.ID.outputs.NAME` (strings; compare numbers with `double(...)`). compileWhen validates an expression
 * and lists what it refers to; evaluateWhen runs it. Both are pure and deterministic (cel-js has no I/O and
 * reads no clock), so the run workflow evaluates conditions inside the Temporal sandbox.
 */
import { Environment, type ASTNode } from '@marcbachmann/cel-js';
import { showValue } from './show-value.js';

/** What a condition refers to, for the validator to check against the pipeline. */
export type WhenRef =
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'task'; readonly taskId: string }
  | { readonly kind: 'output'; readonly taskId: string; readonly name: string };

export type CompiledWhen =
  | { readonly kind: 'compiled'; readonly refs: readonly WhenRef[] }
  | { readonly kind: 'invalid'; readonly message: string };

export type WhenResult =
  | { readonly kind: 'true' }
  | { readonly kind: 'false' }
  | { readonly kind: 'error'; readonly message: string };

export interface WhenContext {
  readonly params: Readonly<Record<string, string>>;
  readonly tasks: Readonly<
    Record<string, { readonly status: string; readonly outputs: Readonly<Record<string, string>> }>
  >;
}

/** The shape CEL sees for each task; a class because cel-js types custom values by constructor. */
class TaskState {
  constructor(
    readonly status: string,
    readonly outputs: Readonly<Record<string, string>>,
  ) {}
}

// Built once per module: an Environment is costly to set up and immutable once used.
const environment = new Environment()
  .registerType('TaskState', {
    ctor: TaskState,
    fields: { status: 'string', outputs: 'map<string, string>' },
  })
  .registerVariable('params', 'map<string, string>')
  .registerVariable('tasks', 'map<string, TaskState>');

/** Macros that bind loop variables, and how many leading arguments are variables when given 3 arguments. */
const COMPREHENSIONS: Readonly<Record<string, number>> = {
  all: 2,
  exists: 2,
  exists_one: 2,
  existsOne: 2,
  map: 1,
  filter: 1,
  transformList: 2,
  transformMap: 2,
};

export function compileWhen(expression: string): CompiledWhen {
  let ast: ASTNode;
  try {
    ast = environment.parse(expression).ast;
  } catch (error) {
    return { kind: 'invalid', message: `cannot parse ${showValue(expression)}: ${describeCelError(error)}` };
  }
  const checked = environment.check(expression);
  if (!checked.valid) {
    return { kind: 'invalid', message: `${showValue(expression)}: ${describeCelError(checked.error)}` };
  }
  if (checked.type !== 'bool' && checked.type !== 'dyn') {
    return { kind: 'invalid', message: `${showValue(expression)} is a ${checked.type}, expected a bool` };
  }
  const refs: WhenRef[] = [];
  const problems: string[] = [];
  walk(ast, new Set(), refs, problems);
  const [problem] = problems;
  return problem === undefined ? { kind: 'compiled', refs } : { kind: 'invalid', message: problem };
}

/** Evaluates a condition; anything but a boolean result (or a failure to evaluate) is an error. */
export function evaluateWhen(expression: string, context: WhenContext): WhenResult {
  const tasks = Object.fromEntries(
    Object.entries(context.tasks).map(([id, task]) => [id, new TaskState(task.status, task.outputs)]),
  );
  let value: unknown;
  try {
    value = environment.evaluate(expression, { params: context.params, tasks }) as unknown;
  } catch (error) {
    return { kind: 'error', message: `${showValue(expression)}: ${describeCelError(error)}` };
  }
  if (value === true) return { kind: 'true' };
  if (value === false) return { kind: 'false' };
  return { kind: 'error', message: `${showValue(expression)} gave ${describeValue(value)}, expected a bool` };
}

/**
 * Collects `params.NAME`, `tasks.ID…` and `tasks.ID.outputs.NAME` with literal keys. `tasks` used any other
 * way (`tasks[x]`, `size(tasks)`) is a problem: it could reach tasks the validator cannot see.
 */
function walk(node: ASTNode, bound: ReadonlySet<string>, refs: WhenRef[], problems: string[]): void {
  const chain = accessChain(node);
  if (chain !== undefined && !bound.has(chain.root)) {
    const [first, second, third] = chain.keys;
    if (chain.root === 'params' && first !== undefined) {
      refs.push({ kind: 'param', name: first });
      return;
    }
    if (chain.root === 'tasks' && first !== undefined) {
      refs.push(
        second === 'outputs' && third !== undefined
          ? { kind: 'output', taskId: first, name: third }
          : { kind: 'task', taskId: first },
      );
      return;
    }
  }
  switch (node.op) {
    case 'id':
      if (node.args === 'tasks' && !bound.has('tasks')) {
        problems.push('"tasks" must be followed by a task id: tasks.ID or tasks["ID"]');
      }
      return;
    case 'value':
      return;
    case '.':
    case '.?':
      walk(node.args[0], bound, refs, problems);
      return;
    case 'call':
      for (const arg of node.args[1]) walk(arg, bound, refs, problems);
      return;
    case 'rcall':
      walkMethodCall(node.args, bound, refs, problems);
      return;
    case 'map':
      for (const [key, value] of node.args) {
        walk(key, bound, refs, problems);
        walk(value, bound, refs, problems);
      }
      return;
    case 'list':
      for (const item of node.args) walk(item, bound, refs, problems);
      return;
    case '!_':
    case '-_':
      walk(node.args, bound, refs, problems);
      return;
    default:
      for (const child of node.args) walk(child, bound, refs, problems);
  }
}

function walkMethodCall(
  [name, receiver, args]: [string, ASTNode, ASTNode[]],
  bound: ReadonlySet<string>,
  refs: WhenRef[],
  problems: string[],
): void {
  const isBind = name === 'bind' && receiver.op === 'id' && receiver.args === 'cel';
  const threeArgumentCount = COMPREHENSIONS[name];
  const variableCount = isBind
    ? 1
    : threeArgumentCount === undefined
      ? 0
      : args.length === 3
        ? threeArgumentCount
        : 1;
  if (!isBind) walk(receiver, bound, refs, problems);
  const variables = new Set(bound);
  args.forEach((arg, position) => {
    const isVariable = position < variableCount && arg.op === 'id';
    if (isVariable && typeof arg.args === 'string') {
      variables.add(arg.args);
      return;
    }
    // cel.bind(x, init, body): init is evaluated outside x's scope.
    walk(arg, isBind && position === 1 ? bound : variables, refs, problems);
  });
}

/** `root.k1.k2["k3"]` with only literal keys, as its root identifier and keys; undefined otherwise. */
function accessChain(node: ASTNode): { root: string; keys: string[] } | undefined {
  const keys: string[] = [];
  let current = node;
  for (;;) {
    if (current.op === '.') {
      keys.unshift(current.args[1]);
      current = current.args[0];
    } else if (
      current.op === '[]' &&
      current.args[1].op === 'value' &&
      typeof current.args[1].args === 'string'
    ) {
      keys.unshift(current.args[1].args);
      current = current.args[0];
    } else break;
  }
  return current.op === 'id' && keys.length > 0 ? { root: current.args, keys } : undefined;
}

function describeCelError(error: unknown): string {
  if (!(error instanceof Error)) return String(error);
  const { summary, range } = error as { summary?: unknown; range?: { start?: unknown } };
  const text = typeof summary === 'string' ? summary : (error.message.split('\n')[0] ?? '');
  return typeof range?.start === 'number' ? `${text} at column ${range.start + 1}` : text;
}

function describeValue(value: unknown): string {
  if (typeof value === 'bigint') return `the int ${value}`;
  if (typeof value === 'number') return `the double ${value}`;
  if (typeof value === 'string') return `the string ${showValue(value)}`;
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'a list';
  return 'a map';
}
