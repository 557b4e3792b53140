import { describe, expect, it } from 'vitest';
import { MissingItemKeyError, TemplateSyntaxError } from '../../pipeline/errors.js';
import { parsePipeline } from '../../pipeline/parse.js';
import {
  collectRefs,
  formatRef,
  parseTemplate,
  renderItem,
  renderTemplate,
  type TemplateRef,
} from '../../pipeline/templates.js';
import { makePipeline, makeTask } from './make-pipeline.js';

describe('parseTemplate', () => {
  it.each<[string, TemplateRef]>([
    ['{{ params.lr }}', { kind: 'param', name: 'lr' }],
    ['{{params.lr}}', { kind: 'param', name: 'lr' }],
    ['{{   params.lr\t}}', { kind: 'param', name: 'lr' }],
    ['{{ tasks.prep-1.outputs.best_x }}', { kind: 'output', taskId: 'prep-1', name: 'best_x' }],
    ['{{ tasks.prep.outputs.artifacts.model }}', { kind: 'artifact', taskId: 'prep', name: 'model' }],
    ['{{ tasks.prep.outputs.artifacts }}', { kind: 'output', taskId: 'prep', name: 'artifacts' }],
    ['{{ item }}', { kind: 'item' }],
    ['{{ item.shard }}', { kind: 'item', path: 'shard' }],
    ['{{ item.a.b-c }}', { kind: 'item', path: 'a.b-c' }],
    ['{{ index }}', { kind: 'index' }],
    ['{{ run.id }}', { kind: 'runId' }],
    ['{{ run.scheduledTime }}', { kind: 'scheduledTime' }],
    ['{{ trigger.runId }}', { kind: 'triggerRunId' }],
    [
      '{{ trigger.outputs.build-1.image_tag }}',
      { kind: 'triggerOutput', taskId: 'build-1', name: 'image_tag' },
    ],
  ])('reads %s', (text, ref) => {
    expect(parseTemplate(text)).toEqual({ kind: 'parsed', parts: [{ kind: 'ref', ref, source: text }] });
  });

  it('keeps the literal text around references, in order', () => {
    expect(parseTemplate('--lr={{ params.lr }} --shard {{item}}!')).toEqual({
      kind: 'parsed',
      parts: [
        { kind: 'literal', text: '--lr=' },
        { kind: 'ref', ref: { kind: 'param', name: 'lr' }, source: '{{ params.lr }}' },
        { kind: 'literal', text: ' --shard ' },
        { kind: 'ref', ref: { kind: 'item' }, source: '{{item}}' },
        { kind: 'literal', text: '!' },
      ],
    });
  });

  it('reads text without templates, and a lone "}}", as one literal', () => {
    expect(parseTemplate('a }} b')).toEqual({ kind: 'parsed', parts: [{ kind: 'literal', text: 'a }} b' }] });
    expect(parseTemplate('')).toEqual({ kind: 'parsed', parts: [] });
  });

  const expected =
    'params.NAME, tasks.ID.outputs.NAME, tasks.ID.outputs.artifacts.NAME, item, item.KEY, index, run.id, run.scheduledTime, trigger.runId, trigger.outputs.TASK.NAME or secrets.NAME';
  it.each([
    ['an unclosed template', 'echo {{ params.lr', '"{{ params.lr" has no closing "}}"'],
    ['an empty template', 'x{{ }}', `{{ }}: empty template (expected ${expected})`],
    [
      'an unknown root',
      '{{ env.HOME }}',
      `{{ env.HOME }}: unknown reference "env.HOME" (expected ${expected})`,
    ],
    ['a param without a name', '{{ params }}', '{{ params }}: expected params.NAME'],
    ['a param with a bad name', '{{ params.1x }}', '{{ params.1x }}: expected params.NAME'],
    [
      'a task status (a CEL thing, not a template)',
      '{{ tasks.a.status }}',
      '{{ tasks.a.status }}: expected tasks.ID.outputs.NAME or tasks.ID.outputs.artifacts.NAME',
    ],
    [
      'an upper-case task id',
      '{{ tasks.Prep.outputs.x }}',
      '{{ tasks.Prep.outputs.x }}: expected tasks.ID.outputs.NAME or tasks.ID.outputs.artifacts.NAME',
    ],
    ['an empty item key', '{{ item..a }}', '{{ item..a }}: expected item or item.KEY'],
    ['a keyed index', '{{ index.0 }}', '{{ index.0 }}: expected index'],
    ['an unknown run field', '{{ run.name }}', '{{ run.name }}: expected run.id or run.scheduledTime'],
    ...[
      '{{ trigger }}',
      '{{ trigger.id }}',
      '{{ trigger.outputs.a }}',
      '{{ trigger.outputs.Build.x }}',
      '{{ trigger.outputs.a.x.y }}',
      '{{ trigger.outputs.a.artifacts.m }}',
    ].map((text): [string, string, string] => [
      `a malformed upstream reference ${text}`,
      text,
      `${text}: expected trigger.runId or trigger.outputs.TASK.NAME`,
    ]),
  ])('rejects %s', (_, text, message) => {
    expect(parseTemplate(text)).toEqual({ kind: 'invalid', message });
  });
});

