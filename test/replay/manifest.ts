/**
 * Where recorded workflow histories live and what the manifest says about each, shared by the recorder
 * (record-histories.ts) and the replay test.
 */
import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const HISTORIES_DIR = path.join(path.dirname(fileURLToPath(import.meta.url)), 'histories');
export const MANIFEST_FILE = 'manifest.json';

/**
 * The codec key (GANTRY_CODEC_KEY format) histories are recorded with. Public on purpose: the fixtures hold
 * no secrets, and every machine must replay them. Histories recorded before encryption pass through.
 */
export const REPLAY_CODEC_KEY = `replay-fixture:${createHash('sha256').update('gantry replay fixtures').digest('base64')}`;

/** One recorded execution: a file `<scenario>--<workflowType>[--<n>].json` in the histories folder. */
export interface ManifestEntry {
  readonly file: string;
  readonly scenario: string;
  readonly workflowType: string;
  /** Replay needs the real id: workflows put their own id into the commands they issue. */
  readonly workflowId: string;
  readonly runId: string;
  readonly events: number;
  readonly bytes: number;
  readonly recordedAt: string;
  /** HEAD when recorded, with `+dirty` when the workflow sources differed from it. */
  readonly gitCommit: string;
  /** The workflow bundle (named after the hash of its sources) that produced the history. */
  readonly bundle: string;
}

export interface Manifest {
  readonly histories: readonly ManifestEntry[];
}

export function historyFileName(scenario: string, workflowType: string, n?: number): string {
  return `${scenario}--${workflowType}${n === undefined ? '' : `--${n}`}.json`;
}

/** The manifest of a histories folder, or an empty one when the folder has none yet. */
export async function readManifest(dir: string = HISTORIES_DIR): Promise<Manifest> {
  try {
    return JSON.parse(await readFile(path.join(dir, MANIFEST_FILE), 'utf8')) as Manifest;
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return { histories: [] };
    throw err;
  }
}
