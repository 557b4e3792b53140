/**
 * The one wrapper that checks activity input at registration (engine/workers.ts): each activity's input is
 * parsed with its schema from input-schemas.ts before the activity runs, and a bad one becomes a
 * non-retryable `InvalidActivityInput` failure naming the activity, the field and the value.
 */
import type { z } from 'zod';
import { formatPath } from '../pipeline/format-path.js';
import { showValue } from '../pipeline/show-value.js';
import { type ActivityInputIssue, InvalidActivityInputError } from './errors.js';
import { ACTIVITY_INPUT_SCHEMAS, type ActivityName } from './input-schemas.js';
import { toFailure } from './to-failure.js';

/** At most this many problems in one message: a forged input can have thousands. */
const MAX_ISSUES = 5;

type AnyActivity = (input: never) => Promise<unknown>;

/** Activities keyed by names that have a schema; any other key is a compile error. */
type KnownActivities<A> = { readonly [K in keyof A]: K extends ActivityName ? AnyActivity : never };

function valueAt(input: unknown, path: readonly PropertyKey[]): unknown {
  let value = input;
  for (const key of path) {
    if (typeof value !== 'object' || value === null) return undefined;
    value = (value as Record<PropertyKey, unknown>)[key];
  }
  return value;
}

function showPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return 'input';
  const text = formatPath(path);
  return text.startsWith('[') ? `input${text}` : `input.${text}`;
}

/** Each zod issue as path, shown value and problem; an unknown field is one issue per key. */
export function describeInputIssues(error: z.ZodError, input: unknown): ActivityInputIssue[] {
  const issues = error.issues.flatMap((issue): ActivityInputIssue[] => {
    if (issue.code === 'unrecognized_keys') {
      return issue.keys.map((key) => {
        const path = [...issue.path, key];
        return { path: showPath(path), value: showValue(valueAt(input, path)), problem: 'unknown field' };
      });
    }
    return [
      { path: showPath(issue.path), value: showValue(valueAt(input, issue.path)), problem: issue.message },
    ];
  });
  if (issues.length <= MAX_ISSUES) return issues;
  return [
    ...issues.slice(0, MAX_ISSUES),
    { path: '…', value: `${issues.length - MAX_ISSUES} more`, problem: 'not shown' },
  ];
}

/** The attempt a failure reports: the input's own when it is a valid one, else Temporal's (toFailure). */
function attemptOf(input: unknown): number | undefined {
  const attempt = valueAt(input, ['attempt']);
  return typeof attempt === 'number' && Number.isInteger(attempt) && attempt > 0 ? attempt : undefined;
}

/**
 * `activities` with each one's input checked first; the activity receives the parsed input. Throws at
 * registration for an activity without a schema, so no activity can be added unchecked.
 */
export function withInputValidation<A extends KnownActivities<A>>(activities: A, nodeId: string): A {
  const wrapped: Record<string, (...args: unknown[]) => Promise<unknown>> = {};
  for (const [name, activity] of Object.entries<AnyActivity>(activities)) {
    if (!Object.hasOwn(ACTIVITY_INPUT_SCHEMAS, name))
      throw new Error(`activity "${name}" has no input schema in activities/input-schemas.ts`);
    const schema: z.ZodType = ACTIVITY_INPUT_SCHEMAS[name as ActivityName];
    const run = activity as (input: unknown) => Promise<unknown>;
    // A named function keeps the activity's name in stack traces.
    wrapped[name] = {
      async [name](...args: unknown[]): Promise<unknown> {
        const input = args[0];
        const parsed = schema.safeParse(input);
        const issues = parsed.success ? [] : describeInputIssues(parsed.error, input);
        if (args.length > 1)
          issues.push({ path: 'arguments', value: String(args.length), problem: 'takes exactly one input' });
        if (issues.length > 0 || !parsed.success)
          throw toFailure(new InvalidActivityInputError(name, issues), nodeId, attemptOf(input));
        return run(parsed.data);
      },
    }[name]!;
  }
  return wrapped as unknown as A;
}
