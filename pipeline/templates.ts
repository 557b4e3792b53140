/**
 * Templates in task fields: `{{ params.NAME }}`, `{{ tasks.ID.outputs.NAME }}`,
 * `{{ tasks.ID.outputs.artifacts.NAME }}`, `{{ item }}`, `{{ item.KEY }}`, `{{ index }}`, `{{ run.id }}` and
 * `{{ run.scheduledTime }}`, and in a pipeline with `triggers`, `{{ trigger.runId }}` and
 * `{{ trigger.outputs.TASK.NAME }}` (the upstream run that started this one), and in env values
 * `{{ secrets.NAME }}`. Parsing is one left-to-right
 * scan, O(length); rendering is pure and deterministic, so the run workflow can call it inside the Temporal
 * sandbox (no Node APIs here).
 */
import { MissingItemKeyError, TemplateSyntaxError } from './errors.js';
import type { TaskSpec } from './schema.js';
import { isRecord } from './view-tasks.js';

export type TemplateRef =
  | { readonly kind: 'param'; readonly name: string }
  | { readonly kind: 'output'; readonly taskId: string; readonly name: string }
  | { readonly kind: 'artifact'; readonly taskId: string; readonly name: string }
  | { readonly kind: 'item'; readonly path?: string }
  | { readonly kind: 'index' }
  | { readonly kind: 'runId' }
  | { readonly kind: 'scheduledTime' }
  /** The upstream run's id, in a run a pipeline trigger started. */
  | { readonly kind: 'triggerRunId' }
  /** An output of a task of the upstream run, in a run a pipeline trigger started. */
  | { readonly kind: 'triggerOutput'; readonly taskId: string; readonly name: string }
  /** A pipeline secret: only in env values, left for the worker to fill in (never rendered in a workflow). */
  | { readonly kind: 'secret'; readonly name: string };

export type TemplatePart =
  | { readonly kind: 'literal'; readonly text: string }
  /** `source` is the reference as written, braces included, for error messages. */
  | { readonly kind: 'ref'; readonly ref: TemplateRef; readonly source: string };

export type ParsedTemplate =
  | { readonly kind: 'parsed'; readonly parts: readonly TemplatePart[] }
  | { readonly kind: 'invalid'; readonly message: string };

/** A templated field of a task: its path inside the task and its text. */
export interface TemplatedField {
  readonly path: readonly (string | number)[];
  readonly text: string;
}

const OPEN = '{{';
const CLOSE = '}}';
const NAME = /^[A-Za-z_][A-Za-z0-9_]*$/;
const TASK_ID = /^[a-z0-9]([a-z0-9_-]*[a-z0-9])?$/;
const ITEM_KEY = /^[A-Za-z0-9_-]+$/;
const EXPECTED =
  'params.NAME, tasks.ID.outputs.NAME, tasks.ID.outputs.artifacts.NAME, item, item.KEY, index, run.id, run.scheduledTime, trigger.runId, trigger.outputs.TASK.NAME or secrets.NAME';

/** True when the text contains a template at all (well-formed or not). */
export function hasTemplate(text: string): boolean {
  return text.includes(OPEN);
}

export function parseTemplate(text: string): ParsedTemplate {
  const parts: TemplatePart[] = [];
  let at = 0;
  while (at < text.length) {
    const open = text.indexOf(OPEN, at);
    if (open < 0) {
      parts.push({ kind: 'literal', text: text.slice(at) });
      break;
    }
    if (open > at) parts.push({ kind: 'literal', text: text.slice(at, open) });
    const close = text.indexOf(CLOSE, open + OPEN.length);
    if (close < 0) {
      return { kind: 'invalid', message: `${JSON.stringify(text.slice(open))} has no closing "}}"` };
    }
    const source = text.slice(open, close + CLOSE.length);
    const ref = parseRef(text.slice(open + OPEN.length, close).trim());
    if (typeof ref === 'string') return { kind: 'invalid', message: `${source}: ${ref}` };
    parts.push({ kind: 'ref', ref, source });
    at = close + CLOSE.length;
  }
  return { kind: 'parsed', parts };
}

/** A reference, or a string saying what is wrong with it. */
function parseRef(body: string): TemplateRef | string {
  if (body === '') return `empty template (expected ${EXPECTED})`;
  const [root, ...rest] = body.split('.');
  switch (root) {
    case 'params':
      return rest.length === 1 && NAME.test(rest[0] ?? '')
        ? { kind: 'param', name: rest[0] ?? '' }
        : 'expected params.NAME';
    case 'secrets':
      return rest.length === 1 && NAME.test(rest[0] ?? '')
        ? { kind: 'secret', name: rest[0] ?? '' }
        : 'expected secrets.NAME';
    case 'tasks': {
      const [taskId = '', outputs, ...names] = rest;
      const isArtifact = names.length === 2 && names[0] === 'artifacts';
      const name = isArtifact ? names[1] : names.length === 1 ? names[0] : undefined;
      if (!TASK_ID.test(taskId) || outputs !== 'outputs' || name === undefined || !NAME.test(name)) {
        return 'expected tasks.ID.outputs.NAME or tasks.ID.outputs.artifacts.NAME';
      }
      return { kind: isArtifact ? 'artifact' : 'output', taskId, name };
    }
    case 'item':
      if (rest.length === 0) return { kind: 'item' };
      return rest.every((key) => ITEM_KEY.test(key))
        ? { kind: 'item', path: rest.join('.') }
        : 'expected item or item.KEY';
    case 'index':
      return rest.length === 0 ? { kind: 'index' } : 'expected index';
    case 'run':
      if (rest.length === 1 && rest[0] === 'id') return { kind: 'runId' };
      if (rest.length === 1 && rest[0] === 'scheduledTime') return { kind: 'scheduledTime' };
      return 'expected run.id or run.scheduledTime';
    case 'trigger': {
      if (rest.length === 1 && rest[0] === 'runId') return { kind: 'triggerRunId' };
      const [outputs, taskId = '', name = '', ...extra] = rest;
      return outputs === 'outputs' && TASK_ID.test(taskId) && NAME.test(name) && extra.length === 0
        ? { kind: 'triggerOutput', taskId, name }
        : 'expected trigger.runId or trigger.outputs.TASK.NAME';
    }
    default:
      return `unknown reference "${body}" (expected ${EXPECTED})`;
  }
}

