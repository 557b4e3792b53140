import type { Resources } from '../../pipeline/schema.js';
import type { ResourceVector } from './types.js';
import { EPSILON } from './epsilon.js';

/** Flattens a task's resource block into a vector; named scalars become top-level names. */
export function toResourceVector(resources: Resources): ResourceVector {
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
