/**
 * Turns zod issues into `path: message` issues that always show the offending value, e.g.
 * `tasks[2].resources.cpu: must be > 0, got -1`. Issues from our own refinements (`custom`) pass through.
 */
import type { z } from 'zod';
import type { ValidationIssue } from './errors.js';
import { formatPath } from './format-path.js';
import { showValue } from './show-value.js';

type ZodIssue = z.core.$ZodIssue;

export function describeZodIssue(issue: ZodIssue): ValidationIssue[] {
  if (issue.code === 'unrecognized_keys') {
    return issue.keys.map((key) => ({
      path: formatPath(issue.path),
      message: `unknown field ${showValue(key)}`,
    }));
  }
  return [{ path: formatPath(issue.path), message: describeMessage(issue) }];
}

function describeMessage(issue: ZodIssue): string {
  const got = `got ${showValue(issue.input)}`;
  switch (issue.code) {
    case 'invalid_type': {
      const expected = issue.expected === 'int' ? 'integer' : issue.expected;
      return issue.input === undefined
        ? `is required (expected ${expected})`
        : `expected ${expected}, ${got}`;
    }
    case 'too_small':
      return describeBound(issue, 'least', issue.inclusive ? '>=' : '>', issue.minimum);
    case 'too_big':
      return describeBound(issue, 'most', issue.inclusive ? '<=' : '<', issue.maximum);
    case 'not_multiple_of':
      return `must be a multiple of ${String(issue.divisor)}, ${got}`;
    case 'invalid_format':
      if (issue.format === 'starts_with' && 'prefix' in issue)
        return `must start with ${showValue(issue.prefix)}, ${got}`;
      return issue.message.startsWith('Invalid')
        ? `must be a valid ${issue.format}, ${got}`
        : `${issue.message}, ${got}`;
    case 'invalid_value':
      return issue.values.length === 1
        ? `must be ${showValue(issue.values[0])}, ${got}`
        : `must be one of ${issue.values.map(showValue).join(', ')}, ${got}`;
    case 'invalid_union':
      return describeUnion(issue);
    case 'invalid_key':
    case 'invalid_element': {
      const inner = issue.issues[0];
      const what = issue.code === 'invalid_key' ? 'key' : 'value';
      return inner === undefined ? `invalid ${what}, ${got}` : `invalid ${what}: ${describeMessage(inner)}`;
    }
    case 'custom':
      return issue.message;
    case 'unrecognized_keys':
      return `unknown fields ${issue.keys.map(showValue).join(', ')}`;
  }
}

function describeBound(
  issue: z.core.$ZodIssueTooSmall | z.core.$ZodIssueTooBig,
  word: 'least' | 'most',
  operator: string,
  bound: number | bigint,
): string {
  const { input } = issue;
  switch (issue.origin) {
    case 'array':
    case 'set':
      return `must have at ${word} ${plural(bound, 'item')}, got ${Array.isArray(input) ? input.length : showValue(input)}`;
    case 'string':
      return Number(bound) === 1 && word === 'least'
        ? `must not be empty, got ${showValue(input)}`
        : `must be at ${word} ${plural(bound, 'character')} long, got ${showValue(input)}`;
    default:
      return `must be ${operator} ${String(bound)}, got ${showValue(input)}`;
  }
}

function describeUnion(issue: z.core.$ZodIssueInvalidUnion): string {
  const { input, discriminator } = issue;
  if (discriminator !== undefined && 'options' in issue && issue.options !== undefined) {
    const value =
      typeof input === 'object' && input !== null ? (input as Record<string, unknown>)[discriminator] : input;
    return `must be one of ${issue.options.map(showValue).join(', ')}, got ${showValue(value)}`;
  }
  return `${issue.message}, got ${showValue(input)}`;
}

function plural(count: number | bigint, noun: string): string {
  return `${String(count)} ${noun}${Number(count) === 1 ? '' : 's'}`;
}
