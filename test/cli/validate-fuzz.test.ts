/**
 * Fuzzing `gantry validate` (issue #12): over 1,000 malformed pipeline files, YAML and JSON, each written to
 * disk and fed through validateCommand, the CLI's own load + validate + exit-code path. Every one must be
 * rejected with exit 2 and a message naming the file (and the field, where one is at fault), within 1 s,
 * with no exception escaping (validate lets only untyped errors, i.e. crashes, through), nothing connecting
 * to Temporal or Docker, and the process's RSS growing by less than 256 MiB over the run. Seeds are fixed.
 */
import fc from 'fast-check';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { stringify } from 'yaml';
import { validateCommand } from '../../cli/commands/validate.js';
import { ExitCode } from '../../cli/exit-codes.js';
import { MAX_ARG_BYTES, MAX_FILE_TASKS, MAX_NESTING_DEPTH } from '../../pipeline/limits.js';
import { PipelineSchema, ResourcesSchema, TaskSchema } from '../../pipeline/schema.js';

const clients = vi.hoisted(() => [] as string[]);
vi.mock('@temporalio/client', () => {
  clients.push('@temporalio/client');
  return {};
});
vi.mock('dockerode', () => {
  clients.push('dockerode');
  return { default: class {} };
});

const SEED = 20261201;
const MiB = 1024 * 1024;
const TIME_LIMIT_MS = 1000;
const RSS_LIMIT_BYTES = 256 * MiB;

type Format = 'yaml' | 'json';
interface Case {
  readonly format: Format;
  /** The file's text; YAML cases may be raw text, others are JSON (valid YAML too). */
  readonly text: string;
  /** What the report must name besides the file: a field path, or a phrase of the message. */
  readonly names?: readonly string[];
  /** Other files the case needs, by name in the case's directory. */
  readonly siblings?: Readonly<Record<string, string>>;
}

let dir: string;
let counter = 0;
let cases = 0;
let slowest = { cpuMillis: 0, wallMillis: 0 };
let largestRssGrowth = 0;
const connect = vi.spyOn(net.Socket.prototype, 'connect');

beforeAll(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'gantry-fuzz-'));
});
afterAll(async () => {
  await rm(dir, { recursive: true, force: true });
});

/** Writes the case, runs `gantry validate FILE` as the CLI does, and checks every property of a rejection. */
async function expectRejected(c: Case): Promise<void> {
  const caseDir = path.join(dir, `case-${++counter}`);
  const file = path.join(caseDir, `pipeline.${c.format}`);
  await mkdir(caseDir);
  await writeFile(file, c.text);
  for (const [name, text] of Object.entries(c.siblings ?? {}))
    await writeFile(path.join(caseDir, name), text);
  let report = '';
  const stderr = vi.spyOn(process.stderr, 'write').mockImplementation((chunk) => {
    report += String(chunk);
    return true;
  });
  const stdout = vi.spyOn(process.stdout, 'write').mockImplementation(() => true);
  const rss = process.memoryUsage().rss;
  const cpu = process.cpuUsage();
  const started = performance.now();
  let code: number;
  try {
    code = await validateCommand([file]);
  } finally {
    stderr.mockRestore();
    stdout.mockRestore();
  }
  const wallMillis = performance.now() - started;
  const { user, system } = process.cpuUsage(cpu);
  const cpuMillis = (user + system) / 1000;
  const rssGrowth = process.memoryUsage().rss - rss;
  cases++;
  slowest = {
    cpuMillis: Math.max(slowest.cpuMillis, cpuMillis),
    wallMillis: Math.max(slowest.wallMillis, wallMillis),
  };
  largestRssGrowth = Math.max(largestRssGrowth, rssGrowth);
  expect(code, report).toBe(ExitCode.InvalidInput);
  expect(report).toContain(file);
  for (const name of c.names ?? []) expect(report).toContain(name);
  // NOTE: CPU time, not wall time: this 2-core machine runs CI beside the tests (load averages of 20 seen),
  // which stretches wall time without the validator doing more work.
  expect(cpuMillis, report.slice(0, 300)).toBeLessThan(TIME_LIMIT_MS);
  expect(rssGrowth, report.slice(0, 300)).toBeLessThan(RSS_LIMIT_BYTES);
  await rm(caseDir, { recursive: true, force: true });
}

