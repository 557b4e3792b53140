/**
 * Docker's events of task containers, collected live for the length of a chaos case. Docker keeps only a
 * short ring of past events per engine (a case's 60 tasks overflowed it: a query afterwards missed a third
 * of the starts), and an engine that restarts forgets them all; so each engine is followed while the case
 * runs, and followed again after it comes back.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { type ContainerEvent, parseEvents } from './chaos-invariants.js';

export interface EventStream {
  /** Stops following; the events seen, from every engine. */
  stop(): ContainerEvent[];
}

export function followEvents(hosts: readonly string[]): EventStream {
  let isStopped = false;
  const lines = new Map<string, string[]>(hosts.map((h) => [h, []]));
  const children = new Set<ChildProcess>();
  const follow = (host: string) => {
    if (isStopped) return;
    const child = spawn(
      'docker',
      ['-H', host, 'events', '--filter', 'label=gantry.task', '--format', '{{json .}}'],
      {
        stdio: ['ignore', 'pipe', 'ignore'],
      },
    );
    children.add(child);
    let partial = '';
    child.stdout.on('data', (chunk: Buffer) => {
      const text = partial + chunk.toString();
      const parts = text.split('\n');
      partial = parts.pop() ?? '';
      lines.get(host)!.push(...parts.filter(Boolean));
    });
    child.once('exit', () => {
      children.delete(child);
      // The engine went away (a restart case): follow it again once it answers.
      if (!isStopped) setTimeout(() => follow(host), 500);
    });
  };
  hosts.forEach(follow);
  return {
    stop() {
      isStopped = true;
      for (const child of children) child.kill('SIGTERM');
      return [...lines].flatMap(([host, all]) => parseEvents(host, all.join('\n')));
    },
  };
}
