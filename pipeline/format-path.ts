import { showValue } from './show-value.js';

const IDENTIFIER = /^[A-Za-z_$][A-Za-z0-9_$]*$/;
/** Longer keys (a 10 MB unknown field) are shown truncated, like values. */
const MAX_KEY_LENGTH = 60;

/** Formats a zod issue path as `tasks[3].dependsOn[0]`; odd keys are quoted (`env["1A"]`), the empty path is `(root)`. */
export function formatPath(path: readonly PropertyKey[]): string {
  let out = '';
  for (const key of path) {
    if (typeof key === 'number') out += `[${key}]`;
    else if (typeof key === 'symbol') out += `[${key.toString()}]`;
    else if (key.length <= MAX_KEY_LENGTH && IDENTIFIER.test(key)) out += out === '' ? key : `.${key}`;
    else out += `[${showValue(key)}]`;
  }
  return out === '' ? '(root)' : out;
}
