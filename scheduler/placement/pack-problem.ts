/**
 * The `pack` command's problem format: validation (zod), conversion to a ScheduleInput, and the shape of its
 * answer. Pure; the file I/O and the timing live in cli/pack.ts.
 */
import { z } from 'zod';
import { ConstraintSchema, TIERS } from '../../pipeline/schema.js';
import type { ScheduleInput, ScheduleOptions, ScheduleResult } from './types.js';

const amount = z.number({ error: (issue) => `expected a number, got ${JSON.stringify(issue.input)}` });
const positive = amount.refine((v) => v > 0, {
  error: (issue) => `expected a positive number, got ${JSON.stringify(issue.input)}`,
});
const nonNegative = amount.refine((v) => v >= 0, {
  error: (issue) => `expected a number >= 0, got ${JSON.stringify(issue.input)}`,
});

const CapacitySchema = z.record(z.string(), nonNegative);
const RequestSchema = z
  .record(z.string(), positive)
  .refine((r) => Object.keys(r).length > 0, 'expected at least one resource');

export const PackProblemSchema = z
  .object({
    nodes: z.array(
      z.object({
        id: z.string().min(1),
        capacity: CapacitySchema,
        attributes: z.record(z.string(), z.string()).default({}),
        nodeGroup: z.string().min(1).optional(),
      }),
    ),
    tasks: z.array(
      z.object({
        id: z.string().min(1),
        request: RequestSchema,
        constraints: z.array(ConstraintSchema).default([]),
        group: z.string().min(1).optional(),
        tier: z.enum(TIERS).default('flex'),
        expectedDurationSeconds: z.number().positive().optional(),
      }),
    ),
  })
  .superRefine((problem, ctx) => {
    const seen = new Map<string, number>();
    problem.nodes.forEach((node, i) => {
      if (seen.has(node.id))
        ctx.addIssue({ code: 'custom', path: ['nodes', i, 'id'], message: `duplicate node id "${node.id}"` });
      seen.set(node.id, i);
    });
    const tasks = new Set<string>();
    problem.tasks.forEach((task, i) => {
      if (tasks.has(task.id))
        ctx.addIssue({ code: 'custom', path: ['tasks', i, 'id'], message: `duplicate task id "${task.id}"` });
      tasks.add(task.id);
    });
  });

export type PackProblem = z.output<typeof PackProblemSchema>;

export interface PackAnswer {
  readonly assignments: Record<string, string>;
  readonly unplaced: Record<string, string>;
  readonly nodesUsed: number;
  readonly millis: number;
}

/** Validates raw JSON; on failure returns one line per issue, `path: message`. */
export function parsePackProblem(
  raw: unknown,
): { ok: true; problem: PackProblem } | { ok: false; errors: string[] } {
  const parsed = PackProblemSchema.safeParse(raw);
  if (parsed.success) return { ok: true, problem: parsed.data };
  return {
    ok: false,
    errors: parsed.error.issues.map((issue) => `${formatPath(issue.path)}: ${issue.message}`),
  };
}

function formatPath(path: readonly PropertyKey[]): string {
  if (path.length === 0) return '(root)';
  return path.reduce<string>(
    (text, key) =>
      typeof key === 'number' ? `${text}[${key}]` : text ? `${text}.${String(key)}` : String(key),
    '',
  );
}

/**
 * The `pack` command's improvement budget when `--optimize-ms` is not given; the bench's packing figures use it,
 * so the README quotes what a user gets by default.
 */
export const PACK_DEFAULT_OPTIMIZE_MS = 1000;
// The greedy pass always runs to the end; this only guards against a runaway iteration.
const ITERATION_GUARD_MS = 60_000;

/**
 * The schedule options `pack` runs with: the greedy pass, then `optimizeMillis` of improvement (0: none) by the
 * offline packer, or by the cluster service's own improvement phase with `mode: 'service'`.
 */
export function packScheduleOptions(
  optimizeMillis: number,
  clock: () => number,
  mode: 'offline' | 'service' = 'offline',
): ScheduleOptions {
  return {
    clock,
    timeBudgetMillis: ITERATION_GUARD_MS,
    optimize: optimizeMillis === 0 ? false : { budgetMillis: optimizeMillis, mode },
  };
}

export function toScheduleInput(problem: PackProblem, options: ScheduleOptions = {}): ScheduleInput {
  return {
    nodes: problem.nodes.map((node) => ({
      id: node.id,
      capacity: node.capacity,
      attributes: node.attributes,
      ...(node.nodeGroup !== undefined ? { nodeGroup: node.nodeGroup } : {}),
    })),
    allocations: [],
    pending: problem.tasks.map((task) => ({
      id: task.id,
      request: task.request,
      constraints: task.constraints,
      tier: task.tier,
      enqueuedAt: 0,
      ...(task.group !== undefined ? { group: task.group } : {}),
      ...(task.expectedDurationSeconds !== undefined
        ? { expectedDurationSeconds: task.expectedDurationSeconds }
        : {}),
    })),
    now: 0,
    options,
  };
}

export function toPackAnswer(result: ScheduleResult, millis: number): PackAnswer {
  const assignments: Record<string, string> = {};
  const unplaced: Record<string, string> = {};
  const used = new Set<string>();
  for (const decision of result.decisions) {
    if (decision.kind === 'placed') {
      assignments[decision.taskId] = decision.nodeId;
      used.add(decision.nodeId);
    } else {
      unplaced[decision.taskId] = decision.reason;
    }
  }
  return { assignments, unplaced, nodesUsed: used.size, millis: Math.round(millis * 1000) / 1000 };
}
