/**
 * findTooDeep: the first place where a definition nests deeper than MAX_NESTING_DEPTH or contains itself
 * (a YAML alias inside its own anchor, a cyclic module export). Runs before anything recursive sees the data,
 * iteratively, so it cannot overflow the stack itself. O(nodes): an object shared by several parents (YAML
 * aliases) is walked again only when it is met deeper than before.
 */
import { MAX_NESTING_DEPTH } from './limits.js';

export interface TooDeep {
  readonly kind: 'deep' | 'cycle';
  readonly path: readonly PropertyKey[];
}

interface Frame {
  readonly value: object;
  readonly depth: number;
  readonly parent: Frame | undefined;
  readonly key: PropertyKey;
  /** Object keys, or undefined for an array (walked by index). */
  readonly keys: readonly string[] | undefined;
  next: number;
}

export function findTooDeep(data: unknown): TooDeep | undefined {
  if (typeof data !== 'object' || data === null) return undefined;
  const deepestSeen = new Map<object, number>();
  const onPath = new Set<object>();
  const stack: Frame[] = [];
  // The path is built only for the answer: copying it per node made this a tenth of validation's time.
  const pathOf = (parent: Frame | undefined, key: PropertyKey): PropertyKey[] => {
    const path = [key];
    for (let frame = parent; frame?.parent !== undefined; frame = frame.parent) path.unshift(frame.key);
    return path;
  };
  const enter = (value: object, parent: Frame | undefined, key: PropertyKey): TooDeep | undefined => {
    const depth = parent === undefined ? 0 : parent.depth + 1;
    if (onPath.has(value)) return { kind: 'cycle', path: pathOf(parent, key) };
    if (depth > MAX_NESTING_DEPTH) return { kind: 'deep', path: pathOf(parent, key) };
    if ((deepestSeen.get(value) ?? -1) >= depth) return undefined;
    deepestSeen.set(value, depth);
    onPath.add(value);
    const keys = Array.isArray(value) ? undefined : Object.keys(value);
    stack.push({ value, depth, parent, key, keys, next: 0 });
    return undefined;
  };
  enter(data, undefined, '');
  for (let frame = stack.at(-1); frame !== undefined; frame = stack.at(-1)) {
    const { value, keys } = frame;
    const length = keys === undefined ? (value as unknown[]).length : keys.length;
    if (frame.next >= length) {
      onPath.delete(value);
      stack.pop();
      continue;
    }
    const key = keys === undefined ? frame.next : (keys[frame.next] as string);
    frame.next++;
    const child = (value as Record<PropertyKey, unknown>)[key];
    if (typeof child !== 'object' || child === null) continue;
    const problem = enter(child, frame, key);
    if (problem !== undefined) return problem;
  }
  return undefined;
}
