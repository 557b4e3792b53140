/** The workflow bundle's entry: every workflow type Gantry registers. */
export { clusterService } from './cluster-service.js';
export { runForeachSlice } from './foreach-slice.js';
export { runPipeline } from './run-pipeline.js';
export { triggerRegistry } from './trigger-registry.js';
