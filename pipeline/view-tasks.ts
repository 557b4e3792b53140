/**
 * A tolerant view of the tasks of a (possibly invalid) pipeline, so the cross-field rules can run beside
 * the schema's own issues and every problem is reported at once.
 */

/** An issue found by a cross-field rule, with a zod-style path. */
export interface RuleIssue {
  readonly path: readonly PropertyKey[];
  readonly message: string;
}

export interface TaskView {
  readonly index: number;
  /** The id when it is a string at all; format problems are the schema's business. */
  readonly id: string | undefined;
  readonly dependsOn: readonly unknown[];
  readonly resources: unknown;
  readonly retry: unknown;
  /** Every field as given, for rules that need more than the above; values are unchecked. */
  readonly fields: Readonly<Record<string, unknown>>;
}

export function viewTasks(pipeline: unknown): TaskView[] {
  const tasks = isRecord(pipeline) ? pipeline['tasks'] : undefined;
  if (!Array.isArray(tasks)) return [];
  return tasks.map((task: unknown, index) => {
    const fields = isRecord(task) ? task : {};
    const { id, dependsOn } = fields;
    return {
      index,
      id: typeof id === 'string' ? id : undefined,
      dependsOn: Array.isArray(dependsOn) ? (dependsOn as unknown[]) : [],
      resources: fields['resources'],
      retry: fields['retry'],
      fields,
    };
  });
}

export function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}
