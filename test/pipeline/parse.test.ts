import { describe, expect, it } from 'vitest';
import { PipelineValidationError } from '../../pipeline/errors.js';
import { parsePipeline } from '../../pipeline/parse.js';
import { makePipeline, makeTask } from './make-pipeline.js';

function messageOf(run: () => unknown): string {
  try {
    run();
  } catch (error) {
    expect(error).toBeInstanceOf(PipelineValidationError);
    return (error as Error).message;
  }
  throw new Error('expected a PipelineValidationError');
}

describe('parsePipeline on a valid pipeline', () => {
  it('fills in every default', () => {
    const spec = parsePipeline(makePipeline([makeTask('a')]));
    expect(spec.tasks[0]).toEqual({
      id: 'a',
      image: 'gantry/busybox',
      pullPolicy: 'IfNotPresent',
      env: {},
      resources: { cpu: 0.5, memoryMiB: 256 },
      dependsOn: [],
      retry: {
        maxAttempts: 3,
        initialIntervalSeconds: 1,
        backoffCoefficient: 2,
        maximumIntervalSeconds: 60,
        nonRetryableExitCodes: [],
      },
      timeoutSeconds: 3600,
      pidsLimit: 512,
      nofileLimit: 4096,
      network: 'bridge',
      mounts: [],
      constraints: [],
      tier: 'flex',
      outputs: { parameters: [], artifacts: [] },
      inputs: { artifacts: [] },
      trigger: 'allSucceeded',
    });
    expect(spec.params).toEqual({});
  });

  it('accepts its own output again unchanged', () => {
    const spec = parsePipeline(makePipeline([makeTask('a'), makeTask('b', { dependsOn: ['a'] })]));
    expect(parsePipeline(spec)).toEqual(spec);
  });

  it('accepts duplicate non-retryable exit codes', () => {
    const spec = parsePipeline(makePipeline([makeTask('a', { retry: { nonRetryableExitCodes: [2, 2] } })]));
    expect(spec.tasks[0]?.retry.nonRetryableExitCodes).toEqual([2, 2]);
  });

  it('accepts a retry whose maximum interval equals its initial interval', () => {
    expect(() =>
      parsePipeline(
        makePipeline([makeTask('a', { retry: { initialIntervalSeconds: 5, maximumIntervalSeconds: 5 } })]),
      ),
    ).not.toThrow();
  });
});

describe('parsePipeline on graph mistakes', () => {
  it.each([
    [
      'a duplicate task id, naming both indexes',
      [makeTask('a'), makeTask('b'), makeTask('a')],
      'tasks[2].id: duplicate task id "a" (also tasks[0])',
    ],
    [
      'an unknown dependency',
      [makeTask('a'), makeTask('deploy', { dependsOn: ['a', 'build'] })],
      'tasks[1].dependsOn[1]: unknown task "build" (task "deploy")',
    ],
    [
      'a task depending on itself',
      [makeTask('a', { dependsOn: ['a'] })],
      'tasks[0].dependsOn[0]: task "a" depends on itself',
    ],
    [
      'a repeated dependency',
      [makeTask('a'), makeTask('b', { dependsOn: ['a', 'a'] })],
      'tasks[1].dependsOn[1]: duplicate dependency "a" (also dependsOn[0]) (task "b")',
    ],
    [
      'a two-task cycle',
      [makeTask('a', { dependsOn: ['b'] }), makeTask('b', { dependsOn: ['a'] })],
      'tasks: cycle a -> b -> a',
    ],
    [
      'a cycle, starting at its earliest-declared task',
      [
        makeTask('x'),
        makeTask('c', { dependsOn: ['a'] }),
        makeTask('a', { dependsOn: ['b', 'x'] }),
        makeTask('b', { dependsOn: ['c'] }),
      ],
      'tasks: cycle c -> a -> b -> c',
    ],
    [
      'two separate cycles, once each, in declaration order',
      [
        makeTask('p', { dependsOn: ['q'] }),
        makeTask('a', { dependsOn: ['b'] }),
        makeTask('b', { dependsOn: ['a'] }),
        makeTask('q', { dependsOn: ['p'] }),
      ],
      'tasks: cycle p -> q -> p\ntasks: cycle a -> b -> a',
    ],
    [
      'a knot of several cycles, as its shortest cycle and the other members',
      [
        makeTask('a', { dependsOn: ['b', 'c'] }),
        makeTask('b', { dependsOn: ['c'] }),
        makeTask('c', { dependsOn: ['a', 'd'] }),
        makeTask('d', { dependsOn: ['b'] }),
      ],
      'tasks: cycle a -> c -> a (the knot also involves b, d)',
    ],
  ])('reports %s', (_, tasks, message) => {
    expect(messageOf(() => parsePipeline(makePipeline(tasks)))).toBe(message);
  });
});

