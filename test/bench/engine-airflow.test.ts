import { describe, expect, it } from 'vitest';
import { airflowDagFile, dockerUrl } from '../../bench/lib/airflow-dag-file.js';
import { type DagTask, dagTasks } from '../../bench/lib/layered-dag.js';
import { percentile, upstreamGaps } from '../../bench/lib/upstream-gaps.js';

const task = (id: string, dependsOn: string[] = []): DagTask => ({ id, dependsOn });

describe('upstreamGaps', () => {
  it('measures each task from the latest of its upstreams’ ends, skipping roots', () => {
    const tasks = [task('a'), task('b'), task('c', ['a', 'b']), task('d', ['c'])];
    const start: Record<string, number> = { a: 0, b: 0, c: 130, d: 210 };
    const end: Record<string, number> = { a: 50, b: 100, c: 200, d: 300 };
    const gaps = upstreamGaps(
      tasks,
      (id) => start[id],
      (id) => end[id],
    );
    // c: 130 − max(50, 100) = 30; d: 210 − 200 = 10.
    expect(gaps).toEqual({ p50: 10, p95: 30, max: 30, count: 2 });
  });

  it('leaves out a task whose start or an upstream end is unknown', () => {
    const tasks = [task('a'), task('b'), task('c', ['a', 'b']), task('d', ['a'])];
    const gaps = upstreamGaps(
      tasks,
      (id) => (id === 'd' ? 90 : 500),
      (id) => (id === 'a' ? 40 : undefined),
    );
    expect(gaps).toEqual({ p50: 50, p95: 50, max: 50, count: 1 });
  });
});

describe('percentile', () => {
  it('takes the nearest rank', () => {
    const values = Array.from({ length: 20 }, (_, i) => i + 1);
    expect([percentile(values, 50), percentile(values, 95), percentile(values, 100)]).toEqual([10, 19, 20]);
  });
});

describe('airflowDagFile', () => {
  const dag = { layers: 3, width: 4, cpu: 0.1, memoryMiB: 64 };

  it('carries exactly the bench DAG’s tasks and dependencies', () => {
    const source = airflowDagFile('bench_dag', dag, 4, { socketPath: '/var/run/docker.sock' });
    const literal = /^TASKS = json\.loads\((.*)\)$/m.exec(source)?.[1];
    expect(literal).toBeDefined();
    const tasks = JSON.parse(JSON.parse(literal!) as string) as [string, string[]][];
    expect(tasks).toEqual(dagTasks(dag).map((t) => [t.id, t.dependsOn]));
    expect(source).toContain('dag_id="bench_dag"');
    expect(source).toContain('max_active_tasks=4');
    expect(source).toContain('docker_url="unix:///var/run/docker.sock"');
  });

  it('points DockerOperator at a TCP engine as docker-py spells it', () => {
    expect(dockerUrl({ host: 'docker.internal', port: 2376, protocol: 'http' })).toBe(
      'tcp://docker.internal:2376',
    );
  });
});
