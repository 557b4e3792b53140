import { describe, expect, it } from 'vitest';
import { PipelineValidationError } from '../../pipeline/errors.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { makePipeline, makeTask } from './make-pipeline.js';

function issuesOf(input: unknown, options: Parameters<typeof parsePipeline>[1]): string[] {
  try {
    parsePipeline(input, options);
  } catch (err) {
    expect(err).toBeInstanceOf(PipelineValidationError);
    return (err as PipelineValidationError).issues.map((i) => `${i.path}: ${i.message}`);
  }
  return [];
}

describe('container policy checks against the cluster', () => {
  it('names the task and image that are outside the allowed images', () => {
    const input = makePipeline([
      makeTask('ok', { image: 'registry.example.com/team/app:1' }),
      makeTask('evil', { image: 'registry.example.com/team-evil/app:1' }),
    ]);
    expect(issuesOf(input, { policy: { images: { allow: ['registry.example.com/team/'] } } })).toEqual([
      'tasks[1].image: "registry.example.com/team-evil/app:1" is outside the cluster\'s allowed images (images.allow: "registry.example.com/team/") (task "evil")',
    ]);
  });

  it('checks the images of inline sub-pipelines too', () => {
    const child = makePipeline([makeTask('inner', { image: 'evil/app' })], { name: 'child' });
    const input = makePipeline([{ id: 'sub', pipelineSpec: child }]);
    expect(issuesOf(input, { policy: { images: { allow: ['gantry/'] } } })).toEqual([
      'tasks[0].pipelineSpec.tasks[0].image: "evil/app" is outside the cluster\'s allowed images (images.allow: "gantry/") (task "inner")',
    ]);
  });

  it('refuses a runtime class the cluster does not offer, and root under runAsNonRoot from defaults', () => {
    const input = makePipeline([makeTask('a', { runtimeClass: 'runsc', user: '0' })], {
      defaults: { runAsNonRoot: true },
    });
    expect(issuesOf(input, { policy: {} })).toEqual([
      'tasks[0].user: user "0" is root (uid 0), refused under runAsNonRoot (task "a")',
      'tasks[0].runtimeClass: runtime class "runsc" is not allowed by the cluster (runtimeClasses: "runc") (task "a")',
    ]);
  });

  it("applies the cluster's runAsNonRoot default to a task that does not set its own", () => {
    const input = makePipeline([
      makeTask('a', { user: 'root' }),
      makeTask('b', { user: '0', runAsNonRoot: false }),
    ]);
    expect(issuesOf(input, { policy: { security: { runAsNonRoot: true } } })).toEqual([
      'tasks[0].user: user "root" is not a numeric uid[:gid]: under runAsNonRoot only a numeric non-zero uid can be verified (task "a")',
    ]);
  });

  it('allows everything when no cluster is given, as before', () => {
    const input = makePipeline([
      makeTask('a', { image: 'anything/at:all', runtimeClass: 'runsc', user: '0' }),
    ]);
    expect(issuesOf(input, {})).toEqual([]);
  });
});
