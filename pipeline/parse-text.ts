/**
 * parsePipelineText: YAML (.yaml, .yml, anything else) or JSON (.json) text to a validated PipelineSpec.
 * Malformed text is a PipelineSyntaxError at file:line:col; valid data goes through parsePipeline.
 */
import { LineCounter, parseDocument } from 'yaml';
import { PipelineSyntaxError } from './errors.js';
import { locateJsonError } from './locate-json-error.js';
import { parsePipeline, type ParseOptions } from './parse.js';
import type { PipelineSpec } from './schema.js';

export function parsePipelineText(
  text: string,
  source: { readonly filename: string },
  options: ParseOptions = {},
): PipelineSpec {
  return parsePipeline(readPipelineText(text, source), { source: source.filename, ...options });
}

/** The data of YAML or JSON text, not yet validated (the loader fills in sub-pipelines first). */
export function readPipelineText(text: string, source: { readonly filename: string }): unknown {
  return /\.json$/i.test(source.filename) ? readJson(text, source.filename) : readYaml(text, source.filename);
}

function readYaml(text: string, filename: string): unknown {
  const lineCounter = new LineCounter();
  const document = parseDocument(text, { lineCounter, prettyErrors: false, uniqueKeys: true });
  const [error] = document.errors;
  if (error !== undefined) {
    const { line, col } = lineCounter.linePos(error.pos[0]);
    throw new PipelineSyntaxError({ filename, line, column: col, detail: error.message }, { cause: error });
  }
  return document.toJS();
}

function readJson(text: string, filename: string): unknown {
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

function lineAndColumn(text: string, offset: number): { line: number; column: number } {
  const before = text.slice(0, offset);
  const lastNewline = before.lastIndexOf('\n');
  return { line: before.split('\n').length, column: offset - lastNewline };
}
