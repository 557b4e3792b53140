/**
 * The cluster's container policy, checked before a run starts: every container task's image must be one the
 * cluster allows (common/container-policy.ts says how an allow entry matches). The node worker applies the
 * same rule again, for runs started by a client that did not validate.
 */
import { type ImagePolicy, imageRefusal } from '../common/container-policy.js';
import type { RuleIssue, TaskView } from './view-tasks.js';

export function checkImages(tasks: readonly TaskView[], policy: ImagePolicy | undefined): RuleIssue[] {
  if (policy === undefined) return [];
  return tasks.flatMap((task) => {
    const image = task.fields['image'];
    if (typeof image !== 'string') return [];
    const refusal = imageRefusal(image, policy);
    return refusal === undefined ? [] : [{ path: ['tasks', task.index, 'image'], message: refusal }];
  });
}