const base = (): Record<string, unknown> => ({
  name: 'fuzz',
  params: { who: 'world' },
  tasks: [
    {
      id: 'a',
      image: 'gantry/busybox',
      command: ['sh', '-c', 'echo {{ params.who }}'],
      env: { GREETING: 'hi' },
      resources: { cpu: 0.5, memoryMiB: 64 },
      retry: { maxAttempts: 2, initialIntervalSeconds: 1 },
      outputs: { parameters: [{ name: 'out' }] },
    },
    { id: 'b', image: 'gantry/busybox', command: ['true'], dependsOn: ['a'], cache: { maxAgeSeconds: 60 } },
  ],
});

/** Sets `value` at `at` (keys and indexes) in a fresh base pipeline. */
function withValue(at: readonly (string | number)[], value: unknown): Record<string, unknown> {
  const root = base();
  let node = root as Record<string | number, unknown>;
  for (const [i, key] of at.slice(0, -1).entries()) {
    node[key] ??= typeof at[i + 1] === 'number' ? [] : {};
    node = node[key] as Record<string | number, unknown>;
  }
  node[at.at(-1)!] = value;
  return root;
}

function pathOf(at: readonly (string | number)[]): string {
  return at.map((key, i) => (typeof key === 'number' ? `[${key}]` : i === 0 ? key : `.${key}`)).join('');
}

const format = fc.constantFrom<Format>('yaml', 'json');
/** JSON as JSON.stringify writes it (Infinity as 1e999, which parses back to Infinity); YAML as block YAML. */
const asText = (data: unknown, f: Format): string =>
  f === 'yaml'
    ? stringify(data)
    : JSON.stringify(data, (_, value: unknown) => (value === Infinity ? '<inf>' : value)).replaceAll(
        '"<inf>"',
        '1e999',
      );

const STRING_FIELDS = [
  ['name'],
  ['tasks', 0, 'id'],
  ['tasks', 0, 'image'],
  ['tasks', 1, 'dependsOn', 0],
  ['tasks', 0, 'command', 1],
  ['tasks', 0, 'env', 'GREETING'],
  ['params', 'who'],
] as const;
const NUMBER_FIELDS = [
  ['tasks', 0, 'resources', 'cpu'],
  ['tasks', 0, 'resources', 'memoryMiB'],
  ['tasks', 0, 'resources', 'gpu'],
  ['tasks', 0, 'resources', 'diskMiB'],
  ['tasks', 0, 'resources', 'networkMbps'],
  ['tasks', 0, 'resources', 'scalars', 'fpga'],
  ['tasks', 0, 'retry', 'maxAttempts'],
  ['tasks', 0, 'retry', 'initialIntervalSeconds'],
  ['tasks', 0, 'retry', 'maximumIntervalSeconds'],
  ['tasks', 0, 'retry', 'backoffCoefficient'],
  ['tasks', 0, 'timeoutSeconds'],
  ['tasks', 0, 'pidsLimit'],
  ['tasks', 0, 'nofileLimit'],
  ['tasks', 0, 'expectedDurationSeconds'],
  ['tasks', 1, 'cache', 'maxAgeSeconds'],
] as const;
const LIST_FIELDS = [
  ['tasks'],
  ['tasks', 0, 'command'],
  ['tasks', 1, 'dependsOn'],
  ['tasks', 0, 'outputs', 'parameters'],
] as const;

const notString = fc.oneof(
  fc.integer(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.dictionary(fc.string(), fc.integer(), { maxKeys: 2 }),
);
const notNumber = fc.oneof(
  fc.string(),
  fc.boolean(),
  fc.constant(null),
  fc.array(fc.integer(), { maxLength: 3 }),
  fc.constant({}),
);
const notList = fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant({ a: 1 }));

const property = (numRuns: number, arbitrary: fc.Arbitrary<Case>) =>
  fc.assert(fc.asyncProperty(arbitrary, expectRejected), { seed: SEED, numRuns, endOnFailure: true });

