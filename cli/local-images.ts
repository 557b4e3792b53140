/** Which of the project's own images (built locally by `gantry up`) a pipeline uses. */
import type { TaskSpec } from '../pipeline/schema.js';

/** The part of a pipeline that names images: tasks, and the tasks of their sub-pipelines. */
export interface ImageTree {
  readonly tasks: readonly (Pick<TaskSpec, 'image'> & { readonly pipelineSpec?: ImageTree | undefined })[];
}

/** The images `scripts/up.sh --images` can build, as `gantry/NAME`. */
export const LOCAL_IMAGES = ['busybox', 'python', 'ml-example'] as const;

/** Every task's image, sub-pipelines' tasks included (a sub-pipeline task has no image of its own). */
export function taskImages(spec: ImageTree): string[] {
  return spec.tasks.flatMap((t) => [
    ...(t.image === undefined ? [] : [t.image]),
    ...(t.pipelineSpec ? taskImages(t.pipelineSpec) : []),
  ]);
}

/** The local images `spec` needs, in LOCAL_IMAGES order: `gantry/NAME` or `gantry/NAME:TAG`. */
export function localImagesOf(spec: ImageTree): string[] {
  const images = taskImages(spec);
  return LOCAL_IMAGES.filter((name) =>
    images.some((image) => image === `gantry/${name}` || image.startsWith(`gantry/${name}:`)),
  );
}
