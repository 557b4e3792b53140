/** Cross-field rules on retry policies. */
import { RetrySchema } from './schema.js';
import type { RuleIssue, TaskView } from './view-tasks.js';

export function checkRetry(tasks: readonly TaskView[]): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const task of tasks) {
    const parsed = RetrySchema.safeParse(task.retry ?? {});
    if (!parsed.success) continue;
    const { initialIntervalSeconds, maximumIntervalSeconds } = parsed.data;
    if (maximumIntervalSeconds < initialIntervalSeconds) {
      issues.push({
        path: ['tasks', task.index, 'retry', 'maximumIntervalSeconds'],
        message: `${maximumIntervalSeconds} is less than initialIntervalSeconds (${initialIntervalSeconds})`,
      });
    }
  }
  return issues;
}
