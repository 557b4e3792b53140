/**
 * Data in and out of a task's container, through Docker's archive API only (never host bind mounts, so it
 * works the same against a remote engine): input artifacts and the outputs directory before the start,
 * output parameters and artifacts after a zero exit.
 */
import path from 'node:path';
import type { Readable } from 'node:stream';
import tar from 'tar-stream';
import type { ArtifactRef, ValueRef } from '../common/data-refs.js';
import { WORKSPACE_MOUNT_PATH } from '../common/names.js';
import { MAX_PARAMETER_BYTES } from '../pipeline/schema.js';
import type { ArtifactStore } from './artifact-store.js';
import { directoriesTar, relocateArtifactTar, withNormalisedTar } from './artifact-tar.js';
import type { ContainerRuntime } from './docker-runtime.js';
import {
  ArtifactMissingError,
  ArtifactNotFoundError,
  InvalidTaskConfigError,
  OutputInvalidError,
  OutputMissingError,
} from './errors.js';
import { type ContainerSecurity, GANTRY_DIR, preparedDirectories } from './secure-spec.js';
import type { RunContainerInput } from './types.js';
import { toValueRef } from './value-ref.js';

interface UploadPlan {
  /** The deepest existing directory above the target: Docker extracts only into existing directories. */
  readonly base: string;
  readonly targetRel: string;
  /** Directories to create between `base` and the target, relative to `base`, parents first. */
  readonly missingDirs: readonly string[];
}

// Only missing parents are created: an upload that named an existing directory (say /tmp) would also
// reset its owner and mode to the tar's.
async function planUpload(runtime: ContainerRuntime, id: string, target: string): Promise<UploadPlan> {
  const normalised = path.posix.normalize(target);
  if (!path.posix.isAbsolute(normalised) || normalised === '/')
    throw new InvalidTaskConfigError(`cannot place data at "${target}": expected an absolute path below /`);
  const missing: string[] = [];
  let base = path.posix.dirname(normalised);
  for (;;) {
    const stat = base === '/' ? { isDirectory: true } : await runtime.statPath(id, base);
    if (stat?.isDirectory) break;
    if (stat)
      throw new InvalidTaskConfigError(`cannot place data at "${target}": ${base} is not a directory`);
    missing.unshift(base);
    base = path.posix.dirname(base);
  }
  return {
    base,
    targetRel: path.posix.relative(base, normalised),
    missingDirs: missing.map((dir) => path.posix.relative(base, dir)),
  };
}

/**
 * Before the start: the outputs directory, world-writable with the sticky bit like /tmp so a non-root task
 * can write its outputs (and, for a container that does not run as root, the workspace likewise; see
 * secure-spec.ts), and every input artifact at its path, owned by root and readable by anyone.
 */
export async function prepareContainer(
  runtime: ContainerRuntime,
  store: ArtifactStore,
  id: string,
  input: RunContainerInput,
  security: Pick<ContainerSecurity, 'isNonRoot' | 'readOnlyRootFilesystem'> = {
    isNonRoot: false,
    readOnlyRootFilesystem: false,
  },
): Promise<void> {
  const outputs = input.outputs;
  const hasOutputs = outputs !== undefined && outputs.parameters.length + outputs.artifacts.length > 0;
  // /gantry is Gantry's own: written in one call, no look at what the image holds there.
  const prepared = preparedDirectories(hasOutputs, security);
  if (prepared.dirs.length > 0) await runtime.putArchive(id, prepared.at, directoriesTar(prepared.dirs));
  // A non-root task cannot create the missing parents of its declared outputs (`/data/out` in an image
  // without /data): they are made for it, like /tmp. Before the inputs, which would make them root's.
  if (security.isNonRoot && !security.readOnlyRootFilesystem) {
    const paths = [...(outputs?.parameters ?? []), ...(outputs?.artifacts ?? [])].map((o) => o.path);
    for (const target of paths.filter(isOutsideGantryDirs)) {
      const plan = await planUpload(runtime, id, target);
      if (plan.missingDirs.length === 0) continue;
      const dirs = plan.missingDirs.map((name) => ({ name, mode: 0o1777 }));
      await runtime.putArchive(id, plan.base, directoriesTar(dirs));
    }
  }
  for (const artifact of input.inputArtifacts ?? []) {
    const plan = await planUpload(runtime, id, artifact.path);
    const blob = await store.openBlob(artifact.digest);
    await runtime.putArchive(id, plan.base, relocateArtifactTar(blob, plan.targetRel, plan.missingDirs));
  }
}

