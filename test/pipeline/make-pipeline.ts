import type { TaskInput } from '../../pipeline/schema.js';

/** A minimal valid task; tests override only the fields they are about. */
export function makeTask(id: string, overrides: Record<string, unknown> = {}): TaskInput {
  return { id, image: 'gantry/busybox', ...overrides };
}

/** A pipeline input that may be invalid on purpose. */
export function makePipeline(tasks: readonly unknown[], overrides: Record<string, unknown> = {}): unknown {
  return { name: 'test', tasks, ...overrides };
}
