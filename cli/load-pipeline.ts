/**
 * loadPipelineFile: reads a pipeline from disk. YAML/JSON text is read with readPipelineText; TS/JS modules
 * are imported (the CLI runs under tsx) and their default export is a spec or a builder. Sub-pipelines
 * (`pipeline: PATH`, relative to the including file) are loaded the same way, recursively, and set as the
 * task's `pipelineSpec` before the including pipeline goes through parsePipeline, so its rules can check the
 * child's params and outputs. Every source meets the same rules, with the same options.
 */
import { access, open } from 'node:fs/promises';
import { dirname, extname, isAbsolute, join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { isPipelineBuilder } from '../pipeline/builder.js';
import {
  PipelineIncludeCycleError,
  PipelineTooLargeError,
  SubPipelineNotFoundError,
} from '../pipeline/errors.js';
import { MAX_PIPELINE_FILE_BYTES } from '../pipeline/limits.js';
import { parsePipeline, type ParseOptions } from '../pipeline/parse.js';
import { readPipelineText } from '../pipeline/parse-text.js';
import type { PipelineSpec } from '../pipeline/schema.js';
import { isRecord } from '../pipeline/view-tasks.js';
import { PipelineFileNotFoundError, PipelineFileReadError, PipelineModuleError } from './errors.js';

const MODULE_EXTENSIONS = new Set(['.ts', '.mts', '.js', '.mjs']);

export async function loadPipelineFile(path: string, options: ParseOptions = {}): Promise<PipelineSpec> {
  return loadWithIncludes(path, { source: path, ...options }, []);
}

/** `including` lists the files that include this one, outermost first, to detect include cycles. */
async function loadWithIncludes(
  path: string,
  options: ParseOptions,
  including: readonly string[],
): Promise<PipelineSpec> {
  const data = MODULE_EXTENSIONS.has(extname(path).toLowerCase())
    ? await readModule(path, options)
    : readPipelineText(await readText(path), { filename: path });
  const withChildren = await loadSubPipelines(data, path, options, [...including, path]);
  return parsePipeline(withChildren, options);
}

async function loadSubPipelines(
  data: unknown,
  file: string,
  options: ParseOptions,
  chain: readonly string[],
): Promise<unknown> {
  if (!isRecord(data) || !Array.isArray(data['tasks'])) return data;
  const tasks: unknown[] = [];
  // One child at a time: the first problem reported is always the same one.
  for (const [index, task] of (data['tasks'] as unknown[]).entries()) {
    if (!isRecord(task) || typeof task['pipeline'] !== 'string') {
      tasks.push(task);
      continue;
    }
    const childPath = isAbsolute(task['pipeline']) ? task['pipeline'] : join(dirname(file), task['pipeline']);
    const taskId = typeof task['id'] === 'string' ? task['id'] : `tasks[${index}]`;
    const first = chain.findIndex((included) => resolve(included) === resolve(childPath));
    if (first >= 0) throw new PipelineIncludeCycleError([...chain.slice(first), childPath]);
    const childOptions: ParseOptions = { ...options, source: childPath };
    const pipelineSpec = await loadWithIncludes(childPath, childOptions, chain).catch((error: unknown) => {
      if (error instanceof PipelineFileNotFoundError && error.path === childPath) {
        throw new SubPipelineNotFoundError({ file, taskId, path: childPath }, { cause: error });
      }
      throw error;
    });
    tasks.push({ ...task, pipelineSpec });
  }
  return { ...data, tasks };
}

/** The file's text; its size is checked before it is read, so a huge file costs neither memory nor time. */
async function readText(path: string): Promise<string> {
  let file;
  try {
    file = await open(path, 'r');
  } catch (error) {
    if (isNotFound(error)) throw new PipelineFileNotFoundError(path, { cause: error });
    throw new PipelineFileReadError(path, { cause: error });
  }
  try {
    const { size } = await file.stat();
    if (size > MAX_PIPELINE_FILE_BYTES) throw new PipelineTooLargeError(path, size);
    // A pipe or a device has no size to stat: the read itself stops one byte past the limit.
    const buffer = Buffer.allocUnsafe(MAX_PIPELINE_FILE_BYTES + 1);
    let length = 0;
    for (let read = -1; read !== 0 && length < buffer.length; length += read) {
      ({ bytesRead: read } = await file.read(buffer, length, buffer.length - length, null));
    }
    if (length > MAX_PIPELINE_FILE_BYTES) throw new PipelineTooLargeError(path, length);
    return buffer.toString('utf8', 0, length);
  } catch (error) {
    if (error instanceof PipelineTooLargeError) throw error;
    throw new PipelineFileReadError(path, { cause: error });
  } finally {
    await file.close();
  }
}

/** The module's default export as a definition: a builder's built spec, or the exported value itself. */
async function readModule(path: string, options: ParseOptions): Promise<unknown> {
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
  // A builder validates on build(); the spec it returns is checked again once its sub-pipelines are loaded.
  return isPipelineBuilder(exported) ? exported.build(options) : exported;
}

function isNotFound(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  return code === 'ENOENT';
}
