/** Resource amounts, shared by the pipeline model (what a task asks for) and the scheduler (what nodes hold). */
import { EPSILON } from './epsilon.js';

/** Amounts by resource name: `cpu` (cores), `memoryMiB`, `gpu`, `diskMiB`, `networkMbps`, or any named scalar. */
export type ResourceVector = Readonly<Record<string, number>>;

/** A task's resource block, as the pipeline schema defines it. */
export interface ResourceRequest {
  readonly cpu: number;
  readonly memoryMiB: number;
  readonly gpu?: number | undefined;
  readonly diskMiB?: number | undefined;
  readonly networkMbps?: number | undefined;
  readonly scalars?: Readonly<Record<string, number>> | undefined;
}

/** Flattens a task's resource block into a vector; named scalars become top-level names. */
export function toResourceVector(resources: ResourceRequest): ResourceVector {
  const vector: Record<string, number> = { cpu: resources.cpu, memoryMiB: resources.memoryMiB };
  if (resources.gpu) vector['gpu'] = resources.gpu;
  if (resources.diskMiB !== undefined) vector['diskMiB'] = resources.diskMiB;
  if (resources.networkMbps !== undefined) vector['networkMbps'] = resources.networkMbps;
  for (const [name, amount] of Object.entries(resources.scalars ?? {})) vector[name] = amount;
  return vector;
}

/** Free amount per resource name on a node, given what is allocated on it. */
export function freeResources(
  capacity: ResourceVector,
  used: readonly ResourceVector[],
): Record<string, number> {
  const free: Record<string, number> = { ...capacity };
  for (const vector of used) {
    for (const [name, amount] of Object.entries(vector)) free[name] = (free[name] ?? 0) - amount;
  }
  return free;
}

// Tolerance for float drift: 0.1 + 0.2 cores must fit in 0.3 free cores.

export function fits(request: ResourceVector, free: Readonly<Record<string, number>>): boolean {
  return Object.entries(request).every(([name, amount]) => amount <= (free[name] ?? 0) + EPSILON);
}
