/**
 * A typed builder for pipelines written as TypeScript modules. `dependsOn` only accepts ids of tasks
 * defined earlier, and an id cannot be defined twice; `build()` goes through parsePipeline, so a built
 * pipeline meets exactly the rules a YAML one does. Builders are immutable: each call returns a new one.
 *
 *   export default definePipeline('diamond')
 *     .task('a', { image: 'gantry/busybox', command: ['sh', '-c', 'echo a'] })
 *     .task('b', { image: 'gantry/busybox', dependsOn: ['a'] });
 */
import { parsePipeline, type ParseOptions } from './parse.js';
import type { PipelineInput, PipelineSpec, TaskInput } from './schema.js';

/** A task as the builder takes it: everything but the id, with dependencies limited to known ids. */
export type BuilderTask<Known extends string> = Omit<TaskInput, 'id' | 'dependsOn'> & {
  readonly dependsOn?: readonly Known[];
};

export interface PipelineBuilder<Ids extends string = never> {
  readonly name: string;
  /** Adds a task; `Id` must be new and `dependsOn` may only name tasks added before. */
  task<const Id extends string>(id: Id & NewId<Id, Ids>, task: BuilderTask<Ids>): PipelineBuilder<Ids | Id>;
  describe(description: string): PipelineBuilder<Ids>;
  /** The validated pipeline; throws PipelineValidationError like any other source. */
  build(options?: ParseOptions): PipelineSpec;
}

/** Resolves to `never` (a type error at the call site) when the id is already defined. */
type NewId<Id extends string, Ids extends string> = [Id] extends [Ids] ? never : Id;

export function definePipeline(name: string): PipelineBuilder {
  return makeBuilder(name, undefined, []);
}

function makeBuilder<Ids extends string>(
  name: string,
  description: string | undefined,
  tasks: readonly TaskInput[],
): PipelineBuilder<Ids> {
  return {
    name,
    task<const Id extends string>(
      id: Id & NewId<Id, Ids>,
      task: BuilderTask<Ids>,
    ): PipelineBuilder<Ids | Id> {
      const { dependsOn, ...rest } = task;
      const next: TaskInput = {
        id,
        ...rest,
        ...(dependsOn === undefined ? {} : { dependsOn: [...dependsOn] }),
      };
      return makeBuilder<Ids | Id>(name, description, [...tasks, next]);
    },
    describe(text: string): PipelineBuilder<Ids> {
      return makeBuilder<Ids>(name, text, tasks);
    },
    build(options?: ParseOptions): PipelineSpec {
      const input: PipelineInput = {
        name,
        tasks: [...tasks],
        ...(description === undefined ? {} : { description }),
      };
      return parsePipeline(input, options);
    },
  };
}

/** True for anything shaped like a PipelineBuilder (a module's default export, say). */
export function isPipelineBuilder(value: unknown): value is PipelineBuilder<string> {
  return (
    typeof value === 'object' && value !== null && typeof (value as { build?: unknown }).build === 'function'
  );
}
