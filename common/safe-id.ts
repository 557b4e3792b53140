/**
 * The one rule for ids that become file names and Docker names on a worker: run ids, task and foreach item
 * ids, node and cluster names. Each is one path segment (`<logDir>/<runId>/<taskId>/…`) and part of a
 * container or volume name, so it must not be able to name another place.
 *
 * The alphabet is what Gantry really makes, nothing more: pipeline and task ids (`[a-z0-9_-]`), run ids
 * `<pipeline>-<yyyymmdd-hhmmss>-<hex>`, a schedule firing's `<id>-2026-12-01T03:00:00Z` (`:`), a child run's
 * `<parent>--<task>-3`, and a foreach item's `train[12]` (`[`, `]`). Upper case and `.` are allowed for ids
 * that tests and older runs used. No `/`, `\`, NUL or whitespace; `..` nowhere (not even inside, so no
 * segment is `..`), and the first character alphanumeric (no `.hidden`, no `-flag`).
 */
import { z } from 'zod';

/** Linux NAME_MAX: a longer id could not be a directory name in the log folder anyway. */
export const MAX_SAFE_ID_LENGTH = 255;

export const SAFE_ID_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._:[\]-]{0,254}$/;

export const SAFE_ID_RULE =
  'must be 1-255 letters, digits, ".", "_", ":", "-", "[" or "]", starting with a letter or digit, without ".."';

export function isSafeId(id: string): boolean {
  return SAFE_ID_PATTERN.test(id) && !id.includes('..');
}

export const SafeIdSchema = z.string().refine(isSafeId, { message: SAFE_ID_RULE });
