/** applyParamOverrides: a run's `--param NAME=VALUE` values laid over the params a pipeline declares. */
import { UnknownParamError } from './errors.js';
import type { PipelineSpec } from './schema.js';

/** A new spec whose params take the overrides; throws UnknownParamError for a param the pipeline lacks. */
export function applyParamOverrides(
  spec: PipelineSpec,
  overrides: Readonly<Record<string, string>>,
): PipelineSpec {
  const declared = Object.keys(spec.params);
  for (const name of Object.keys(overrides)) {
    if (!Object.prototype.hasOwnProperty.call(spec.params, name)) {
      throw new UnknownParamError(name, spec.name, declared);
    }
  }
  // Spreading over the declared params keeps their declaration order: overrides add no new keys.
  return { ...spec, params: { ...spec.params, ...overrides } };
}
