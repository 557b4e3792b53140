// The example ML pipeline with the typed builder (pipeline.yaml is its YAML twin; keep the two in step):
//
//   prepare -> train[0..n) (foreach model config, 2 at a time) -> evaluate -> report (when good enough)
//
// Handles carry the data: `prepare.outputs.configs` exists only because prepare declares it, and a task may
// use an output only of a task upstream of it. See pipeline.yaml for what each step reads and writes.
//
//   npm run --silent gantry -- run examples/ml-pipeline/pipeline.ts --param models=ridge,mlp
import { definePipeline } from '../../pipeline/builder.js';

const p = definePipeline('ml-pipeline', {
  description:
    'Synthetic classification data, numpy models trained two at a time, the best picked on validation.',
  params: {
    // Comma-separated, among logreg, ridge, knn, mlp; ties in validation accuracy go to the earlier.
    models: 'logreg,ridge,knn,mlp',
    // report runs only when the best validation accuracy reaches it.
    threshold: '0.9',
    seed: '7',
    samples: '2000',
  },
  defaults: {
    image: 'gantry/ml-example:latest',
    pullPolicy: 'Never',
    network: 'none',
    resources: { cpu: 0.5, memoryMiB: 256 },
    // Exit code 2 is a missing or malformed input: retrying cannot help.
    retry: { maxAttempts: 2, nonRetryableExitCodes: [2] },
    timeoutSeconds: 180,
  },
});

const prepare = p.task('prepare', {
  command: ['python3', '/app/prepare.py'],
  env: {
    SEED: p.params.seed,
    N_SAMPLES: p.params.samples,
    N_FEATURES: '10',
    MODELS: p.params.models,
  },
  outputs: {
    parameters: ['configs'],
    artifacts: [{ name: 'dataset', path: '/data/dataset' }],
  },
  cache: { version: '1' },
});

const train = p.task('train', {
  dependsOn: [prepare],
  foreach: prepare.outputs.configs,
  maxParallel: 2,
  command: ['python3', '/app/train.py'],
  env: { MODEL: p.itemKey('model'), SEED: p.params.seed },
  inputs: { artifacts: [{ from: prepare.outputs.artifacts.dataset, path: '/data/in' }] },
  outputs: {
    parameters: ['val_accuracy', 'metrics'],
    artifacts: [{ name: 'model', path: '/data/model' }],
  },
  resources: { cpu: 1, memoryMiB: 512 },
});

const evaluate = p.task('evaluate', {
  dependsOn: [train],
  command: ['python3', '/app/evaluate.py'],
  // A JSON array of the train items' metrics, in item order.
  env: { METRICS: train.outputs.metrics },
  outputs: { parameters: ['best_model', 'best_accuracy'] },
});

p.task('report', {
  dependsOn: [evaluate],
  when: 'double(tasks.evaluate.outputs.best_accuracy) >= double(params.threshold)',
  command: ['python3', '/app/report.py'],
  env: {
    BEST_MODEL: evaluate.outputs.best_model,
    BEST_ACCURACY: evaluate.outputs.best_accuracy,
    THRESHOLD: p.params.threshold,
    METRICS: train.outputs.metrics,
    RUN_ID: p.runId,
  },
});

export default p;