describe('renderTemplate', () => {
  const values: Record<string, string> = {
    '{{ params.lr }}': '0.1',
    '{{ tasks.prep.outputs.x }}': '["a","b"]',
    '{{ run.id }}': 'run-7',
  };
  const resolve = (ref: TemplateRef): string => values[formatRef(ref)] ?? `<${ref.kind}>`;

  it.each([
    ['plain text', 'plain text'],
    ['--lr={{params.lr}}', '--lr=0.1'],
    ['{{ tasks.prep.outputs.x }}/{{ run.id }}/{{ index }}', '["a","b"]/run-7/<index>'],
    ['{{ params.lr }}{{ params.lr }}', '0.10.1'],
  ])('renders %s', (text, rendered) => {
    expect(renderTemplate(text, resolve)).toBe(rendered);
  });

  it('does not render values again: a value that looks like a template stays as it is', () => {
    expect(renderTemplate('{{ params.a }}', () => '{{ params.b }}')).toBe('{{ params.b }}');
  });

  it('throws TemplateSyntaxError on a malformed template', () => {
    expect(() => renderTemplate('x {{ nope }}', resolve)).toThrow(TemplateSyntaxError);
    expect(() => renderTemplate('x {{ nope }}', resolve)).toThrow(
      'invalid template "x {{ nope }}": {{ nope }}: unknown reference "nope"',
    );
  });
});

describe('renderItem', () => {
  it.each<[string, unknown, string | undefined, string]>([
    ['a string raw', 'shard-1', undefined, 'shard-1'],
    ['a number as JSON', 3, undefined, '3'],
    ['an object as JSON', { a: 1, b: 'x' }, undefined, '{"a":1,"b":"x"}'],
    ['null as JSON', null, undefined, 'null'],
    ['a string field raw', { name: 'eu' }, 'name', 'eu'],
    ['a nested field', { a: { b: [1, 2] } }, 'a.b', '[1,2]'],
    ['a field holding false', { on: false }, 'on', 'false'],
  ])('renders %s', (_, item, path, text) => {
    expect(renderItem(item, path)).toBe(text);
  });

  it.each<[string, unknown, string, string]>([
    ['a missing key', { a: 1 }, 'b', 'the foreach item has no key "b"'],
    ['a missing nested key', { a: { c: 1 } }, 'a.b', 'the foreach item has no key "b" (in item.a.b)'],
    ['a key of a string', 'eu', 'name', 'the foreach item has no key "name"'],
    ['a key of an array', [1], '0', 'the foreach item has no key "0"'],
    ['an inherited key', {}, 'toString', 'the foreach item has no key "toString"'],
  ])('rejects %s, naming the key', (_, item, path, message) => {
    let error: unknown;
    try {
      renderItem(item, path);
    } catch (caught) {
      error = caught;
    }
    expect(error).toBeInstanceOf(MissingItemKeyError);
    expect((error as Error).message).toBe(message);
    expect((error as MissingItemKeyError).key).toBe(message.match(/"(.+?)"/)?.[1]);
  });
});

describe('collectRefs', () => {
  it('lists the references of every templated field in field order', () => {
    const spec = parsePipeline(
      makePipeline(
        [
          makeTask('prep', {
            outputs: { parameters: [{ name: 'shards' }], artifacts: [{ name: 'm', path: '/m' }] },
          }),
          makeTask('train', {
            dependsOn: ['prep'],
            command: ['run', '{{ run.id }}'],
            args: ['--lr={{ params.lr }}'],
            env: { SHARD: '{{ item }}', AT: '{{ run.scheduledTime }}' },
            foreach: '{{ tasks.prep.outputs.shards }}',
            inputs: { artifacts: [{ from: '{{ tasks.prep.outputs.artifacts.m }}', path: '/in' }] },
          }),
        ],
        { params: { lr: '0.1' } },
      ),
    );
    expect(collectRefs(spec.tasks[1]!)).toEqual([
      { kind: 'runId' },
      { kind: 'param', name: 'lr' },
      { kind: 'item' },
      { kind: 'scheduledTime' },
      { kind: 'output', taskId: 'prep', name: 'shards' },
      { kind: 'artifact', taskId: 'prep', name: 'm' },
    ]);
    expect(collectRefs(spec.tasks[0]!)).toEqual([]);
  });
});

describe('formatRef', () => {
  it.each<TemplateRef>([
    { kind: 'param', name: 'lr' },
    { kind: 'output', taskId: 'a', name: 'x' },
    { kind: 'artifact', taskId: 'a', name: 'm' },
    { kind: 'item' },
    { kind: 'item', path: 'a.b' },
    { kind: 'index' },
    { kind: 'runId' },
    { kind: 'scheduledTime' },
    { kind: 'triggerRunId' },
    { kind: 'triggerOutput', taskId: 'a', name: 'x' },
  ])('writes %j so that parseTemplate reads it back', (ref) => {
    const text = formatRef(ref);
    expect(parseTemplate(text)).toEqual({ kind: 'parsed', parts: [{ kind: 'ref', ref, source: text }] });
  });
});
