import { execFile } from 'node:child_process';
import { mkdtemp, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { beforeAll, describe, expect, it } from 'vitest';

const run = promisify(execFile);
const PACK = path.resolve(import.meta.dirname, '../../cli/pack.ts');

interface Answer {
  readonly assignments: Record<string, string>;
  readonly unplaced: Record<string, string>;
  readonly nodesUsed: number;
  readonly millis: number;
  readonly coldMillis: number;
  readonly warmupRuns: number;
  readonly warmMillis: number[];
  readonly isDeterministic: boolean;
}

async function pack(file: string, ...flags: string[]) {
  return run(process.execPath, ['--import', 'tsx', PACK, file, ...flags], { encoding: 'utf8' });
}

// Each case starts tsx processes: seconds each on a busy 2-core machine.
describe('npm run pack', { timeout: 30_000 }, () => {
  let dir: string;
  let file: string;

  beforeAll(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-pack-'));
    file = path.join(dir, 'problem.json');
    const nodes = ['n0', 'n1', 'n2'].map((id) => ({ id, capacity: { cpu: 8, memoryMiB: 8192 } }));
    const tasks = Array.from({ length: 12 }, (_, i) => ({
      id: `t${i}`,
      request: { cpu: 1 + (i % 3), memoryMiB: 1024 },
    }));
    await writeFile(file, JSON.stringify({ nodes, tasks, comment: 'extra fields are ignored' }));
  });

  it('prints assignments, unplaced, nodesUsed and millis for one cold run', async () => {
    const { stdout } = await pack(file);
    const answer = JSON.parse(stdout) as Answer;
    expect(Object.keys(answer).sort()).toEqual(['assignments', 'millis', 'nodesUsed', 'unplaced']);
    expect(Object.keys(answer.assignments)).toHaveLength(12);
    // 24 cores of requests on 8-core nodes: exactly three nodes.
    expect(answer.nodesUsed).toBe(3);
  });

  it('warms up for at least --warmup runs and --warmup-ms of scheduling, then times --runs runs', async () => {
    const { stdout } = await pack(file, '--warmup', '2', '--warmup-ms', '150', '--runs', '3');
    const answer = JSON.parse(stdout) as Answer;
    expect(answer.warmMillis).toHaveLength(3);
    expect(answer.isDeterministic).toBe(true);
    // Each run takes well under 150 ms here (the greedy packing already meets the lower bound, so the offline
    // packer stops at once), so time, not the count, ends the warm-up: at least two runs, and enough of them to
    // have spent 150 ms.
    const longest = Math.max(answer.coldMillis, ...answer.warmMillis);
    expect(answer.warmupRuns).toBeGreaterThanOrEqual(Math.max(2, Math.floor(150 / (longest + 5))));
    expect(answer.millis).toBe([...answer.warmMillis].sort((a, b) => a - b)[1]);
  });

  it('runs the cluster service improvement phase with --mode service, the same packing every time', async () => {
    const { stdout } = await pack(file, '--mode', 'service', '--optimize-ms', '30', '--runs', '2');
    const answer = JSON.parse(stdout) as Answer;
    expect(answer.nodesUsed).toBe(3);
    expect(answer.isDeterministic).toBe(true);
    await expect(pack(file, '--mode', 'fast')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--mode: expected offline or service, got fast'),
    });
  });

  it('rejects a malformed flag or problem with exit code 2 and a message naming the place', async () => {
    await expect(pack(file, '--warmup-ms', 'soon')).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('--warmup-ms: expected a whole number >= 0, got soon'),
    });
    const bad = path.join(dir, 'bad.json');
    await writeFile(bad, JSON.stringify({ nodes: [], tasks: [{ id: 't0', request: { cpu: -1 } }] }));
    await expect(pack(bad)).rejects.toMatchObject({
      code: 2,
      stderr: expect.stringContaining('tasks[0].request.cpu: expected a positive number, got -1'),
    });
  });
});
