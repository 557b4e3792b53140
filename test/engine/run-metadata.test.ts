import { describe, expect, it } from 'vitest';
import { runStartMetadata } from '../../engine/run-metadata.js';
import { parsePipeline } from '../../pipeline/parse.js';

const spec = parsePipeline({
  name: 'etl',
  description: 'nightly load',
  tasks: [
    { id: 'extract', image: 'gantry/busybox', command: ['true'] },
    { id: 'load', image: 'gantry/busybox', command: ['true'], dependsOn: ['extract'] },
  ],
});

describe('runStartMetadata', () => {
  it('says what started a run in the summary, and lists the tasks with their edges in the details', () => {
    const m = runStartMetadata(spec, { kind: 'manual' });
    expect(m.staticSummary).toBe('etl · started by hand');
    expect(m.staticDetails).toContain('**etl**: 2 task(s) — nightly load');
    expect(m.staticDetails).toContain('- `load` gantry/busybox ← extract');
  });

  it('sets the search attributes that make "failed runs of X from schedule Y" one query', () => {
    const m = runStartMetadata(spec, { kind: 'schedule', scheduleId: 'nightly' });
    expect(m.staticSummary).toBe('etl · schedule nightly');
    expect(m.searchAttributes).toEqual({
      GantryPipeline: ['etl'],
      GantryStatus: ['running'],
      GantryTrigger: ['schedule'],
      GantrySchedule: ['nightly'],
    });
  });

  it('names the upstream run of a triggered run', () => {
    const upstream = { runId: 'a-1', pipeline: 'a', status: 'succeeded' as const, outputs: {} };
    const m = runStartMetadata(spec, { kind: 'pipeline', triggerId: 't', upstream });
    expect(m.staticSummary).toBe('etl · after run a-1 of a (succeeded)');
    expect(m.searchAttributes['GantryUpstreamRun']).toEqual(['a-1']);
  });

  it('bounds the details of a large pipeline', () => {
    const big = parsePipeline({
      name: 'wide',
      tasks: Array.from({ length: 250 }, (_, i) => ({ id: `t${i}`, image: 'gantry/busybox' })),
    });
    const details = runStartMetadata(big, { kind: 'manual' }).staticDetails;
    expect(details).toContain('- … and 150 more');
    expect(details.split('\n').length).toBeLessThan(110);
  });
});