function isOutsideGantryDirs(target: string): boolean {
  const normalised = path.posix.normalize(target);
  return (
    target !== '' &&
    ![GANTRY_DIR, WORKSPACE_MOUNT_PATH, '/tmp'].some(
      (dir) => normalised === dir || normalised.startsWith(`${dir}/`),
    )
  );
}

/** Fails fast, before a container exists, when an input artifact is not in the store. */
export async function checkInputArtifacts(store: ArtifactStore, input: RunContainerInput): Promise<void> {
  for (const artifact of input.inputArtifacts ?? []) {
    if (!(await store.hasBlob(artifact.digest))) throw new ArtifactNotFoundError(artifact.digest);
  }
}

const utf8 = new TextDecoder('utf-8', { fatal: true });

/** The file's bytes, or the reason it cannot be a parameter; reads nothing beyond the limit. */
async function readParameterFile(
  archive: Readable,
): Promise<{ kind: 'ok'; bytes: Buffer } | { kind: 'invalid'; detail: string }> {
  const extract = tar.extract();
  archive.on('error', (err) => extract.destroy(err));
  archive.pipe(extract);
  try {
    for await (const entry of extract) {
      const { type, size } = entry.header;
      if (type !== 'file' && type !== 'contiguous-file')
        return { kind: 'invalid', detail: `is a ${type}, not a regular file` };
      if (size > MAX_PARAMETER_BYTES) {
        return {
          kind: 'invalid',
          detail: `is ${size} bytes, over the limit of ${MAX_PARAMETER_BYTES} bytes for a parameter (use an artifact)`,
        };
      }
      const chunks: Buffer[] = [];
      for await (const chunk of entry as AsyncIterable<Buffer>) chunks.push(chunk);
      return { kind: 'ok', bytes: Buffer.concat(chunks) };
    }
    return { kind: 'invalid', detail: 'is empty in the archive Docker returned' };
  } finally {
    archive.destroy();
  }
}

/**
 * After a zero exit: each output parameter's value is its file's UTF-8 text with trailing whitespace
 * (the newline `echo` adds, for one) trimmed; each artifact is stored as a normalised tar.
 */
export async function collectOutputs(
  runtime: ContainerRuntime,
  store: ArtifactStore,
  id: string,
  input: RunContainerInput,
  /** Masks secret values: an output parameter is shown in summaries and passed on in histories. */
  mask: (text: string) => string = (text) => text,
): Promise<{ outputs: Record<string, ValueRef>; artifacts: Record<string, ArtifactRef> }> {
  const outputs: Record<string, ValueRef> = {};
  const artifacts: Record<string, ArtifactRef> = {};
  for (const parameter of input.outputs?.parameters ?? []) {
    const archive = await runtime.getArchive(id, parameter.path);
    if (!archive) throw new OutputMissingError(input.taskId, parameter.name, parameter.path);
    const read = await readParameterFile(archive);
    if (read.kind === 'invalid')
      throw new OutputInvalidError(input.taskId, parameter.name, parameter.path, read.detail);
    let value: string;
    try {
      value = utf8.decode(read.bytes);
    } catch {
      throw new OutputInvalidError(
        input.taskId,
        parameter.name,
        parameter.path,
        `is not valid UTF-8 (${read.bytes.length} bytes; a parameter is UTF-8 text of at most ${MAX_PARAMETER_BYTES} bytes)`,
      );
    }
    outputs[parameter.name] = await toValueRef(store, mask(value.trimEnd()));
  }
  for (const artifact of input.outputs?.artifacts ?? []) {
    const archive = await runtime.getArchive(id, artifact.path);
    if (!archive) throw new ArtifactMissingError(input.taskId, artifact.name, artifact.path);
    artifacts[artifact.name] = await withNormalisedTar(archive, (normalised) => store.putBlob(normalised));
  }
  return { outputs, artifacts };
}
