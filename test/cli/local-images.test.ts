import { describe, expect, it } from 'vitest';
import { localImagesOf } from '../../cli/local-images.js';

describe('localImagesOf', () => {
  it('finds the local images of tasks, tagged or not, and ignores others', () => {
    const spec = {
      tasks: [{ image: 'gantry/python:3.12' }, { image: 'alpine:3' }, { image: 'gantry/busybox' }],
    };
    expect(localImagesOf(spec)).toEqual(['busybox', 'python']);
  });

  it('walks sub-pipelines, whose tasks have an image where the including task has none', () => {
    const spec = {
      tasks: [
        { image: 'alpine:3' },
        { pipelineSpec: { tasks: [{ pipelineSpec: { tasks: [{ image: 'gantry/ml-example:dev' }] } }] } },
      ],
    };
    expect(localImagesOf(spec)).toEqual(['ml-example']);
  });

  it('does not take an image that only starts with a local name', () => {
    expect(localImagesOf({ tasks: [{ image: 'gantry/pythonista' }] })).toEqual([]);
  });
});
