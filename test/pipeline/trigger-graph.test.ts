import { describe, expect, it } from 'vitest';
import {
  type TriggerEdges,
  describeTriggerLoop,
  findTriggerLoop,
  isTriggeredBy,
} from '../../pipeline/trigger-graph.js';

const after = (id: string, pipeline: string, ...upstream: string[]): TriggerEdges => ({
  id,
  pipeline,
  triggers: upstream.map((afterPipeline) => ({ afterPipeline })),
});

describe('findTriggerLoop', () => {
  it('accepts a chain, a fan-out and a fan-in', () => {
    const registered = [after('t1', 'b', 'a'), after('t2', 'c', 'b'), after('t3', 'd', 'a')];
    expect(findTriggerLoop(registered, after('t4', 'e', 'c', 'd'))).toBeUndefined();
    expect(findTriggerLoop([], after('t1', 'b', 'a'))).toBeUndefined();
  });

  it('accepts a second trigger of the same pipeline after the same upstream', () => {
    expect(findTriggerLoop([after('t1', 'b', 'a')], after('t2', 'b', 'a'))).toBeUndefined();
  });

  it('refuses a pipeline that would start itself', () => {
    const loop = findTriggerLoop([], after('self', 'a', 'a'));
    expect(loop).toEqual({ pipelines: ['a', 'a'], triggerIds: ['self'] });
    expect(describeTriggerLoop(loop!)).toBe('trigger loop: a → a (triggers "self")');
  });

  it('refuses A after B when B is after A, naming both triggers in start order', () => {
    const loop = findTriggerLoop([after('b-after-a', 'b', 'a')], after('a-after-b', 'a', 'b'));
    expect(loop).toEqual({ pipelines: ['a', 'b', 'a'], triggerIds: ['b-after-a', 'a-after-b'] });
    expect(describeTriggerLoop(loop!)).toBe('trigger loop: a → b → a (triggers "b-after-a", "a-after-b")');
  });

  it('finds a longer loop through other registrations, starting at the new trigger’s pipeline', () => {
    const registered = [after('t1', 'b', 'a'), after('t2', 'c', 'b'), after('side', 'x', 'c')];
    expect(findTriggerLoop(registered, after('t3', 'a', 'z', 'c'))).toEqual({
      pipelines: ['a', 'b', 'c', 'a'],
      triggerIds: ['t1', 't2', 't3'],
    });
  });
});

describe('isTriggeredBy', () => {
  const triggers = [
    { afterPipeline: 'build', status: 'succeeded' as const },
    { afterPipeline: 'nightly', status: 'failed' as const },
    { afterPipeline: 'any', status: 'finished' as const },
  ];
  it.each<[string, 'succeeded' | 'failed' | 'cancelled', boolean]>([
    ['build', 'succeeded', true],
    ['build', 'failed', false],
    ['nightly', 'failed', true],
    ['nightly', 'succeeded', false],
    ['any', 'cancelled', true],
    ['other', 'succeeded', false],
  ])('after a run of %s that %s: %s', (pipeline, status, expected) => {
    expect(isTriggeredBy(triggers, pipeline, status)).toBe(expected);
  });
});
