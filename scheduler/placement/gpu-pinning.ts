/**
 * GPU device pinning: a task that asks for `gpu: n` gets n device ids of its node, the lowest ones no
 * other allocation on the node holds. Ids are the device indexes "0".."N-1" of the node's `gpu` capacity,
 * which is what Docker's DeviceRequests (and nvidia-container-toolkit) take. O(N + held) per task.
 */

/** Device ids for `count` GPUs on a node of `capacity`, or undefined when fewer are free than asked. */
export function assignGpus(
  capacity: number,
  held: Iterable<readonly string[] | undefined>,
  count: number,
): string[] | undefined {
  if (count <= 0) return [];
  const taken = new Set<string>();
  for (const ids of held) for (const id of ids ?? []) taken.add(id);
  const free: string[] = [];
  for (let index = 0; index < capacity && free.length < count; index += 1) {
    const id = String(index);
    if (!taken.has(id)) free.push(id);
  }
  return free.length === count ? free : undefined;
}
