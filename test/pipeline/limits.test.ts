import { describe, expect, it } from 'vitest';
import {
  PipelineSyntaxError,
  PipelineTooLargeError,
  PipelineValidationError,
} from '../../pipeline/errors.js';
import { MAX_ARG_BYTES, utf8Length } from '../../pipeline/limits.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { parsePipelineText } from '../../pipeline/parse-text.js';

const MB = 1024 * 1024;
const task = { id: 'a', image: 'gantry/busybox' };

function errorOf(run: () => unknown): Error {
  try {
    run();
  } catch (error) {
    return error as Error;
  }
  throw new Error('expected an error');
}

describe('input limits', () => {
  it('caps a YAML or JSON file at 10,000 tasks and a TypeScript (object) pipeline at 100,000', () => {
    const tasks = Array.from({ length: 10_001 }, (_, i) => ({ id: `t${i}`, image: 'gantry/busybox' }));
    const error = errorOf(() =>
      parsePipelineText(JSON.stringify({ name: 'p', tasks }), { filename: 'p.json' }),
    );
    expect(error).toBeInstanceOf(PipelineValidationError);
    expect(error.message).toContain('tasks: must have at most 10000 items in a YAML or JSON file, got 10001');
    expect(parsePipeline({ name: 'p', tasks }).tasks).toHaveLength(10_001);
    const tooMany = Array.from({ length: 100_001 }, (_, i) => ({ id: `t${i}` }));
    expect(errorOf(() => parsePipeline({ name: 'p', tasks: tooMany })).message).toContain(
      'tasks: must have at most 100000 items, got 100001',
    );
  });

  it.each([
    ['', 0],
    ['abc', 3],
    ['é', 2],
    ['€', 3],
    ['😀', 4],
    ['\ud800', 3],
  ])('counts %j as %i bytes of UTF-8', (text, bytes) => {
    expect(utf8Length(text)).toBe(bytes);
  });

  it('rejects a 10 MB command argument at its path, naming MAX_ARG_STRLEN', () => {
    const error = errorOf(() =>
      parsePipeline({ name: 'p', tasks: [{ ...task, command: ['sh', 'x'.repeat(10 * MB)] }] }),
    );
    expect(error).toBeInstanceOf(PipelineValidationError);
    expect(error.message).toBe(
      [
        `tasks[0].command[1]: is ${10 * MB} bytes of UTF-8, over the limit of 131071 (Linux MAX_ARG_STRLEN: execve refuses a longer argument) (task "a")`,
        `tasks[0]: command, args and env take 10485780 bytes, over the limit of 1048576 (half of Linux ARG_MAX, which the image's entrypoint and env share) (task "a")`,
      ].join('\n'),
    );
  });

  it('accepts an argument of exactly MAX_ARG_BYTES, and counts multi-byte characters', () => {
    expect(() =>
      parsePipeline({ name: 'p', tasks: [{ ...task, args: ['x'.repeat(MAX_ARG_BYTES)] }] }),
    ).not.toThrow();
    expect(
      errorOf(() => parsePipeline({ name: 'p', tasks: [{ ...task, args: ['é'.repeat(65536)] }] })).message,
    ).toContain('tasks[0].args[0]: is 131072 bytes of UTF-8');
  });

  it('rejects an env string NAME=value over MAX_ARG_STRLEN and command, args and env over 1 MiB', () => {
    const big = 'v'.repeat(MAX_ARG_BYTES - 2);
    const error = errorOf(() =>
      parsePipeline({ name: 'p', tasks: [{ ...task, env: { LONG: big }, args: Array(8).fill(big) }] }),
    );
    expect(error.message).toBe(
      [
        'tasks[0].env.LONG: NAME=value is 131074 bytes of UTF-8, over the limit of 131071 (Linux MAX_ARG_STRLEN: execve refuses a longer env string) (task "a")',
        'tasks[0]: command, args and env take 1179707 bytes, over the limit of 1048576 (half of Linux ARG_MAX, which the image\'s entrypoint and env share) (task "a")',
      ].join('\n'),
    );
  });

  it('rejects a resource larger than any machine', () => {
    expect(
      errorOf(() => parsePipeline({ name: 'p', tasks: [{ ...task, resources: { memoryMiB: 1e12 } }] }))
        .message,
    ).toBe('tasks[0].resources.memoryMiB: must be <= 16777216, got 1000000000000 (task "a")');
  });

  it('refuses text over 4 MiB before parsing it', () => {
    const error = errorOf(() => parsePipelineText(`name: ${'x'.repeat(5 * MB)}`, { filename: 'p.yaml' }));
    expect(error).toBeInstanceOf(PipelineTooLargeError);
    expect(error.message).toBe('p.yaml: the file is 5242886 bytes, over the limit of 4194304 for a pipeline');
  });

  it.each([
    ['p.json', `{"name":${'['.repeat(100_000)}`, 'p.json:1:72: nested deeper than 64 levels'],
    ['p.yaml', `name: ${'['.repeat(100_000)}`, 'p.yaml:1:71: nested deeper than 64 levels'],
    ['p.yaml', `name:\n${'- '.repeat(100_000)}x`, 'p.yaml:2:131: nested deeper than 64 levels'],
  ])('refuses deep nesting in %s before parsing it', (filename, text, message) => {
    const error = errorOf(() => parsePipelineText(text, { filename }));
    expect(error).toBeInstanceOf(PipelineSyntaxError);
    expect(error.message).toBe(message);
  });

  it('refuses YAML aliases that expand too far (billion laughs)', () => {
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x, x]'];
    for (const [i, name] of [...'bcdefghi'].entries()) {
      const previous = String.fromCharCode(97 + i);
      lines.push(`${name}: &${name} [${Array(10).fill(`*${previous}`).join(', ')}]`);
    }
    const error = errorOf(() => parsePipelineText(lines.join('\n'), { filename: 'p.yaml' }));
    expect(error).toBeInstanceOf(PipelineSyntaxError);
    expect(error.message).toBe(
      'p.yaml:2:8: Excessive alias count indicates a resource exhaustion attack (aliases may expand to at most 100 nodes)',
    );
  });

  it('rejects a YAML alias inside its own anchor as a cycle, at its path', () => {
    const error = errorOf(() =>
      parsePipelineText('name: p\ntasks:\n  - &t {id: a, image: x, args: [*t]}\n', { filename: 'p.yaml' }),
    );
    expect(error).toBeInstanceOf(PipelineValidationError);
    expect(error.message).toBe(
      'tasks[0].args[0]: contains itself (a cycle, such as a YAML alias inside its own anchor)',
    );
  });

  it('keeps rejecting duplicate YAML keys, in linear time', () => {
    const keys = Array.from({ length: 4000 }, (_, i) => `k${i}: 1`).join('\n');
    const error = errorOf(() => parsePipelineText(`${keys}\nk0: 2\n`, { filename: 'p.yaml' }));
    expect(error.message).toBe('p.yaml:4001:1: Map keys must be unique');
  });
});