describe('parsePipeline on field mistakes', () => {
  it.each([
    [
      'a non-positive cpu',
      makeTask('a', { resources: { cpu: -2 } }),
      'tasks[0].resources.cpu: must be > 0, got -2 (task "a")',
    ],
    [
      'a cpu finer than 0.01',
      makeTask('a', { resources: { cpu: 0.005 } }),
      'tasks[0].resources.cpu: must be a multiple of 0.01, got 0.005 (task "a")',
    ],
    [
      'a fractional memory',
      makeTask('a', { resources: { memoryMiB: 1.5 } }),
      'tasks[0].resources.memoryMiB: expected integer, got 1.5 (task "a")',
    ],
    [
      'a wrongly typed image',
      makeTask('a', { image: 42 }),
      'tasks[0].image: expected string, got 42 (task "a")',
    ],
    [
      'neither an image nor a sub-pipeline',
      { id: 'a' },
      'tasks[0]: task "a" needs "image" (a container) or "pipeline" (a sub-pipeline)',
    ],
    ['an empty image', makeTask('a', { image: '' }), 'tasks[0].image: must not be empty, got "" (task "a")'],
    [
      'an empty command',
      makeTask('a', { command: [] }),
      'tasks[0].command: must have at least 1 item, got 0 (task "a")',
    ],
    [
      'an unknown field',
      makeTask('a', { imagePullPolicy: 'Always' }),
      'tasks[0]: unknown field "imagePullPolicy" (task "a")',
    ],
    [
      'an unknown resource field',
      makeTask('a', { resources: { cpus: 2 } }),
      'tasks[0].resources: unknown field "cpus" (task "a")',
    ],
    [
      'a bad pull policy',
      makeTask('a', { pullPolicy: 'Sometimes' }),
      'tasks[0].pullPolicy: must be one of "IfNotPresent", "Always", "Never", got "Sometimes" (task "a")',
    ],
    [
      'a bad id',
      makeTask('Build'),
      'tasks[0].id: must be 1-63 lower-case letters, digits, "-" or "_", starting and ending alphanumeric, got "Build"',
    ],
    [
      'a bad env name',
      makeTask('a', { env: { '1A': 'x' } }),
      'tasks[0].env["1A"]: invalid key: must be a valid environment variable name, got "1A" (task "a")',
    ],
    [
      'a relative mount',
      makeTask('a', { mounts: [{ hostPath: 'data', containerPath: '/data' }] }),
      'tasks[0].mounts[0].hostPath: must start with "/", got "data" (task "a")',
    ],
    [
      'a too long timeout',
      makeTask('a', { timeoutSeconds: 10_000_000 }),
      'tasks[0].timeoutSeconds: must be <= 604800, got 10000000 (task "a")',
    ],
    [
      'an unknown constraint kind',
      makeTask('a', { constraints: [{ kind: 'spread' }] }),
      'tasks[0].constraints[0].kind: must be one of "attribute", "uniqueNode", "balance", "exclusiveNode", got "spread" (task "a")',
    ],
    [
      'a maximum retry interval below the initial one',
      makeTask('a', { retry: { initialIntervalSeconds: 10, maximumIntervalSeconds: 5 } }),
      'tasks[0].retry.maximumIntervalSeconds: 5 is less than initialIntervalSeconds (10) (task "a")',
    ],
    [
      'a scalar shadowing a built-in resource',
      makeTask('a', { resources: { scalars: { gpu: 1 } } }),
      'tasks[0].resources.scalars.gpu: "gpu" is a built-in resource; set resources.gpu instead (task "a")',
    ],
  ])('reports %s with its path and value', (_, task, message) => {
    expect(messageOf(() => parsePipeline(makePipeline([task])))).toBe(message);
  });

  it.each([
    ['a number instead of a pipeline', 42, '(root): expected object, got 42'],
    ['no tasks', makePipeline([]), 'tasks: must have at least 1 item, got 0'],
    [
      'an unknown top-level field',
      makePipeline([makeTask('a')], { version: 2 }),
      '(root): unknown field "version"',
    ],
  ])('reports %s', (_, input, message) => {
    expect(messageOf(() => parsePipeline(input))).toBe(message);
  });
});

describe('parsePipeline reporting', () => {
  it('reports schema and cross-field problems together, all at once', () => {
    const input = makePipeline([
      makeTask('a', { resources: { cpu: 0 }, dependsOn: ['ghost'] }),
      makeTask('b', { dependsOn: ['b'], colour: 'red' }),
    ]);
    expect(messageOf(() => parsePipeline(input))).toBe(
      [
        'tasks[0].resources.cpu: must be > 0, got 0 (task "a")',
        'tasks[1]: unknown field "colour" (task "b")',
        'tasks[0].dependsOn[0]: unknown task "ghost" (task "a")',
        'tasks[1].dependsOn[0]: task "b" depends on itself',
      ].join('\n'),
    );
  });

  it('gives each issue as a structured path and message', () => {
    try {
      parsePipeline(makePipeline([makeTask('a', { dependsOn: ['build'] })]), { source: 'ci.yaml' });
      expect.unreachable();
    } catch (error) {
      expect(error).toBeInstanceOf(PipelineValidationError);
      expect((error as PipelineValidationError).issues).toEqual([
        { path: 'tasks[0].dependsOn[0]', message: 'unknown task "build" (task "a")' },
      ]);
      expect((error as PipelineValidationError).source).toBe('ci.yaml');
      expect((error as PipelineValidationError).name).toBe('PipelineValidationError');
    }
  });
});
