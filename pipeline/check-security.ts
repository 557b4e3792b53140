/**
 * Security settings that can be judged before a run starts: a `runtimeClass` the cluster does not offer, and
 * a `user` that is root (or not a numeric uid) where the task runs as non-root, by its own `runAsNonRoot`
 * or by the cluster's default. The image's own user is known only on the node: the worker judges that.
 */
import {
  type ContainerPolicy,
  effectiveSecurity,
  rootUserRefusal,
  runtimeClassRefusal,
} from '../common/container-policy.js';
import type { RuleIssue, TaskView } from './view-tasks.js';

export function checkSecurity(tasks: readonly TaskView[], policy: ContainerPolicy | undefined): RuleIssue[] {
  const issues: RuleIssue[] = [];
  for (const task of tasks) {
    const { user, runAsNonRoot, readOnlyRootFilesystem, runtimeClass } = task.fields;
    const own = {
      ...(typeof runAsNonRoot === 'boolean' ? { runAsNonRoot } : {}),
      ...(typeof readOnlyRootFilesystem === 'boolean' ? { readOnlyRootFilesystem } : {}),
    };
    if (typeof user === 'string' && effectiveSecurity(own, policy?.security).runAsNonRoot) {
      const refusal = rootUserRefusal(user);
      if (refusal !== undefined) issues.push({ path: ['tasks', task.index, 'user'], message: refusal });
    }
    // Without the cluster the runtimes it offers are unknown: `gantry validate` alone says nothing here.
    if (policy !== undefined && typeof runtimeClass === 'string') {
      const refusal = runtimeClassRefusal(runtimeClass, policy.runtimeClasses);
      if (refusal !== undefined)
        issues.push({ path: ['tasks', task.index, 'runtimeClass'], message: refusal });
    }
  }
  return issues;
}
