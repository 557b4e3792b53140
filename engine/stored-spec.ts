/**
 * The client's side of keeping pipeline specs out of workflow inputs: a run is started with the digest of
 * its spec in the artifact store (activities/run-plan.ts opens it on the control worker), and whoever reads
 * a run's input later (rerun, schedule views) reads the spec back from the same store.
 */
import type { ArtifactStore } from '../activities/artifact-store.js';
import { createFsArtifactStore } from '../activities/fs-artifact-store.js';
import { storeRunSpec } from '../activities/run-plan.js';
import type { ArtifactRef } from '../common/data-refs.js';
import type { PipelineSpec } from '../pipeline/schema.js';
import type { GantryConfig } from './config.js';
import { GantryEngineError } from './errors.js';

export function configStore(config: Pick<GantryConfig, 'artifactDir'>): ArtifactStore {
  return createFsArtifactStore(config.artifactDir);
}

export async function storeSpec(
  config: Pick<GantryConfig, 'artifactDir'>,
  spec: PipelineSpec,
): Promise<ArtifactRef> {
  return storeRunSpec(configStore(config), spec);
}

export async function storeJsonDocument(
  config: Pick<GantryConfig, 'artifactDir'>,
  value: unknown,
): Promise<ArtifactRef> {
  return configStore(config).putBlob(Buffer.from(JSON.stringify(value), 'utf8'));
}

export async function readStoredSpec(store: ArtifactStore, ref: ArtifactRef): Promise<PipelineSpec> {
  try {
    return JSON.parse((await store.readBlob(ref.digest)).toString('utf8')) as PipelineSpec;
  } catch (err) {
    throw new GantryEngineError(`the run's pipeline ${ref.digest} cannot be read from the artifact store`, {
      cause: err,
    });
  }
}
