/** The workflow bundle's entry: every workflow type Gantry registers. */
export { clusterService } from './cluster-service.js';
export { runPipeline } from './run-pipeline.js';
