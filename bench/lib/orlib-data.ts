/** Reader for Falkenauer's bin-packing instances in OR-Library format (see ../shared/benchmarks/binpacking). */
import { readFileSync } from 'node:fs';

export interface OrlibInstance {
  readonly name: string;
  readonly capacity: number;
  readonly sizes: readonly number[];
  readonly optimum: number;
}

export function readOrlibFile(path: string): OrlibInstance[] {
  const tokens = readFileSync(path, 'utf8')
    .split(/\s+/)
    .filter((t) => t.length > 0);
  let at = 0;
  const next = (): string => {
    const token = tokens[at++];
    if (token === undefined) throw new Error(`${path}: unexpected end of file at token ${at}`);
    return token;
  };
  const count = Number(next());
  const instances: OrlibInstance[] = [];
  for (let p = 0; p < count; p++) {
    const name = next();
    const capacity = Number(next());
    const n = Number(next());
    const optimum = Number(next());
    const sizes = Array.from({ length: n }, () => Number(next()));
    instances.push({ name, capacity, sizes, optimum });
  }
  return instances;
}
