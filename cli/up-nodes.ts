/**
 * `gantry up --nodes N`: after scripts/up.sh started N node engines (scripts/ensure-nodes.sh), writes the
 * cluster file of those nodes and, with `--worker`, serves it: a control worker that applies the file, then
 * one background worker per node, so that one node's worker can be lost (or killed) alone.
 */
import { withLocalAdmin } from '../engine/admin-key.js';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import type { GantryConfig } from '../engine/config.js';
import { localNodesClusterSpec } from '../engine/default-cluster.js';
import { GantryCliError } from './errors.js';
import { ExitCode } from './exit-codes.js';

/** The node engines' sockets from up.sh's `GANTRY_NODE_<i>=unix://…` lines, in node order. */
export function nodeSockets(env: Readonly<Record<string, string>>, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const value = env[`GANTRY_NODE_${i + 1}`];
    if (!value?.startsWith('unix://'))
      throw new GantryCliError(`scripts/up.sh did not report node engine ${i + 1} (GANTRY_NODE_${i + 1})`);
    return value.slice('unix://'.length);
  });
}

export async function upNodes(
  config: GantryConfig,
  env: Readonly<Record<string, string>>,
  count: number,
  isServing: boolean,
  detach: (args: readonly string[]) => Promise<number>,
): Promise<number> {
  const spec = await withLocalAdmin(
    await localNodesClusterSpec(config.clusterName, nodeSockets(env, count)),
    config,
  );
  const file = path.join(config.home, 'nodes', `${spec.name}.yaml`);
  await mkdir(path.dirname(file), { recursive: true });
  await writeFile(file, stringify(spec));
  process.stdout.write(`GANTRY_CLUSTER_FILE=${file}\n`);
  if (!isServing) {
    process.stderr.write(
      `gantry: cluster "${spec.name}" of ${count} node engine(s) written to ${file}; serve it with \`gantry worker --cluster-file ${file}\`, or \`gantry up --nodes ${count} --worker\`\n`,
    );
    return ExitCode.Ok;
  }
  const control = await detach(['--control', '--cluster-file', file]);
  if (control !== ExitCode.Ok) return control;
  for (const node of spec.nodes) {
    const code = await detach(['--node', node.id]);
    if (code !== ExitCode.Ok) return code;
  }
  return ExitCode.Ok;
}
