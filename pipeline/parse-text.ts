/**
 * parsePipelineText: YAML (.yaml, .yml, anything else) or JSON (.json) text to a validated PipelineSpec.
 * Malformed text is a PipelineSyntaxError at file:line:col, text over MAX_PIPELINE_FILE_BYTES a
 * PipelineTooLargeError before any parsing; valid data goes through parsePipeline.
 */
import { PipelineSyntaxError, PipelineTooLargeError, PipelineValidationError } from './errors.js';
import {
  MAX_FILE_TASKS,
  MAX_NESTING_DEPTH,
  MAX_PIPELINE_FILE_BYTES,
  MAX_TASKS,
  utf8Length,
} from './limits.js';
import { lineAndColumn } from './line-and-column.js';
import { locateJsonError } from './locate-json-error.js';
import { parsePipeline, type ParseOptions } from './parse.js';
import { readYaml } from './read-yaml.js';
import { offsetTooDeepJson } from './scan-json.js';
import type { PipelineSpec } from './schema.js';
import { isRecord } from './view-tasks.js';

export function parsePipelineText(
  text: string,
  source: { readonly filename: string },
  options: ParseOptions = {},
): PipelineSpec {
  return parsePipeline(readPipelineText(text, source), { source: source.filename, ...options });
}

/** The data of YAML or JSON text, not yet validated (the loader fills in sub-pipelines first). */
export function readPipelineText(text: string, source: { readonly filename: string }): unknown {
  // Each UTF-16 code unit is at least one byte: a longer text is too large without counting.
  if (text.length > MAX_PIPELINE_FILE_BYTES || utf8Length(text) > MAX_PIPELINE_FILE_BYTES) {
    throw new PipelineTooLargeError(source.filename, utf8Length(text));
  }
  const data = /\.json$/i.test(source.filename)
    ? readJson(text, source.filename)
    : readYaml(text, source.filename);
  const tasks = isRecord(data) ? data['tasks'] : undefined;
  if (Array.isArray(tasks) && tasks.length > MAX_FILE_TASKS) {
    const message = `must have at most ${MAX_FILE_TASKS} items in a YAML or JSON file, got ${tasks.length} (a TypeScript pipeline may have up to ${MAX_TASKS}; or use foreach)`;
    throw new PipelineValidationError([{ path: 'tasks', message }], { source: source.filename });
  }
  return data;
}

function readJson(text: string, filename: string): unknown {
  const tooDeep = offsetTooDeepJson(text);
  if (tooDeep !== undefined) {
    const detail = `nested deeper than ${MAX_NESTING_DEPTH} levels`;
    throw new PipelineSyntaxError({ filename, ...lineAndColumn(text, tooDeep), detail });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    const offset = locateJsonError(text) ?? text.length;
    const { line, column } = lineAndColumn(text, offset);
    // V8's position and source excerpt are replaced by our line and column.
    const detail =
      error instanceof Error
        ? error.message.replace(/ (?:in JSON )?at position \d+.*$|, ".*"(?:\.\.\.)? is not valid JSON$/s, '')
        : String(error);
    throw new PipelineSyntaxError({ filename, line, column, detail }, { cause: error });
  }
}
