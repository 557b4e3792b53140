/**
 * Peak memory of a child process and its descendants, from /proc (Linux): every `intervalMs` the tree's
 * summed VmRSS, and the root's VmHWM (the kernel's own peak for it, which catches spikes between samples).
 * The peak is the larger of the two. Elsewhere than Linux it reports 0.
 */
import { readFile, readdir } from 'node:fs/promises';

export interface RssSampler {
  /** Stops sampling; the peak in bytes (0 if nothing could be read). */
  stop(): Promise<number>;
}

async function statusField(pid: number, field: 'VmRSS' | 'VmHWM'): Promise<number> {
  try {
    const status = await readFile(`/proc/${pid}/status`, 'utf8');
    const match = new RegExp(`^${field}:\\s+(\\d+) kB`, 'm').exec(status);
    return match ? Number(match[1]) * 1024 : 0;
  } catch {
    return 0;
  }
}

async function childrenOf(pid: number): Promise<number[]> {
  try {
    const tasks = await readdir(`/proc/${pid}/task`);
    const lists = await Promise.all(
      tasks.map((t) => readFile(`/proc/${pid}/task/${t}/children`, 'utf8').catch(() => '')),
    );
    return lists.flatMap((l) => l.split(/\s+/).filter(Boolean).map(Number));
  } catch {
    return [];
  }
}

async function treeRss(pid: number): Promise<number> {
  const children = await childrenOf(pid);
  const rest = await Promise.all(children.map(treeRss));
  return (await statusField(pid, 'VmRSS')) + rest.reduce((a, b) => a + b, 0);
}

export function sampleRss(pid: number, intervalMs = 200): RssSampler {
  let peak = 0;
  let isStopped = false;
  const loop = (async () => {
    while (!isStopped) {
      const [tree, hwm] = await Promise.all([treeRss(pid), statusField(pid, 'VmHWM')]);
      peak = Math.max(peak, tree, hwm);
      await new Promise((resolve) => setTimeout(resolve, intervalMs));
    }
  })();
  return {
    async stop() {
      isStopped = true;
      await loop;
      return peak;
    },
  };
}
