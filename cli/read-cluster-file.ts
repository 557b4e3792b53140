/** Reads a cluster file (YAML or JSON) into a validated ClusterSpec, with errors naming path and value. */
import { readFile } from 'node:fs/promises';
import { parse as parseYaml } from 'yaml';
import { ClusterSpecSchema, type ClusterSpec } from '../common/cluster-spec.js';
import { GantryCliError } from './errors.js';

export async function readClusterFile(file: string): Promise<ClusterSpec> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (err) {
    throw new GantryCliError(`${file}: cluster file not found`, { cause: err });
  }
  let raw: unknown;
  try {
    raw = parseYaml(text);
  } catch (err) {
    throw new GantryCliError(`${file}: not valid YAML/JSON: ${(err as Error).message}`, { cause: err });
  }
  const result = ClusterSpecSchema.safeParse(raw);
  if (result.success) return result.data;
  const lines = result.error.issues.map((issue) => {
    const where = issue.path
      .map((p) => (typeof p === 'number' ? `[${p}]` : `.${String(p)}`))
      .join('')
      .replace(/^\./, '');
    return `  ${where || '(root)'}: ${issue.message}`;
  });
  throw new GantryCliError(
    `${file}: ${lines.length} problem${lines.length === 1 ? '' : 's'}\n${lines.join('\n')}`,
  );
}
