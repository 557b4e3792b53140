// The same diamond with the typed builder: `dependsOn` only accepts ids defined above it.
import { definePipeline } from '../../pipeline/builder.js';

const task = (script: string) => ({
  image: 'gantry/busybox',
  command: ['sh', '-c', script],
  resources: { cpu: 0.25, memoryMiB: 32 },
});

export default definePipeline('diamond-ts')
  .task('a', task("echo 'hello from a' > /workspace/a.txt"))
  .task('b', { ...task('tr a-z A-Z < /workspace/a.txt > /workspace/b.txt'), dependsOn: ['a'] })
  .task('c', { ...task('rev < /workspace/a.txt > /workspace/c.txt'), dependsOn: ['a'] })
  .task('d', { ...task('cat /workspace/b.txt /workspace/c.txt'), dependsOn: ['b', 'c'] });
