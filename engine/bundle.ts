/**
 * Builds the workflow bundle once per source version and caches it on disk: bundling takes seconds, and
 * every worker process (and every test file) can share the same file.
 */
import { bundleWorkflowCode } from '@temporalio/worker';
import { createHash } from 'node:crypto';
import { access, mkdir, readFile, readdir, rename, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
// Everything a workflow can import; a change in any of them must produce a new bundle.
const SOURCE_DIRS = ['workflows', 'scheduler', 'pipeline', 'common'];

async function sourceHash(): Promise<string> {
  const hash = createHash('sha256');
  for (const dir of SOURCE_DIRS) {
    const files = (await readdir(path.join(ROOT, dir), { recursive: true }))
      .filter((f) => f.endsWith('.ts'))
      .sort();
    for (const file of files) {
      hash.update(`${dir}/${file}\0`);
      hash.update(await readFile(path.join(ROOT, dir, file)));
    }
  }
  hash.update(await readFile(path.join(ROOT, 'package-lock.json')));
  hash.update(workflowPrelude());
  return hash.digest('hex').slice(0, 16);
}

/**
 * Code run in the workflow sandbox when the bundle loads, before the worker freezes its globals. It turns
 * off stack capture there: the worker's promise hook records a stack, mapped through the source map, for
 * every promise workflow code creates (for the `__stack_trace` query), and at scale that was about half
 * of the workflow thread's busy time (a 3,000-task fan-out: 14 s of 34 s in a V8 CPU profile taken with
 * `GANTRY_BENCH_CPU_PROF`). V8 reads the limit from the sandbox's own `Error`, so the worker's own code keeps
 * its traces. Lost: stacks on errors thrown by workflow code (Gantry's errors name their place in the
 * message) and the UI's stack-trace view. `GANTRY_WORKFLOW_STACK_TRACES=1` keeps them, for debugging.
 * Kept on one line, so the bundle's source map still holds for every other line.
 */
export function workflowPrelude(): string {
  return process.env['GANTRY_WORKFLOW_STACK_TRACES'] === '1' ? '' : 'Error.stackTraceLimit = 0;';
}

/** Returns the path of a bundle matching the current sources, building it if needed. */
export async function ensureWorkflowBundle(cacheDir: string): Promise<string> {
  const file = path.join(cacheDir, `workflows-${await sourceHash()}.js`);
  if (await exists(file)) return file;
  const { code } = await bundleWorkflowCode({
    workflowsPath: path.join(ROOT, 'workflows', 'index.ts'),
    // graphology imports Node's `events`; the sandbox has no built-ins, so map it to the npm package.
    ignoreModules: ['events'],
    webpackConfigHook: (config) => ({
      ...config,
      resolve: {
        ...config.resolve,
        alias: {
          ...(config.resolve?.alias as object),
          events: createRequire(import.meta.url).resolve('events/'),
        },
      },
    }),
    logger: { info() {}, warn() {}, error: console.error, debug() {}, trace() {}, log() {} },
  });
  await mkdir(cacheDir, { recursive: true });
  // Written under a temporary name first so a concurrent reader never sees half a bundle.
  const tmp = `${file}.${process.pid}.tmp`;
  await writeFile(tmp, workflowPrelude() + code);
  await rename(tmp, file);
  return file;
}

async function exists(file: string): Promise<boolean> {
  try {
    await access(file);
    return true;
  } catch {
    return false;
  }
}
