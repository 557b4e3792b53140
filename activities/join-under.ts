/** `path.join` for paths built from activity input: refuses any result outside `root`. */
import path from 'node:path';
import { PathOutsideRootError } from './errors.js';

/**
 * Joins `segments` under `root` and throws PathOutsideRootError when the result is not strictly inside it.
 * Ids are checked by the input schemas first; this holds even where a caller forgot to.
 */
export function joinUnder(root: string, ...segments: string[]): string {
  const base = path.resolve(root);
  const resolved = path.resolve(base, ...segments);
  if (!resolved.startsWith(base.endsWith(path.sep) ? base : base + path.sep))
    throw new PathOutsideRootError(root, segments);
  return path.join(root, ...segments);
}
