// A hyper-parameter sweep with the typed builder: prepare writes three configs and a dataset, train runs
// once per config (at most 4 at once), pick keeps the best accuracy (cached), and notify reports it when
// the sweep went well. Outputs are referenced through task handles, so a typo or a reference to a task
// that is not upstream does not compile.
import { definePipeline } from '../../pipeline/builder.js';

/** A task template: a Python script run with `python3 -c` on the shared image. */
const python = (...lines: string[]) => ({
  image: 'gantry/python',
  command: ['python3', '-c', lines.join('\n')],
});

const p = definePipeline('sweep', {
  description: 'prepare → train per config → pick the best → notify',
  params: { lr: '0.01' },
  defaults: { resources: { cpu: 0.5, memoryMiB: 256 }, retry: { maxAttempts: 2 } },
});

const prepare = p.task('prepare', {
  ...python(
    'import json, os',
    'configs = [{"lr": 0.1, "depth": 2}, {"lr": 0.01, "depth": 4}, {"lr": 0.001, "depth": 8}]',
    'os.makedirs("/gantry/outputs", exist_ok=True)',
    'with open("/gantry/outputs/configs", "w") as f:',
    '    json.dump(configs, f)',
    'os.makedirs("/data/out", exist_ok=True)',
    'with open("/data/out/train.csv", "w") as f:',
    '    f.writelines(f"{i},{(i * 7) % 10}\\n" for i in range(100))',
  ),
  outputs: { parameters: ['configs'], artifacts: [{ name: 'dataset', path: '/data/out' }] },
});

const train = p.task('train', {
  ...python(
    'import json, os',
    'config = json.loads(os.environ["CONFIG"])',
    'with open("/data/in/train.csv") as f:',
    '    rows = [line.split(",") for line in f if line.strip()]',
    'lr = float(config.get("lr", os.environ["LR"]))',
    // A stand-in for training: deterministic, and better for deeper models with a moderate rate.
    'accuracy = 0.75 + 0.025 * config["depth"] - abs(lr - 0.01) + len(rows) * 1e-5',
    'os.makedirs("/gantry/outputs", exist_ok=True)',
    'with open("/gantry/outputs/accuracy", "w") as f:',
    '    f.write(f"{accuracy:.4f}")',
    'print(f"config {os.environ[\'INDEX\']}: {config} -> {accuracy:.4f}")',
  ),
  dependsOn: [prepare],
  foreach: prepare.outputs.configs,
  maxParallel: 4,
  env: { CONFIG: p.item, INDEX: p.index, LR: p.params.lr },
  inputs: { artifacts: [{ from: prepare.outputs.artifacts.dataset, path: '/data/in' }] },
  outputs: { parameters: ['accuracy'] },
});

const pick = p.task('pick', {
  ...python(
    'import json, os',
    'accuracies = [float(a) for a in json.loads(os.environ["ACCS"])]',
    'os.makedirs("/gantry/outputs", exist_ok=True)',
    'with open("/gantry/outputs/best", "w") as f:',
    '    f.write(str(max(accuracies)))',
  ),
  dependsOn: [train],
  env: { ACCS: train.outputs.accuracy },
  outputs: { parameters: ['best'] },
  cache: { version: '1' },
});

p.task('notify', {
  ...python('import os', "print(f\"sweep {os.environ['RUN']}: best accuracy {os.environ['BEST']}\")"),
  dependsOn: [pick],
  trigger: 'allDone',
  when: "tasks.pick.status == 'succeeded' && double(tasks.pick.outputs.best) > 0.9",
  env: { RUN: p.runId, BEST: pick.outputs.best },
});

export default p;
