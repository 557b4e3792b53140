/**
 * Runs once per `vitest run`: checks that the stack scripts/test.sh brought up answers, and builds the
 * workflow bundle every test file then shares.
 */
import type { TestProject } from 'vitest/node';
import path from 'node:path';
import { ensureWorkflowBundle } from '../../engine/bundle.js';
import { loadConfig } from '../../engine/config.js';
import { connectClient, ensureSearchAttributes } from '../../engine/connection.js';
import { createDockerRuntime } from '../../activities/docker-runtime.js';
import { localDockerEndpoint } from '../../engine/default-cluster.js';

declare module 'vitest' {
  export interface ProvidedContext {
    bundlePath: string;
  }
}

export default async function setup(project: TestProject): Promise<void> {
  const config = loadConfig();
  const client = await connectClient(config).catch((err: Error) => {
    throw new Error(
      `integration tests need a Temporal server at ${config.temporalAddress}: run them with \`npm test\` (scripts/test.sh starts one). ${err.message}`,
    );
  });
  await ensureSearchAttributes(client, config.namespace);
  await client.connection.close();
  const runtime = createDockerRuntime(localDockerEndpoint());
  await runtime.info().catch((err: Error) => {
    throw new Error(`integration tests need a Docker engine: run them with \`npm test\`. ${err.message}`);
  });
  for (const image of ['gantry/busybox:latest']) {
    if (!(await runtime.hasImage(image)))
      throw new Error(`integration tests need the image ${image}: run them with \`npm test\` (it builds it)`);
  }
  project.provide('bundlePath', await ensureWorkflowBundle(path.join(config.home, 'bundles')));
}
