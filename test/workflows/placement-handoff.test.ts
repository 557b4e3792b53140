import { describe, expect, it } from 'vitest';
import type { Constraint } from '../../pipeline/schema.js';
import type { PlacementRequest } from '../../workflows/definitions.js';
import {
  type HeldSlot,
  type SlotChange,
  canHandOff,
  planHandOffs,
} from '../../workflows/placement-handoff.js';

const request = (taskId: string, overrides: Partial<PlacementRequest> = {}): PlacementRequest => ({
  key: `run/${taskId}`,
  runWorkflowId: 'run',
  taskId,
  request: { cpu: 0.1, memoryMiB: 64 },
  constraints: [],
  tier: 'flex',
  requestedAt: 1_000,
  ...overrides,
});

const slot = (taskId: string, nodeId = 'n1', overrides: Partial<PlacementRequest> = {}): HeldSlot => ({
  request: request(taskId, overrides),
  decision: { kind: 'placed', nodeId, taskQueue: `q-${nodeId}` },
});

const zone: Constraint = { kind: 'attribute', key: 'zone', in: ['a'], hard: true };

describe('canHandOff', () => {
  it('passes a reservation to a request of the same or a smaller shape and the same tier', () => {
    expect(canHandOff(slot('a'), request('b'))).toBe(true);
    expect(canHandOff(slot('a'), request('b', { request: { cpu: 0.05 } }))).toBe(true);
    expect(canHandOff(slot('a'), request('b', { request: { cpu: 0.2, memoryMiB: 64 } }))).toBe(false);
    expect(canHandOff(slot('a'), request('b', { request: { cpu: 0.1, memoryMiB: 64, disk: 1 } }))).toBe(
      false,
    );
    expect(canHandOff(slot('a'), request('b', { tier: 'critical' }))).toBe(false);
  });

  it('keeps what only the scheduler can judge: groups, pinned cpus, gpus, and constraints on other tasks', () => {
    expect(canHandOff(slot('a', 'n1', { group: 'night' }), request('b', { group: 'night' }))).toBe(false);
    const pinned: HeldSlot = {
      ...slot('a'),
      decision: { ...slot('a').decision, cpuset: { exclusiveCores: [0] } },
    };
    expect(canHandOff(pinned, request('b'))).toBe(false);
    const gpu: HeldSlot = { ...slot('a'), decision: { ...slot('a').decision, gpus: ['0'] } };
    expect(canHandOff(gpu, request('b'))).toBe(false);
    expect(
      canHandOff(slot('a', 'n1', { request: { cpu: 1, gpu: 1 } }), request('b', { request: { gpu: 1 } })),
    ).toBe(false);
    expect(canHandOff(slot('a', 'n1', { constraints: [zone] }), request('b', { constraints: [zone] }))).toBe(
      true,
    );
    expect(canHandOff(slot('a'), request('b', { constraints: [zone] }))).toBe(false);
    const unique: Constraint = { kind: 'uniqueNode', set: 's', hard: true };
    expect(
      canHandOff(slot('a', 'n1', { constraints: [unique] }), request('b', { constraints: [unique] })),
    ).toBe(false);
  });
});

describe('planHandOffs', () => {
  const release = (taskId: string, held?: HeldSlot): SlotChange =>
    held ? { release: `run/${taskId}`, slot: held } : { release: `run/${taskId}` };

  it('hands each freed reservation to the first request that fits, and decides it on the spot', () => {
    const plan = planHandOffs(
      [
        release('a', slot('a', 'n1')),
        { request: request('c') },
        release('b', slot('b', 'n2')),
        { request: request('d') },
      ],
      [],
      true,
    );
    expect(plan.handOffs).toEqual([
      { from: 'run/a', nodeId: 'n1', request: request('c') },
      { from: 'run/b', nodeId: 'n2', request: request('d') },
    ]);
    expect([...plan.decisions]).toEqual([
      ['c', { kind: 'placed', nodeId: 'n1', taskQueue: 'q-n1' }],
      ['d', { kind: 'placed', nodeId: 'n2', taskQueue: 'q-n2' }],
    ]);
    expect(plan.releases).toEqual([]);
    expect(plan.requests).toEqual([]);
  });

  it('serves requests that already wait at the service first, oldest first', () => {
    const plan = planHandOffs(
      [release('a', slot('a')), { request: request('new') }],
      [request('old1'), request('old2')],
      true,
    );
    expect(plan.handOffs.map((h) => h.request.taskId)).toEqual(['old1']);
    expect(plan.requests.map((r) => r.taskId)).toEqual(['new']);
    expect(plan.decisions.has('old2')).toBe(false);
  });

  it('sends what does not match as before: releases and requests each in the order they came', () => {
    const big = request('big', { request: { cpu: 4 } });
    const plan = planHandOffs(
      [{ request: big }, release('a', slot('a')), release('b'), { request: request('c') }],
      [],
      true,
    );
    expect(plan.handOffs.map((h) => [h.from, h.request.taskId])).toEqual([['run/a', 'c']]);
    expect(plan.releases).toEqual(['run/b']);
    expect(plan.requests).toEqual([big]);
  });

  it('hands nothing off when not allowed (another party waits, or an older protocol)', () => {
    const changes: SlotChange[] = [
      { request: request('r1') },
      release('k1', slot('k1')),
      { request: request('r2') },
      release('k2'),
    ];
    const plan = planHandOffs(changes, [request('old')], false);
    expect(plan).toEqual({
      releases: ['run/k1', 'run/k2'],
      requests: [request('r1'), request('r2')],
      handOffs: [],
      decisions: new Map(),
    });
    expect(planHandOffs([], [], true)).toEqual({
      releases: [],
      requests: [],
      handOffs: [],
      decisions: new Map(),
    });
  });
});
