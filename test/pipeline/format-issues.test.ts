import { describe, expect, it } from 'vitest';
import { PipelineFileNotFoundError } from '../../cli/errors.js';
import { PipelineSyntaxError, PipelineValidationError } from '../../pipeline/errors.js';
import { formatValidationError } from '../../pipeline/format-issues.js';

describe('formatValidationError', () => {
  it('prints a header naming the file and the count, then one issue per line', () => {
    const error = new PipelineValidationError(
      [
        { path: 'tasks[3].dependsOn[0]', message: 'unknown task "build"' },
        { path: 'tasks', message: 'cycle a -> b -> a' },
      ],
      { source: 'ci.yaml' },
    );
    expect(formatValidationError(error)).toBe(
      [
        'ci.yaml: 2 problems',
        '  tasks[3].dependsOn[0]: unknown task "build"',
        '  tasks: cycle a -> b -> a',
      ].join('\n'),
    );
  });

  it('says "1 problem" and falls back to "pipeline" without a source', () => {
    const error = new PipelineValidationError([{ path: 'name', message: 'is required (expected string)' }]);
    expect(formatValidationError(error)).toBe('pipeline: 1 problem\n  name: is required (expected string)');
  });

  it('prints a syntax error as one problem at its line and column', () => {
    const error = new PipelineSyntaxError({
      filename: 'ci.yaml',
      line: 4,
      column: 9,
      detail: 'Map keys must be unique',
    });
    expect(formatValidationError(error)).toBe('ci.yaml: 1 problem\n  4:9: Map keys must be unique');
  });

  it.each([
    [new PipelineFileNotFoundError('ci.yaml'), 'ci.yaml: pipeline file not found'],
    [new Error('boom'), 'boom'],
    ['not an error', 'not an error'],
  ])('prints any other error as its message', (error, text) => {
    expect(formatValidationError(error)).toBe(text);
  });
});

describe('PipelineValidationError', () => {
  it('lists every issue in its message, one per line, and keeps them structured', () => {
    const issues = [
      { path: 'tasks[0].image', message: 'must not be empty, got ""' },
      { path: 'tasks[1].id', message: 'duplicate task id "a" (also tasks[0])' },
    ];
    const error = new PipelineValidationError(issues, { cause: 'zod' });
    expect(error.message).toBe(
      'tasks[0].image: must not be empty, got ""\ntasks[1].id: duplicate task id "a" (also tasks[0])',
    );
    expect(error.issues).toEqual(issues);
    expect(error.cause).toBe('zod');
    expect(error.name).toBe('PipelineValidationError');
  });
});
