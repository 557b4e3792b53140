import { describe, expect, it } from 'vitest';
import { PipelineSyntaxError, PipelineValidationError } from '../../pipeline/errors.js';
import { parsePipelineText } from '../../pipeline/parse-text.js';

const yaml = ['name: p', 'tasks:', '  - id: a', '    image: gantry/busybox', ''].join('\n');

function syntaxError(text: string, filename: string): PipelineSyntaxError {
  try {
    parsePipelineText(text, { filename });
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineSyntaxError);
    return error as PipelineSyntaxError;
  }
  throw new Error('expected a PipelineSyntaxError');
}

describe('parsePipelineText', () => {
  it.each(['p.yaml', 'p.yml', 'p.YAML', 'pipeline'])('reads %s as YAML', (filename) => {
    expect(parsePipelineText(yaml, { filename }).tasks[0]?.id).toBe('a');
  });

  it('reads .json as JSON', () => {
    expect(
      parsePipelineText('{"name":"p","tasks":[{"id":"a","image":"x"}]}', { filename: 'p.json' }).name,
    ).toBe('p');
  });

  it('does not accept YAML syntax in a .json file', () => {
    expect(syntaxError(yaml, 'p.json').message).toBe("p.json:1:2: Unexpected token 'a'");
  });

  it.each([
    [
      'an unclosed flow sequence',
      'name: p\ntasks: [\n',
      'p.yaml:3:1: Flow sequence in block collection must be sufficiently indented and end with a ]',
    ],
    ['a repeated key', 'name: p\nname: q\n', 'p.yaml:2:1: Map keys must be unique'],
    [
      'a bad indent',
      'name: p\n  tasks: []\n',
      'p.yaml:1:7: Nested mappings are not allowed in compact mappings',
    ],
    ['an unterminated quote', "name: 'p\n", "p.yaml:2:1: Missing closing 'quote"],
  ])('names file, line and column for %s in YAML', (_, text, message) => {
    expect(syntaxError(text, 'p.yaml').message).toBe(message);
  });

  it.each([
    ['a trailing comma', '{\n  "name": "p",\n}', 'p.json:3:1: Expected double-quoted property name', [3, 1]],
    ['a missing value', '{"name": }', "p.json:1:10: Unexpected token '}'", [1, 10]],
    ['an early end', '{"name": "p"', "p.json:1:13: Expected ',' or '}' after property value", [1, 13]],
    ['an empty file', '', 'p.json:1:1: Unexpected end of JSON input', [1, 1]],
    ['trailing text', '{}\n x', 'p.json:2:2: Unexpected non-whitespace character after JSON', [2, 2]],
  ])('names file, line and column for %s in JSON', (_, text, message, [line, column]) => {
    const error = syntaxError(text, 'p.json');
    expect(error.message).toBe(message);
    expect([error.filename, error.line, error.column]).toEqual(['p.json', line, column]);
  });

  it('validates the parsed data and names the file on the error', () => {
    try {
      parsePipelineText('name: p\ntasks:\n  - id: a\n    image: x\n    dependsOn: [b]\n', {
        filename: 'ci.yaml',
      });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PipelineValidationError);
      expect((error as PipelineValidationError).source).toBe('ci.yaml');
      expect((error as Error).message).toBe('tasks[0].dependsOn[0]: unknown task "b" (task "a")');
    }
  });

  it('treats an empty YAML file as a missing pipeline', () => {
    expect(() => parsePipelineText('', { filename: 'p.yaml' })).toThrow(PipelineValidationError);
    expect(() => parsePipelineText('', { filename: 'p.yaml' })).toThrow(
      /^\(root\): expected object, got null$/,
    );
  });
});
