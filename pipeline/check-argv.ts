/**
 * Cross-field rules on what a container task hands to execve: each `NAME=value` env string within Linux
 * MAX_ARG_STRLEN, and command + args + env together within MAX_ARGV_ENV_BYTES (the kernel counts each
 * string's bytes, its NUL and its pointer against ARG_MAX). Elements that are not strings are the schema's
 * business; templates are counted as written, so a value substituted at run time can still exceed this.
 */
import { ARGV_POINTER_BYTES, MAX_ARG_BYTES, MAX_ARGV_ENV_BYTES, utf8Length } from './limits.js';
import { isRecord, type RuleIssue, type TaskView } from './view-tasks.js';

export function checkArgv(tasks: readonly TaskView[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const task of tasks) {
    let total = 0;
    for (const field of ['command', 'args'] as const) {
      const strings = task.fields[field];
      if (!Array.isArray(strings)) continue;
      for (const arg of strings as unknown[]) if (typeof arg === 'string') total += execveBytes(arg);
    }
    const env = task.fields['env'];
    if (isRecord(env)) {
      for (const [name, value] of Object.entries(env)) {
        if (typeof value !== 'string') continue;
        const bytes = utf8Length(name) + 1 + utf8Length(value);
        total += bytes + 1 + ARGV_POINTER_BYTES;
        // The value alone over the limit is the schema's issue already.
        if (bytes > MAX_ARG_BYTES && utf8Length(value) <= MAX_ARG_BYTES) {
          issues.push({
            path: ['tasks', task.index, 'env', name],
            message: `NAME=value is ${bytes} bytes of UTF-8, over the limit of ${MAX_ARG_BYTES} (Linux MAX_ARG_STRLEN: execve refuses a longer env string)`,
          });
        }
      }
    }
    if (total > MAX_ARGV_ENV_BYTES) {
      issues.push({
        path: ['tasks', task.index],
        message: `command, args and env take ${total} bytes, over the limit of ${MAX_ARGV_ENV_BYTES} (half of Linux ARG_MAX, which the image's entrypoint and env share)`,
      });
    }
  }
  return issues;
}

/** What one argv/envp string costs against ARG_MAX: its bytes, the NUL and the pointer. */
function execveBytes(text: string): number {
  return utf8Length(text) + 1 + ARGV_POINTER_BYTES;
}
