// The same diamond with the typed builder: `dependsOn` takes the handles of tasks defined above it.
import { definePipeline } from '../../pipeline/builder.js';

/** A task template: a shell script on busybox. */
const sh = (script: string) => ({
  image: 'gantry/busybox',
  command: ['sh', '-c', script],
  resources: { cpu: 0.25, memoryMiB: 32 },
});

const p = definePipeline('diamond-ts');
const a = p.task('a', sh("echo 'hello from a' > /workspace/a.txt"));
const b = p.task('b', { ...sh('tr a-z A-Z < /workspace/a.txt > /workspace/b.txt'), dependsOn: [a] });
const c = p.task('c', { ...sh('rev < /workspace/a.txt > /workspace/c.txt'), dependsOn: [a] });
p.task('d', { ...sh('cat /workspace/b.txt /workspace/c.txt'), dependsOn: [b, c] });

export default p;
