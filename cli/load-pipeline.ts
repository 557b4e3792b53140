/**
 * loadPipelineFile: reads a pipeline from disk. YAML/JSON go through parsePipelineText; TS/JS modules are
 * imported (the CLI runs under tsx) and their default export, a spec or a builder, goes through
 * parsePipeline with the same options, so every source meets the same rules.
 */
import { access, readFile } from 'node:fs/promises';
import { extname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPipelineBuilder } from '../pipeline/builder.js';
import { parsePipeline, type ParseOptions } from '../pipeline/parse.js';
import { parsePipelineText } from '../pipeline/parse-text.js';
import type { PipelineSpec } from '../pipeline/schema.js';
import { PipelineFileNotFoundError, PipelineModuleError } from './errors.js';

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

export async function loadPipelineFile(path: string, options: ParseOptions = {}): Promise<PipelineSpec> {
  const withSource: ParseOptions = { source: path, ...options };
  if (MODULE_EXTENSIONS.has(extname(path).toLowerCase())) return loadModule(path, withSource);
  let text: string;
  try {
    text = await readFile(path, 'utf8');
  } catch (error) {
    throw isNotFound(error) ? new PipelineFileNotFoundError(path, { cause: error }) : error;
  }
  return parsePipelineText(text, { filename: path }, withSource);
}

async function loadModule(path: string, options: ParseOptions): Promise<PipelineSpec> {
  try {
    await access(path);
  } catch (error) {
    throw isNotFound(error) ? new PipelineFileNotFoundError(path, { cause: error }) : error;
  }
  let module: { default?: unknown };
  try {
    module = (await import(pathToFileURL(resolve(path)).href)) as { default?: unknown };
  } catch (error) {
    const detail = error instanceof Error ? error.message : String(error);
    throw new PipelineModuleError(path, `cannot import the module: ${detail}`, { cause: error });
  }
  const exported = module.default;
  if (exported === undefined) {
    throw new PipelineModuleError(
      path,
      'the module has no default export (export default definePipeline(...))',
    );
  }
  // A builder validates on build(); the spec it returns is checked again with the caller's options.
  const spec = isPipelineBuilder(exported) ? exported.build(options) : exported;
  return parsePipeline(spec, options);
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT';
}