/**
 * The fields of a task that may hold templates, in a fixed order: command, args, env values, foreach,
 * inputs.artifacts[].from and (sub-pipeline tasks) params values. Tolerant of invalid input: fields of the
 * wrong type are skipped, the schema reports them. Sub-pipeline `outputs[].from` is not listed: it refers
 * to the child pipeline, not to this task's scope.
 */
export function templatedFields(task: unknown): TemplatedField[] {
  if (!isRecord(task)) return [];
  const fields: TemplatedField[] = [];
  const pushList = (path: readonly (string | number)[], list: unknown, key?: string): void => {
    if (!Array.isArray(list)) return;
    list.forEach((entry: unknown, i) => {
      const text = key === undefined ? entry : isRecord(entry) ? entry[key] : undefined;
      if (typeof text === 'string')
        fields.push({ path: [...path, i, ...(key === undefined ? [] : [key])], text });
    });
  };
  const pushRecord = (name: string, record: unknown): void => {
    if (!isRecord(record)) return;
    for (const [key, text] of Object.entries(record)) {
      if (typeof text === 'string') fields.push({ path: [name, key], text });
    }
  };
  pushList(['command'], task['command']);
  pushList(['args'], task['args']);
  pushRecord('env', task['env']);
  if (typeof task['foreach'] === 'string') fields.push({ path: ['foreach'], text: task['foreach'] });
  const inputs = task['inputs'];
  pushList(['inputs', 'artifacts'], isRecord(inputs) ? inputs['artifacts'] : undefined, 'from');
  pushRecord('params', task['params']);
  return fields;
}

/** Every reference a (validated) task's templated fields make, in field order, repeats included. */
export function collectRefs(task: TaskSpec): TemplateRef[] {
  return templatedFields(task).flatMap(({ text }) =>
    partsOf(text).flatMap((part) => (part.kind === 'ref' ? [part.ref] : [])),
  );
}

/** Replaces every reference with `resolve(ref)`; throws TemplateSyntaxError on a malformed template. */
export function renderTemplate(text: string, resolve: (ref: TemplateRef) => string): string {
  return partsOf(text)
    .map((part) => (part.kind === 'literal' ? part.text : resolve(part.ref)))
    .join('');
}

/**
 * A foreach item as text: a string raw, anything else as JSON. `path` (`a.b`) reads a field of an object
 * item; a missing key, or a key of something that is not an object, is a MissingItemKeyError.
 */
export function renderItem(item: unknown, path?: string): string {
  let value = item;
  if (path !== undefined) {
    for (const key of path.split('.')) {
      if (!isRecord(value) || !Object.prototype.hasOwnProperty.call(value, key)) {
        throw new MissingItemKeyError(key, path);
      }
      value = value[key];
    }
  }
  return typeof value === 'string' ? value : JSON.stringify(value);
}

/** The canonical text of a reference, `{{ tasks.a.outputs.x }}`. */
export function formatRef(ref: TemplateRef): string {
  return `{{ ${refBody(ref)} }}`;
}

function refBody(ref: TemplateRef): string {
  switch (ref.kind) {
    case 'param':
      return `params.${ref.name}`;
    case 'output':
      return `tasks.${ref.taskId}.outputs.${ref.name}`;
    case 'artifact':
      return `tasks.${ref.taskId}.outputs.artifacts.${ref.name}`;
    case 'item':
      return ref.path === undefined ? 'item' : `item.${ref.path}`;
    case 'index':
      return 'index';
    case 'runId':
      return 'run.id';
    case 'scheduledTime':
      return 'run.scheduledTime';
    case 'triggerRunId':
      return 'trigger.runId';
    case 'triggerOutput':
      return `trigger.outputs.${ref.taskId}.${ref.name}`;
    case 'secret':
      return `secrets.${ref.name}`;
    default: {
      const unreachable: never = ref;
      throw new Error(`unknown template reference ${JSON.stringify(unreachable)}`);
    }
  }
}

/** The literal text and references of a template, in order; throws TemplateSyntaxError when malformed. */
export function partsOf(text: string): readonly TemplatePart[] {
  const parsed = parseTemplate(text);
  if (parsed.kind === 'invalid') throw new TemplateSyntaxError(text, parsed.message);
  return parsed.parts;
}
