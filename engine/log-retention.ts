/**
 * Log retention on a node: attempt logs live under `<logDir>/<runId>/<taskId>/attempt-N.log` and would grow
 * for ever. A run's folder is deleted once nothing in it has been written for the retention period, so a run
 * still writing (however old) keeps its logs. The node worker prunes at start and then periodically.
 */
import { readdir, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { joinUnder } from '../activities/join-under.js';

const DAY_MS = 24 * 60 * 60 * 1000;
const PRUNE_INTERVAL_MS = 6 * 60 * 60 * 1000;

export interface RunLogFolder {
  readonly runId: string;
  /** Latest modification time of the folder or anything in it. */
  readonly newestMs: number;
}

/** The run folders past retention, oldest first. Pure. */
export function expiredRunLogs(
  folders: readonly RunLogFolder[],
  retentionDays: number,
  nowMs: number,
): string[] {
  const cutoff = nowMs - retentionDays * DAY_MS;
  return folders
    .filter((folder) => folder.newestMs < cutoff)
    .sort((a, b) => a.newestMs - b.newestMs || (a.runId < b.runId ? -1 : 1))
    .map((folder) => folder.runId);
}

async function newestMtime(dir: string, depth: number): Promise<number> {
  let newest = (await stat(dir)).mtimeMs;
  if (depth === 0) return newest;
  for (const entry of await readdir(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    newest = Math.max(
      newest,
      entry.isDirectory() ? await newestMtime(full, depth - 1) : (await stat(full)).mtimeMs,
    );
  }
  return newest;
}

/** Deletes the expired run folders under `logDir`; returns their run ids. A missing logDir has nothing to prune. */
export async function pruneRunLogs(
  logDir: string,
  retentionDays: number,
  nowMs = Date.now(),
): Promise<string[]> {
  let entries;
  try {
    entries = await readdir(logDir, { withFileTypes: true });
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code === 'ENOENT') return [];
    throw err;
  }
  const folders: RunLogFolder[] = [];
  for (const entry of entries) {
    if (!entry.isDirectory()) continue;
    // Run folder, task folders, attempt files: two levels below the run.
    folders.push({ runId: entry.name, newestMs: await newestMtime(path.join(logDir, entry.name), 2) });
  }
  const expired = expiredRunLogs(folders, retentionDays, nowMs);
  for (const runId of expired) await rm(joinUnder(logDir, runId), { recursive: true, force: true });
  return expired;
}

/** Prunes now and every few hours until the returned stop function is called; failures are reported, not thrown. */
export function keepPruningRunLogs(
  logDir: string,
  retentionDays: number,
  onError: (err: unknown) => void,
): () => void {
  const prune = () => void pruneRunLogs(logDir, retentionDays).catch(onError);
  prune();
  const timer = setInterval(prune, PRUNE_INTERVAL_MS);
  // Pruning alone must never keep a process alive.
  timer.unref();
  return () => clearInterval(timer);
}