describe('gantry validate on malformed pipeline files', { timeout: 60_000 }, () => {
  it('rejects a field of the wrong type, naming its path', async () => {
    const typed = fc.oneof(
      fc.tuple(fc.constantFrom(...STRING_FIELDS), notString),
      fc.tuple(fc.constantFrom(...NUMBER_FIELDS), notNumber),
      fc.tuple(fc.constantFrom(...LIST_FIELDS), notList),
    );
    await property(
      220,
      fc.tuple(typed, format).map(([[at, value], f]) => ({
        format: f,
        text: asText(withValue(at, value), f),
        names: [pathOf(at)],
      })),
    );
  });

  it('rejects huge, negative and non-finite numbers, naming their path', async () => {
    const huge = fc.oneof(
      fc.constantFrom(1e308, -1e308, Infinity, 2 ** 53 + 1, 1e20, -1, 1e9 + 0.5),
      fc.double({ min: 1e10, noNaN: true }),
    );
    const cases = fc
      .tuple(fc.constantFrom(...NUMBER_FIELDS), huge, format)
      .map(([at, value, f]) => ({ format: f, text: asText(withValue(at, value), f), names: [pathOf(at)] }));
    await property(150, cases);
  });

  it('refuses nesting deeper than the limit before parsing it, naming the line', async () => {
    const nests = fc
      .tuple(
        fc.integer({ min: MAX_NESTING_DEPTH + 1, max: 100_000 }),
        fc.constantFrom('[', '{"a":', '- '),
        format,
        fc.boolean(),
      )
      .map(([depth, open, f, isClosed]) => {
        const close = open === '[' ? ']' : open === '- ' ? '' : '}';
        const bomb =
          open === '- '
            ? `\n${open.repeat(depth)}x`
            : `${open.repeat(depth)}1${isClosed ? close.repeat(depth) : ''}`;
        const text =
          open === '- ' || f === 'yaml' ? `name: fuzz\nextra: ${bomb}\n` : `{"name":"fuzz","extra":${bomb}}`;
        return { format: open === '- ' ? ('yaml' as const) : f, text };
      });
    await property(100, nests);
  });

  it('rejects unicode and control characters in ids, names and keys, naming their path', async () => {
    const odd = fc.string({ unit: 'binary', minLength: 1, maxLength: 40 }).map((s) => `${s}\u00e9\u0000`);
    const cases = fc
      .tuple(
        fc.constantFrom(['name'], ['tasks', 0, 'id'], ['tasks', 0, 'outputs', 'parameters', 0, 'name']),
        odd,
        format,
      )
      .map(([at, value, f]) => ({ format: f, text: asText(withValue(at, value), f), names: [pathOf(at)] }));
    const keys = fc.tuple(odd, format).map(([key, f]) => ({
      format: f,
      text: asText(withValue(['tasks', 0, 'env', key], 'v'), f),
      names: ['tasks[0].env['],
    }));
    // The unknown field keeps the file invalid whatever the junk does to the YAML after it.
    const raw = fc.string({ unit: 'binary', minLength: 1, maxLength: 200 }).map((junk) => ({
      format: 'yaml' as const,
      text: `name: fuzz\nbogus: 1\ntasks:\n  - id: a\n    image: ${junk}\x07\n`,
    }));
    await property(160, fc.oneof(cases, keys, raw));
  });

  it('refuses billion-laughs YAML aliases quickly', async () => {
    const laughs = fc
      .tuple(
        fc.integer({ min: 3, max: 12 }),
        fc.integer({ min: 2, max: 10 }),
        fc.constantFrom('lol', 'tasks[0].env'),
      )
      .map(([levels, width, where]) => {
        const lines = ['l0: &l0 "lol"'];
        for (let i = 1; i <= levels; i++)
          lines.push(
            `l${i}: &l${i} [${Array(width)
              .fill(`*l${i - 1}`)
              .join(', ')}]`,
          );
        const nested = lines.map((line) => `  ${line}`).join('\n');
        const text =
          where === 'lol'
            ? `name: fuzz\nlol:\n${nested}\ntasks: [{id: a, image: x}]\n`
            : `name: fuzz\ntasks:\n  - id: a\n    image: x\n    env:\n${nested.replace(/^/gm, '    ')}\n`;
        return { format: 'yaml' as const, text };
      });
    await property(60, laughs);
  });

  it('rejects an argument or env value over MAX_ARG_STRLEN at its path', async () => {
    const big = fc
      .tuple(
        fc.integer({ min: MAX_ARG_BYTES + 1, max: MiB / 2 }),
        fc.constantFrom('x', '\u00e9', '\u{1f600}'),
        fc.constantFrom(['tasks', 0, 'command', 1], ['tasks', 0, 'args', 0], ['tasks', 0, 'env', 'BIG']),
        format,
      )
      .map(([bytes, char, at, f]) => {
        const value = char.repeat(Math.ceil(bytes / Buffer.byteLength(char)));
        return { format: f, text: asText(withValue(at, value), f), names: [pathOf(at), 'MAX_ARG_STRLEN'] };
      });
    await property(30, big);
  });

  it('refuses a 10 MB file before parsing it', async () => {
    const huge = fc
      .tuple(
        fc.integer({ min: 9 * MiB, max: 11 * MiB }),
        fc.constantFrom(['tasks', 0, 'command', 1], ['description'], ['tasks', 0, 'image']),
        format,
      )
      .map(([size, at, f]) => ({
        format: f,
        text: asText(withValue(at, 'y'.repeat(size)), f),
        names: ['over the limit'],
      }));
    await property(6, huge);
  });

  it('rejects too many tasks and command, args and env over the ARG_MAX share', async () => {
    // YAML that long is over the token budget before its tasks are counted.
    const many = fc
      .tuple(fc.integer({ min: MAX_FILE_TASKS + 1, max: MAX_FILE_TASKS + 100 }), format)
      .map(([n, f]) => ({
        format: f,
        text: asText({ name: 'fuzz', tasks: Array.from({ length: n }, (_, i) => ({ id: `t${i}` })) }, f),
        names: [f === 'json' ? 'tasks: must have at most' : 'YAML tokens'],
      }));
    const argv = fc.integer({ min: 9, max: 30 }).map((n) => ({
      format: 'json' as const,
      text: asText(
        withValue(
          ['tasks', 0, 'args'],
          Array.from({ length: n }, () => 'z'.repeat(MAX_ARG_BYTES - 9)),
        ),
        'json',
      ),
      names: ['tasks[0]: command, args and env'],
    }));
    await property(10, fc.oneof(many, argv));
  });

  it('rejects dependency cycles and sub-pipeline include cycles', async () => {
    const cycles = fc.tuple(fc.integer({ min: 1, max: 30 }), format).map(([n, f]) => {
      const tasks = Array.from({ length: n }, (_, i) => ({
        id: `t${i}`,
        image: 'x',
        dependsOn: [`t${(i + 1) % n}`],
      }));
      return {
        format: f,
        text: asText({ name: 'fuzz', tasks }, f),
        names: [n === 1 ? 'depends on itself' : 'tasks: cycle t0'],
      };
    });
    const includes = format.map((f) => ({
      format: f,
      text: asText({ name: 'fuzz', tasks: [{ id: 'sub', pipeline: 'child.yaml' }] }, f),
      siblings: { 'child.yaml': `name: child\ntasks: [{id: back, pipeline: pipeline.${f}}]\n` },
      names: ['include cycle'],
    }));
    await property(100, fc.oneof(cycles, includes));
  });

  it('rejects templates that are malformed or refer to nothing, naming their path', async () => {
    const ref = fc.stringMatching(/^[a-z][a-z0-9]{0,8}$/);
    const template = fc.oneof(
      ref.map((p) => `{{ params.x${p} }}`),
      ref.map((t) => `{{ tasks.z${t}.outputs.out }}`),
      fc.constantFrom(
        '{{ }}',
        '{{ params.who',
        '{{ item }}',
        '{{ tasks.a.outputs }}',
        '{{ 1 + }}',
        '{{ params..who }}',
      ),
      fc.string({ maxLength: 20 }).map((junk) => `{{ ${junk.replace(/[{}]/g, '')}!! }}`),
    );
    const cases = fc
      .tuple(
        template,
        fc.constantFrom(['tasks', 1, 'command', 0], ['tasks', 1, 'args', 0], ['tasks', 1, 'env', 'T']),
        format,
      )
      .map(([value, at, f]) => ({ format: f, text: asText(withValue(at, value), f), names: [pathOf(at)] }));
    await property(120, cases);
  });

  it('rejects unknown keys at the root, in a task and in its resources', async () => {
    const known = new Set([
      '__proto__',
      ...[PipelineSchema, TaskSchema, ResourcesSchema].flatMap((s) => Object.keys(s.shape)),
    ]);
    const key = fc.string({ minLength: 1, maxLength: 30 }).filter((k) => !known.has(k));
    const cases = fc
      .tuple(key, fc.constantFrom([], ['tasks', 0], ['tasks', 0, 'resources']), format)
      .map(([k, at, f]) => ({
        format: f,
        text: asText(withValue([...at, k], 1), f),
        names: ['unknown field'],
      }));
    await property(120, cases);
  });

  it('ran over 1,000 files without loading a Temporal or Docker client or opening a socket', () => {
    expect(cases).toBeGreaterThanOrEqual(1000);
    expect(clients).toEqual([]);
    expect(connect).not.toHaveBeenCalled();
    console.info(
      `fuzz: ${cases} files; slowest ${slowest.cpuMillis.toFixed(0)} ms CPU, ${slowest.wallMillis.toFixed(0)} ms wall; largest RSS growth ${(largestRssGrowth / MiB).toFixed(1)} MiB`,
    );
  });
});
